/**
 * One ECS event as one row of the O365Audit_CL stream: the OfficeActivity-like columns (columns.ts)
 * and the whole event as the dynamic `EcsEvent`. The row's JSON is built from the event's existing
 * JSON text, so the large part is not serialized again here.
 *
 * Log Analytics keeps at most 64 KB of a field and cuts the rest off without saying so; a cut
 * `EcsEvent` would no longer even be JSON. An event with a field over the limit is therefore refused
 * here with the column and its size, which puts it, whole, in the sink's dead letter: never a
 * silently shortened row. (Sending a trimmed row as well would need an outcome "delivered, and also
 * dead-lettered" the framework does not have.)
 */
import type { EncodedEvent, SinkEvent } from '../delivery/model';
import { ECS_EVENT_COLUMN, O365_AUDIT_COLUMNS, type EcsView } from './columns';
import { LOGS_INGESTION_LIMITS } from './config';
import { originalRecordOf } from './originalRecord';

export type LogsRow = Record<string, unknown>;

/** An encoded row, with the row object the SDK uploads (its JSON is `payload`). */
export interface LogsEncodedEvent extends EncodedEvent {
  row: LogsRow;
}

export class FieldTooLargeError extends Error {
  override readonly name = 'FieldTooLargeError';
  constructor(
    readonly column: string,
    readonly bytes: number,
  ) {
    super(
      `column ${column} would hold ${bytes} bytes, over the ${LOGS_INGESTION_LIMITS.maxFieldBytes}-byte ` +
        `(64 KB) limit of a Log Analytics field, which would cut it short; the whole event is kept here instead`,
    );
  }
}

/** `fallbackTime` is TimeGenerated for an event that carries no time of its own. */
export function encodeLogsRow(event: SinkEvent, fallbackTime: string): LogsEncodedEvent {
  const source = { record: originalRecordOf(event.event), ecs: event.event as EcsView };
  const scalars: LogsRow = {};
  for (const column of O365_AUDIT_COLUMNS) {
    const value = column.value?.(source);
    if (value === undefined) continue;
    const bytes = fieldBytes(value);
    if (bytes > LOGS_INGESTION_LIMITS.maxFieldBytes) throw new FieldTooLargeError(column.name, bytes);
    scalars[column.name] = value;
  }
  scalars.TimeGenerated ??= fallbackTime;
  const eventBytes = Buffer.byteLength(event.json);
  if (eventBytes > LOGS_INGESTION_LIMITS.maxFieldBytes)
    throw new FieldTooLargeError(ECS_EVENT_COLUMN, eventBytes);
  const head = `${JSON.stringify(scalars).slice(0, -1)},${JSON.stringify(ECS_EVENT_COLUMN)}:`;
  // Counted in parts: measuring the joined text would copy the event's JSON once more.
  return {
    source: event,
    payload: `${head}${event.json}}`,
    bytes: Buffer.byteLength(head) + eventBytes + 1,
    row: { ...scalars, [ECS_EVENT_COLUMN]: event.event },
  };
}

function fieldBytes(value: unknown): number {
  if (typeof value === 'string') {
    // Three bytes per UTF-16 unit at most: short strings need no exact count.
    return value.length * 3 <= LOGS_INGESTION_LIMITS.maxFieldBytes ? value.length : Buffer.byteLength(value);
  }
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/** The row object of an encoded event; one from elsewhere is read back from its JSON. */
export function rowOf(encoded: EncodedEvent): LogsRow {
  const row = (encoded as Partial<LogsEncodedEvent>).row;
  return row ?? (JSON.parse(encoded.payload) as LogsRow);
}
