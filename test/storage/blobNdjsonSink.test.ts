import { BlobNdjsonSink, NDJSON_CONTENT_TYPE, sinkPathFor } from '../../shared/sinks/blobNdjsonSink';
import { MemorySink } from '../../shared/sinks/memorySink';
import { ContentBlobRef, SinkWriteError } from '../../shared/sinks/sink';
import { uniqueName, useAzurite } from './azuriteFixture';

const TENANT = '11111111-2222-3333-4444-555555555555';

function blob(contentId: string): ContentBlobRef {
  return {
    tenantId: TENANT,
    contentType: 'Audit.Exchange',
    contentId,
  };
}

describe('BlobNdjsonSink', () => {
  const azurite = useAzurite();

  async function freshSink() {
    const container = uniqueName('events', 'queue');
    const service = azurite.clients().blobService;
    const sink = new BlobNdjsonSink(service, container);
    await sink.ensureExists();
    const read = async (ref: ContentBlobRef) => {
      const client = service.getContainerClient(container).getBlockBlobClient(sinkPathFor(ref));
      const [body, props] = await Promise.all([client.downloadToBuffer(), client.getProperties()]);
      // Metadata names are case-insensitive; Azurite answers in lower case, Azure as written.
      const metadata = Object.fromEntries(
        Object.entries(props.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      );
      return { text: body.toString('utf8'), props: { ...props, metadata } };
    };
    return { sink, container, service, read };
  }

  it('writes one JSON line per event at the deterministic path, with content type and metadata', async () => {
    const { sink, container, read } = await freshSink();
    const events = [{ a: 1 }, { text: 'line\nbreak', n: null }, { nested: { ok: true } }];
    const result = await sink.write(blob('id$1'), events);
    expect(result.location).toBe(`${container}/${sinkPathFor(blob('id$1'))}`);
    expect(result.events).toBe(3);
    const { text, props } = await read(blob('id$1'));
    expect(result.bytes).toBe(Buffer.byteLength(text));
    expect(text.split('\n')).toHaveLength(4);
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(events);
    expect(props.contentType).toBe(NDJSON_CONTENT_TYPE);
    expect(props.metadata).toMatchObject({ tenantid: TENANT, contentid: 'id%241', eventcount: '3' });
  });

  it('keeps a finished blob when the same content blob is written again, and reports the earlier write', async () => {
    const { sink, read } = await freshSink();
    const first = await sink.write(blob('again'), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(first.alreadyWritten).toBeUndefined();
    const second = await sink.write(blob('again'), [{ n: 1 }, { n: 2 }]);
    expect(second).toMatchObject({
      alreadyWritten: true,
      events: 3,
      bytes: first.bytes,
      location: first.location,
    });
    const { text, props } = await read(blob('again'));
    expect(text).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    expect(props.metadata?.eventcount).toBe('3');
  });

  it("lets a retry finish a write that died after staging blocks, and keeps only the retry's events", async () => {
    const { sink, read, service, container } = await freshSink();
    const ref = blob('died-mid-write');
    const blockBlob = service.getContainerClient(container).getBlockBlobClient(sinkPathFor(ref));
    const stagedBlocks = () =>
      blockBlob.getBlockList('uncommitted').then(
        (list) => list.uncommittedBlocks?.length ?? 0,
        () => 0,
      );
    async function* diesAfterOneBlock() {
      // More than one 4 MiB block; the worker dies once a block is surely staged.
      for (let i = 0; i < 30_000; i++) yield { i, pad: 'x'.repeat(200) };
      for (let tries = 0; tries < 100 && (await stagedBlocks()) === 0; tries++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('worker died');
    }
    await expect(sink.write(ref, diesAfterOneBlock())).rejects.toThrow('worker died');
    expect(await stagedBlocks()).toBeGreaterThan(0);
    const retry = await sink.write(ref, [{ retried: true }]);
    expect(retry).toMatchObject({ events: 1 });
    expect(retry.alreadyWritten).toBeUndefined();
    expect((await read(ref)).text).toBe('{"retried":true}\n');
  });

  it('lets only one of two concurrent writers of a blob commit, without an error for the other', async () => {
    const { sink, read } = await freshSink();
    const ref = blob('raced');
    async function* events(writer: string) {
      for (let i = 0; i < 20_000; i++) yield { writer, i, pad: 'y'.repeat(300) };
    }
    const results = await Promise.all([sink.write(ref, events('a')), sink.write(ref, events('b'))]);
    const { text } = await read(ref);
    const writers = new Set(
      text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { writer: string }).writer),
    );
    expect(writers.size).toBe(1);
    expect(results.map((r) => r.events)).toEqual([20_000, 20_000]);
    expect(results.filter((r) => r.alreadyWritten)).toHaveLength(1);
  });

  it('writes an empty blob for a content blob without events', async () => {
    const { sink, read } = await freshSink();
    const result = await sink.write(blob('empty'), []);
    expect(result).toMatchObject({ events: 0, bytes: 0 });
    const { text, props } = await read(blob('empty'));
    expect(text).toBe('');
    expect(props.contentLength).toBe(0);
    expect(props.metadata?.eventcount).toBe('0');
  });

  it('streams 200k lazily generated events, uploading blocks before the last event is produced', async () => {
    const { sink, container, service, read } = await freshSink();
    const ref = blob('large');
    const blockBlob = service.getContainerClient(container).getBlockBlobClient(sinkPathFor(ref));
    const total = 200_000;
    let stagedBeforeEnd = -1;
    async function* events() {
      for (let i = 0; i < total; i++) {
        if (i === total - 1) {
          // If the sink buffered everything first, nothing would be staged yet at this point.
          const list = await blockBlob.getBlockList('uncommitted');
          stagedBeforeEnd = list.uncommittedBlocks?.length ?? 0;
        }
        yield { i, user: `user${i}@contoso.com`, operation: 'FileAccessed', pad: 'x'.repeat(100) };
      }
    }
    const result = await sink.write(ref, events());
    expect(result.events).toBe(total);
    expect(stagedBeforeEnd).toBeGreaterThan(0);
    const { text, props } = await read(ref);
    expect(props.contentLength).toBe(result.bytes);
    let lines = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
    expect(lines).toBe(total);
    expect(JSON.parse(text.slice(text.lastIndexOf('\n', text.length - 2) + 1))).toMatchObject({
      i: total - 1,
    });
    expect(props.metadata?.eventcount).toBe(String(total));
  });

  it('rejects an event JSON cannot carry with SinkWriteError and keeps the earlier blob intact', async () => {
    const { sink, read } = await freshSink();
    await sink.write(blob('kept'), [{ ok: 1 }]);
    const error = await sink.write(blob('kept'), [{ ok: 2 }, { bad: BigInt(3) }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SinkWriteError);
    expect((error as SinkWriteError).message).toMatch(/event #1/);
    expect((await read(blob('kept'))).text).toBe('{"ok":1}\n');
  });

  it("passes the event source's own error through unchanged, writing nothing", async () => {
    const { sink, read } = await freshSink();
    class FetchFailed extends Error {
      readonly code = 'AF20051';
    }
    async function* failing() {
      yield { first: true };
      throw new FetchFailed('content expired');
    }
    await expect(sink.write(blob('source-fails'), failing())).rejects.toBeInstanceOf(FetchFailed);
    await expect(read(blob('source-fails'))).rejects.toMatchObject({ statusCode: 404 });
  });

  it('reports a missing container as SinkWriteError with the service code', async () => {
    const service = azurite.clients().blobService;
    const sink = new BlobNdjsonSink(service, uniqueName('never-created', 'queue'));
    const error = await sink.write(blob('x'), [{ a: 1 }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SinkWriteError);
    expect(error).toMatchObject({ statusCode: 404, code: 'ContainerNotFound' });
  });
});

describe('MemorySink', () => {
  it('keeps the first finished write per blob, like the blob sink', async () => {
    const sink = new MemorySink();
    await sink.write(blob('m'), [{ a: 1 }, { a: 2 }]);
    const result = await sink.write(blob('m'), [{ a: 3 }]);
    expect(result).toMatchObject({
      events: 2,
      bytes: Buffer.byteLength('{"a":1}\n{"a":2}\n'),
      alreadyWritten: true,
    });
    expect(sink.allEvents()).toEqual([{ a: 1 }, { a: 2 }]);
    expect(sink.writes).toBe(2);
  });
});
