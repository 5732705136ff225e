/**
 * ECS categorization (`event.kind`, `event.category`, `event.type`) from the workload and the
 * operation. Operation names are free text across hundreds of services, so most of the work is a
 * verb classifier; the few families a SOC queries first (sign-ins, directory changes, file and
 * mailbox activity, admin cmdlets) get explicit rules in their workload modules.
 *
 * Every event is also `web`: these are audit events of a web service, Elastic's mapping files all
 * of them there, and most prebuilt Microsoft 365 detections start with `event.category:web`.
 */
import type { EcsEvent, EventCategory, EventKind, EventType } from './ecsEvent';
import { memoize } from './memo';

export interface Categorization {
  kind: EventKind;
  category: EventCategory[];
  type: EventType[];
}

/** The event types ECS expects with each category this module uses (ECS allowed values). */
const EXPECTED_TYPES: Readonly<Record<EventCategory, readonly EventType[]>> = {
  authentication: ['start', 'end', 'info'],
  configuration: ['access', 'change', 'creation', 'deletion', 'info'],
  email: ['info'],
  file: ['access', 'change', 'creation', 'deletion', 'info'],
  iam: ['admin', 'change', 'creation', 'deletion', 'group', 'info', 'user'],
  intrusion_detection: ['allowed', 'denied', 'info'],
  malware: ['info'],
  session: ['start', 'end', 'info'],
  web: ['access', 'error', 'info'],
};

export const DEFAULT_CATEGORIZATION: Categorization = { kind: 'event', category: ['web'], type: ['info'] };

/** Operation names are short; a longer value is not one, and is not run through the patterns. */
export const MAX_OPERATION_CHARS = 256;

/** The operation name to classify, or '' for a value too long to be one. */
export function operationName(value: string | undefined): string {
  return value === undefined || value.length > MAX_OPERATION_CHARS ? '' : value;
}

export type Verb = 'creation' | 'deletion' | 'change' | 'access' | 'info';

// Order matters: "FileDeletedFirstStageRecycleBin" is a deletion, "FolderCreated" a creation.
const VERBS: readonly [RegExp, Verb][] = [
  [/delet|remov|recycl|purg|hardd|softd/i, 'deletion'],
  [/creat|^add|added|^new-|upload|cop(y|ied)|register|insert/i, 'creation'],
  [
    /updat|modif|chang|^set-|^set |renam|moved|^move|restor|enabl|disabl|reset|edit|grant|revok|assign|consent|checked|replac/i,
    'change',
  ],
  [/access|download|view|preview|read|open|search|^get-|sync|login|logon|used/i, 'access'],
];

const verbOfName = memoize((operation): Verb => {
  for (const [pattern, verb] of VERBS) if (pattern.test(operation)) return verb;
  return 'info';
});

export function verbOf(operation: string): Verb {
  return operation.length > MAX_OPERATION_CHARS ? 'info' : verbOfName(operation);
}

/** A workload's categorization of operation names, remembered per name (see memo.ts). */
export function byOperationName(
  classify: (operation: string) => Categorization,
): (name: string) => Categorization {
  const remembered = memoize(classify, 4096, MAX_OPERATION_CHARS);
  return (name) => remembered(operationName(name));
}

/**
 * Puts `web` first among the categories and keeps only the types ECS expects for at least one of
 * them; falls back to `info` (which every category used here accepts) so a new operation name can
 * never produce a non-conformant event.
 */
export function conform(c: Categorization): Categorization {
  const category: EventCategory[] = ['web'];
  for (const cat of c.category) if (!category.includes(cat)) category.push(cat);
  const type = c.type.filter(
    (t, i) => c.type.indexOf(t) === i && category.some((cat) => EXPECTED_TYPES[cat].includes(t)),
  );
  return { kind: c.kind, category, type: type.length > 0 ? type : ['info'] };
}

export function categorized(category: EventCategory, ...type: EventType[]): Categorization {
  return conform({ kind: 'event', category: [category], type });
}

/** Puts a categorization on the event: kind, category and type always change together. */
export function setCategorization(event: EcsEvent, c: Categorization): void {
  const conformed = conform(c);
  event.event.kind = conformed.kind;
  // conform made new arrays: a categorization remembered per operation name is never shared.
  event.event.category = conformed.category;
  event.event.type = conformed.type;
}
