/**
 * The shape of one normalized event: ECS fields at the top, the record's exact text in
 * `event.original`, the record itself (with its Name/Value lists made objects) and our derived,
 * non-ECS extras under `o365`. Every field is optional except the few every event carries, because
 * records are sparse and a missing field is better than an invented one.
 */
import type { EventOutcome } from './outcome';

/** The released ECS version the field names and types are checked against. */
export const ECS_VERSION = '9.4.0';

/** Elastic's data stream naming: `logs-o365.audit-<namespace>`, as its Office 365 integration uses. */
export const DATA_STREAM_TYPE = 'logs';
export const DATASET = 'o365.audit';
export const DEFAULT_NAMESPACE = 'default';

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
  /** The record exactly as the API sent it (JSON text). */
  original?: string;
}

export interface EcsDataStream {
  type: string;
  dataset: string;
  namespace: string;
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

/**
 * Derived extras that have no ECS home. `audit` is the record, field for field, with its
 * Parameters, ExtendedProperties, ModifiedProperties and Data made objects (see auditRecord.ts).
 */
export interface O365Fields {
  audit: Record<string, unknown>;
  content_type?: string;
  content_id?: string;
  user_type?: string;
  logon_type?: string;
  item_type?: string;
  site?: { url?: string; id?: string };
  mailbox?: { folder?: string; destination_folder?: string; folders?: string[] };
  dlp?: {
    severity?: string;
    actions?: string[];
    blocked?: boolean;
    policy_ids?: string[];
    /** Sensitive information type names, resolved from their GUIDs where the tenant lists them. */
    sensitive_types?: string[];
    sensitive_type_ids?: string[];
  };
  alert?: {
    id?: string;
    type?: string;
    status?: string;
    source?: string;
    entity_type?: string;
    entity_id?: string;
  };
  /** Set only when a workload mapping failed; the common fields are still there. */
  normalize_error?: string;
}

export interface EcsEvent {
  '@timestamp'?: string;
  ecs: { version: string };
  event: EcsEventFields;
  data_stream: EcsDataStream;
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
