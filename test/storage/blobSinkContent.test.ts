/**
 * What the blob sink stores for odd content, through the same normalization fetchContent runs:
 * indented CRLF blobs and a record too deep to write must still leave one JSON document per line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitJsonArrayStream } from '../../shared/managementApi';
import { normalizeBlobRecords } from '../../shared/pipeline/normalizeBlob';
import { BlobNdjsonSink, sinkPathFor } from '../../shared/sinks/blobNdjsonSink';
import type { ContentBlobRef } from '../../shared/sinks/sink';
import { uniqueName, useAzurite } from './azuriteFixture';

const TENANT = '4d5e6f70-8192-4a3b-9c4d-5e6f70819203';
const CRLF_BLOB = path.join(__dirname, '..', 'fixtures', 'records', 'indented-crlf-blob.json');

function blob(contentId: string): ContentBlobRef {
  return {
    tenantId: TENANT,
    contentType: 'Audit.Exchange',
    contentId,
  };
}

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  const all = Buffer.from(text, 'utf8');
  for (let i = 0; i < all.length; i += 64) yield all.subarray(i, i + 64);
}

describe('BlobNdjsonSink with normalized content', () => {
  const azurite = useAzurite();

  async function writeAndRead(
    ref: ContentBlobRef,
    text: string,
    preserveOriginal?: boolean,
  ): Promise<{ lines: string[]; events: number }> {
    const container = uniqueName('content', 'queue');
    const service = azurite.clients().blobService;
    const sink = new BlobNdjsonSink(service, container);
    await sink.ensureExists();
    const normalized = normalizeBlobRecords(splitJsonArrayStream(bytes(text)), {
      tenantId: TENANT,
      contentType: ref.contentType,
      contentId: ref.contentId,
      preserveOriginal,
    });
    const written = await sink.write(ref, normalized.events);
    const body = await service
      .getContainerClient(container)
      .getBlockBlobClient(sinkPathFor(ref))
      .downloadToBuffer();
    const stored = body.toString('utf8');
    expect(stored.endsWith('\n')).toBe(true);
    return { lines: stored.slice(0, -1).split('\n'), events: written.events };
  }

  it('stores an indented CRLF content blob as one valid JSON document per line', async () => {
    const text = readFileSync(CRLF_BLOB, 'utf8');
    const { lines, events } = await writeAndRead(blob('crlf$1'), text, true);
    expect(events).toBe(3);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain('\r');
      const event = JSON.parse(line) as { event: { kind: string; original: string } };
      expect(event.event.kind).toBe('event');
      expect(event.event.original).toMatch(/^\{\r\n {8}"CreationTime"/);
    }
  });

  it('stores the rest of a blob when one record is nested 20,000 deep, that one as a pipeline_error', async () => {
    const deep = `{"Id":"deep-2","Deep":${'['.repeat(20000)}${']'.repeat(20000)}}`;
    const text = `[{"Id":"a-1","Operation":"Send"},${deep},{"Id":"a-2","Operation":"Create"}]`;
    const { lines, events } = await writeAndRead(blob('deep$1'), text);
    expect(events).toBe(3);
    const kinds = lines.map((l) => (JSON.parse(l) as { event: { kind: string } }).event.kind);
    expect(kinds).toEqual(['event', 'pipeline_error', 'event']);
    expect((JSON.parse(lines[1]) as { event: { original: string } }).event.original).toBe(deep);
  });
});
