/**
 * The project's own ECS subset (test/fixtures/ecs) and a checker that lists every way an event
 * departs from it: unknown fields outside `o365.*`, values of the wrong type, categorization values
 * that are not allowed, and event types ECS expects for none of the event's categories.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

const ECS_DIR = path.join(__dirname, '..', 'fixtures', 'ecs');

interface AllowedValues {
  'event.kind': string[];
  'event.category': string[];
  'event.type': string[];
  'event.outcome': string[];
  expected_event_types_by_category: Record<string, string[]>;
}

export interface EcsSubset {
  version: string;
  types: Map<string, string>;
  allowed: AllowedValues;
}

export function loadEcsSubset(): EcsSubset {
  const lines = readFileSync(path.join(ECS_DIR, 'fields.csv'), 'utf8').trim().split('\n').slice(1);
  const types = new Map<string, string>();
  let version = '';
  for (const line of lines) {
    const [v, field, type] = line.split(',');
    version = v;
    types.set(field, type);
  }
  const allowed = JSON.parse(
    readFileSync(path.join(ECS_DIR, 'allowed-values.json'), 'utf8'),
  ) as AllowedValues;
  return { version, types, allowed };
}

function valueProblem(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'keyword':
    case 'wildcard':
    case 'match_only_text':
    case 'constant_keyword':
    case 'text':
      return typeof value === 'string' ? undefined : `expected a string, got ${JSON.stringify(value)}`;
    case 'ip':
      return typeof value === 'string' && isIP(value) !== 0
        ? undefined
        : `expected an IP, got ${JSON.stringify(value)}`;
    case 'long':
      return Number.isSafeInteger(value) ? undefined : `expected an integer, got ${JSON.stringify(value)}`;
    case 'float':
    case 'scaled_float':
    case 'double':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : `expected a number, got ${JSON.stringify(value)}`;
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value))
        ? undefined
        : `expected a date, got ${JSON.stringify(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${JSON.stringify(value)}`;
    default:
      return `type ${type} is not checked by this test`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(ecs: EcsSubset, value: unknown, prefix: string, problems: string[]): void {
  if (!isPlainObject(value)) {
    problems.push(`${prefix || '(root)'}: not an object`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const field = prefix ? `${prefix}.${key}` : key;
    // undefined is how the normalizer marks an absent field (JSON output drops it).
    if (field === 'o365' || child === undefined) continue;
    const type = ecs.types.get(field);
    if (type === 'nested') {
      if (!Array.isArray(child)) problems.push(`${field}: nested field must be an array`);
      else for (const item of child) walk(ecs, item, field, problems);
    } else if (type !== undefined) {
      const values = Array.isArray(child) ? child : [child];
      if (Array.isArray(child) && child.length === 0) problems.push(`${field}: empty array`);
      for (const v of values) {
        const problem = valueProblem(type, v);
        if (problem) problems.push(`${field}: ${problem}`);
      }
    } else if (isPlainObject(child)) {
      if (Object.keys(child).length === 0) problems.push(`${field}: empty object`);
      walk(ecs, child, field, problems);
    } else {
      problems.push(`${field}: not an ECS field`);
    }
  }
}

export function ecsProblems(ecs: EcsSubset, event: Record<string, unknown>): string[] {
  const problems: string[] = [];
  walk(ecs, event, '', problems);
  const e = isPlainObject(event.event) ? event.event : {};
  const kind = e.kind;
  if (!ecs.allowed['event.kind'].includes(kind as string))
    problems.push(`event.kind not allowed: ${String(kind)}`);
  if (!ecs.allowed['event.outcome'].includes(e.outcome as string)) {
    problems.push(`event.outcome not allowed: ${String(e.outcome)}`);
  }
  const categories = Array.isArray(e.category) ? (e.category as string[]) : [];
  const types = Array.isArray(e.type) ? (e.type as string[]) : [];
  if (categories.length === 0) problems.push('event.category missing');
  if (types.length === 0) problems.push('event.type missing');
  for (const c of categories)
    if (!ecs.allowed['event.category'].includes(c)) problems.push(`event.category not allowed: ${c}`);
  for (const t of types) {
    if (!ecs.allowed['event.type'].includes(t)) problems.push(`event.type not allowed: ${t}`);
    const expectedSomewhere = categories.some((c) =>
      (ecs.allowed.expected_event_types_by_category[c] ?? []).includes(t),
    );
    if (!expectedSomewhere) {
      problems.push(`event.type ${t} is not expected with any of the categories ${categories.join(', ')}`);
    }
  }
  if ((event.ecs as { version?: unknown } | undefined)?.version !== ecs.version)
    problems.push('ecs.version differs');
  return problems;
}
