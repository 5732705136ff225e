import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitJsonArrayStream } from '../../shared/managementApi';
import { MAX_RECORD_DEPTH } from '../../shared/normalize/serialize';
import { MAX_ERROR_ORIGINAL_CHARS, normalizeBlobRecords } from '../../shared/pipeline/normalizeBlob';
import { serializedJsonOf } from '../../shared/rawJson';
import { MemorySink } from '../../shared/sinks/memorySink';
import { ndjsonLine } from '../../shared/sinks/sink';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'records');
const CONTEXT = {
  tenantId: '4d5e6f70-8192-4a3b-9c4d-5e6f70819203',
  contentType: 'Audit.Exchange' as const,
  contentId: 'blob-1',
};

/** A content blob's text as the API would stream it, in small chunks. */
async function* chunks(text: string, size = 97): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function linesOf(
  text: string,
  preserveOriginal?: boolean,
): Promise<{ lines: string[]; stats: ReturnType<typeof run>['stats'] }> {
  const normalized = run(text, preserveOriginal);
  const lines: string[] = [];
  let i = 0;
  for await (const event of normalized.events) {
    // Every event carries its text, so a sink never has to serialize (and fail on) one.
    expect(serializedJsonOf(event)).toBeDefined();
    lines.push(ndjsonLine(event, i++));
  }
  return { lines, stats: normalized.stats };
}

function run(text: string, preserveOriginal?: boolean) {
  return normalizeBlobRecords(splitJsonArrayStream(chunks(text)), { ...CONTEXT, preserveOriginal });
}

function nested(depth: number): string {
  return `${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;
}

interface WrittenEvent {
  event: { kind: string; id?: string; original: string; reason?: string };
  error?: { message: string };
  o365: { audit?: { Id?: string } };
}

describe('normalizeBlobRecords', () => {
  it.each([
    ['without event.original (the default)', undefined],
    ['with event.original', true],
  ])('writes indented CRLF content as one valid JSON document per line, %s', async (_name, preserve) => {
    const text = readFileSync(path.join(FIXTURES, 'indented-crlf-blob.json'), 'utf8');
    const { lines, stats } = await linesOf(text, preserve);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
      const event = JSON.parse(line) as WrittenEvent;
      expect(event.event.kind).not.toBe('pipeline_error');
      expect(event.o365.audit?.Id).toBeDefined();
      if (preserve) expect(event.event.original).toContain('\r\n');
      else expect(event.event).not.toHaveProperty('original');
    }
    expect(stats()).toMatchObject({ records: 3, events: 3, rejectedRecords: 0 });
  });

  it('keeps a record nested 20,000 deep as a pipeline_error with its text, and writes the others', async () => {
    const deep = `{"Id":"deep-1","Operation":"Set-Mailbox","Deep":${nested(20000)}}`;
    const text = `[{"Id":"ok-1","Operation":"Create"},${deep},{"Id":"ok-2","Operation":"Send"}]`;
    const { lines, stats } = await linesOf(text);
    const events = lines.map((l) => JSON.parse(l) as WrittenEvent);
    expect(events.map((e) => e.event.kind)).toEqual(['event', 'pipeline_error', 'event']);
    const error = events[1];
    expect(error.event.id).toBe('deep-1');
    expect(error.event.reason).toMatch(/nests 20000 levels deep, more than the 60/);
    expect(error.event.original).toBe(deep);
    expect(error.o365.audit).toBeUndefined();
    expect(stats()).toMatchObject({ records: 3, events: 3, rejectedRecords: 1 });
  });

  it('writes records up to the depth limit and refuses the first one past it', async () => {
    const at = `{"Id":"at-limit","X":${nested(MAX_RECORD_DEPTH)}}`;
    const past = `{"Id":"past-limit","X":${nested(MAX_RECORD_DEPTH + 1)}}`;
    const { lines } = await linesOf(`[${at},${past}]`);
    const kinds = lines.map((l) => (JSON.parse(l) as WrittenEvent).event.kind);
    expect(kinds).toEqual(['event', 'pipeline_error']);
  });

  it('keeps a record whose event cannot be serialized, without text of its own, as a pipeline_error', async () => {
    const deep = JSON.parse(`{"Id":"no-text","Deep":${nested(20000)}}`) as object;
    const normalized = normalizeBlobRecords(
      (async function* () {
        yield { Id: 'fine', Operation: 'Create' };
        yield deep;
      })(),
      CONTEXT,
    );
    const sink = new MemorySink();
    const written = await sink.write({ ...CONTEXT }, normalized.events);
    expect(written.events).toBe(2);
    const [, error] = sink.allEvents().map((e) => JSON.parse(ndjsonLine(e, 0)) as WrittenEvent);
    expect(error.event.kind).toBe('pipeline_error');
    expect(error.event.id).toBe('no-text');
    expect(error.event.original).toBe('(the record cannot be written as JSON)');
    expect(error.event.reason).toMatch(/cannot be written as JSON/);
  });

  it('bounds the original text a pipeline_error keeps, and says so', async () => {
    const big = `{"Id":"huge","Deep":${nested(70)},"Pad":"${'x'.repeat(MAX_ERROR_ORIGINAL_CHARS)}"}`;
    const { lines } = await linesOf(`[${big}]`);
    const event = JSON.parse(lines[0]) as WrittenEvent;
    expect(event.event.kind).toBe('pipeline_error');
    expect(event.event.original).toHaveLength(MAX_ERROR_ORIGINAL_CHARS);
    expect(big.startsWith(event.event.original)).toBe(true);
    expect(event.error?.message).toMatch(
      new RegExp(`original cut to its first ${MAX_ERROR_ORIGINAL_CHARS} of ${big.length} characters`),
    );
  });

  it('keeps a record without an Id as a pipeline_error with the record and its text', async () => {
    const { lines } = await linesOf('[{"Operation":"X"}]');
    const event = JSON.parse(lines[0]) as WrittenEvent & { o365: { audit?: unknown } };
    expect(event.event).toMatchObject({ kind: 'pipeline_error', reason: 'record has no Id' });
    expect(event.event.original).toBe('{"Operation":"X"}');
    expect(event.o365.audit).toEqual({ Operation: 'X' });
  });
});
