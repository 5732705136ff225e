/**
 * The shape of one normalized event: ECS fields at the top, the original record and our derived,
 * non-ECS extras under `o365`. Every field is optional except the few every event carries, because
 * records are sparse and a missing field is better than an invented one.
 */
import type { EventOutcome } from './outcome';

/** The ECS release the field names and types are checked against. */
export const ECS_VERSION = '9.5.0-dev';

export type EventKind = 'event' | 'alert';
export type EventCategory =
  | 'authentication'
  | 'configuration'
  | 'email'
  | 'file'
  | 'iam'
  | 'intrusion_detection'
  | 'malware'
  | 'session'
  | 'web';
export type EventType =
  | 'access'
  | 'admin'
  | 'allowed'
  | 'change'
  | 'creation'
  | 'deletion'
  | 'denied'
  | 'end'
  | 'error'
  | 'group'
  | 'info'
  | 'start'
  | 'user';

export interface EcsEventFields {
  id: string;
  kind: EventKind;
  category: EventCategory[];
  type: EventType[];
  outcome: EventOutcome;
  action?: string;
  provider?: string;
  code?: string;
  dataset: string;
  module: string;
  severity?: number;
  reason?: string;
}

export interface EcsUserFields {
  id?: string;
  name?: string;
  email?: string;
  domain?: string;
  full_name?: string;
}

export interface EcsEndpoint {
  ip: string;
  port?: number;
  address: string;
}

export interface EcsFileFields {
  name?: string;
  extension?: string;
  directory?: string;
  path?: string;
  size?: number;
  owner?: string;
  inode?: string;
  mtime?: string;
  created?: string;
}

export interface EcsEmailAttachment {
  file: { name: string; extension?: string; size?: number };
}

export interface EcsEmailFields {
  subject?: string;
  message_id?: string;
  attachments?: EcsEmailAttachment[];
  from?: { address: string[] };
  to?: { address: string[] };
  cc?: { address: string[] };
  bcc?: { address: string[] };
}

export interface EcsRuleFields {
  id?: string | string[];
  name?: string | string[];
  ruleset?: string | string[];
  category?: string;
  description?: string;
}

/** Derived extras that have no ECS home; the original record is `audit`. */
export interface O365Fields {
  audit: Record<string, unknown>;
  content_type?: string;
  content_id?: string;
  user_type?: string;
  logon_type?: string;
  item_type?: string;
  modified_properties?: Record<string, { OldValue?: unknown; NewValue?: unknown }>;
  extended_properties?: Record<string, unknown>;
  parameters?: Record<string, unknown>;
  site?: { url?: string; id?: string };
  mailbox?: { folder?: string; destination_folder?: string; folders?: string[] };
  dlp?: {
    severity?: string;
    actions?: string[];
    blocked?: boolean;
    policy_ids?: string[];
    sensitive_types?: string[];
  };
  alert?: {
    id?: string;
    type?: string;
    status?: string;
    source?: string;
    entity_type?: string;
    entity_id?: string;
    data?: unknown;
  };
  /** Set only when a workload mapping failed; the common fields are still there. */
  normalize_error?: string;
}

export interface EcsEvent {
  '@timestamp'?: string;
  ecs: { version: string };
  event: EcsEventFields;
  message?: string;
  organization?: { id?: string; name?: string };
  user?: EcsUserFields & { target?: EcsUserFields };
  group?: { id?: string; name?: string };
  source?: EcsEndpoint;
  client?: EcsEndpoint;
  server?: { address: string };
  host?: { name: string };
  related?: { ip?: string[]; user?: string[] };
  user_agent?: { original: string };
  url?: { original?: string; domain?: string };
  file?: EcsFileFields;
  email?: EcsEmailFields;
  rule?: EcsRuleFields;
  error?: { code?: string; message?: string };
  o365: O365Fields;
  [field: string]: unknown;
}
