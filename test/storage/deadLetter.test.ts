import { BlobNdjsonSink, sinkPathFor } from '../../shared/sinks/blobNdjsonSink';
import { BlobContentSink } from '../../shared/sinks/blob/blobContentSink';
import { BlobDeadLetterStore, deadLetterPathFor } from '../../shared/sinks/delivery/deadLetter';
import type { ContentBlobRef } from '../../shared/sinks/sink';
import { uniqueName, useAzurite } from './azuriteFixture';

const ref: ContentBlobRef = {
  tenantId: '11111111-2222-3333-4444-555555555555',
  contentType: 'Audit.SharePoint',
  contentId: '20240501$abc',
};

describe('dead letters and the blob sink in the events container', () => {
  const azurite = useAzurite();

  const containerOf = () => azurite.clients().blobService.getContainerClient(uniqueName('dead', 'queue'));
  const read = async (container: ReturnType<typeof containerOf>, path: string) =>
    (await container.getBlockBlobClient(path).downloadToBuffer()).toString('utf8');

  it('writes refused events at deadletter/<sink>/<tenant>/<contentType>/<hash>.ndjson with the reason per event', async () => {
    const container = containerOf();
    const store = new BlobDeadLetterStore(container, () => new Date('2024-05-02T00:00:00Z'));
    const file = store.open('elasticsearch', ref);
    await file.add({
      position: 4,
      eventId: 'r-4',
      reason: '400 mapper_parsing_exception: bad',
      code: 'mapper_parsing_exception',
      statusCode: 400,
      json: '{"event":{"id":"r-4"}}',
    });
    await file.add({ position: 9, reason: 'cannot be serialized', json: '{"unserializable":"x"}' });
    const location = await file.close();
    const path = deadLetterPathFor('elasticsearch', ref);
    expect(path).toMatch(
      /^deadletter\/elasticsearch\/11111111-2222-3333-4444-555555555555\/Audit\.SharePoint\/[0-9a-f]{32}\.ndjson$/,
    );
    expect(location).toBe(`${container.containerName}/${path}`);
    const lines = (await read(container, path))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        sink: 'elasticsearch',
        reason: '400 mapper_parsing_exception: bad',
        code: 'mapper_parsing_exception',
        statusCode: 400,
        tenantId: ref.tenantId,
        contentType: 'Audit.SharePoint',
        contentId: '20240501$abc',
        position: 4,
        eventId: 'r-4',
        deadLetteredAt: '2024-05-02T00:00:00.000Z',
        event: { event: { id: 'r-4' } },
      },
      expect.objectContaining({
        position: 9,
        reason: 'cannot be serialized',
        event: { unserializable: 'x' },
      }),
    ]);
  });

  it('replaces the earlier dead letter when the blob is delivered again, and writes nothing when nothing was refused', async () => {
    const container = containerOf();
    const store = new BlobDeadLetterStore(container);
    const first = store.open('splunk', ref);
    for (let i = 0; i < 3; i++) await first.add({ position: i, reason: 'code 6', json: `{"i":${i}}` });
    await first.close();
    const second = store.open('splunk', ref);
    await second.add({ position: 1, reason: 'code 6', json: '{"i":1}' });
    await second.close();
    const text = await read(container, deadLetterPathFor('splunk', ref));
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(await store.open('splunk', { ...ref, contentId: 'none' }).close()).toBeUndefined();
    expect(
      await container.getBlockBlobClient(deadLetterPathFor('splunk', { ...ref, contentId: 'none' })).exists(),
    ).toBe(false);
  });

  it('keeps order across many blocks for a blob whose events are all refused', async () => {
    const container = containerOf();
    const file = new BlobDeadLetterStore(container).open('elasticsearch', ref);
    const pad = 'p'.repeat(20_000);
    for (let i = 0; i < 500; i++)
      await file.add({ position: i, reason: 'mapping conflict', json: `{"i":${i},"pad":"${pad}"}` });
    await file.close();
    const blocks = await container
      .getBlockBlobClient(deadLetterPathFor('elasticsearch', ref))
      .getBlockList('committed');
    expect(blocks.committedBlocks?.length).toBeGreaterThan(1);
    const positions = (await read(container, deadLetterPathFor('elasticsearch', ref)))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { position: number }).position);
    expect(positions).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('runs the NDJSON blob writer as the blob sink of the framework, path unchanged', async () => {
    const service = azurite.clients().blobService;
    const name = uniqueName('events', 'queue');
    const writer = new BlobNdjsonSink(service, name);
    const sink = new BlobContentSink(writer);
    expect(await sink.checkHealth()).toEqual({ ok: true, detail: 'events container reachable' });
    async function* events() {
      yield { event: { id: 'a' } };
      yield { event: { id: 'b' } };
    }
    const outcome = await sink.deliver(ref, events());
    expect(outcome).toEqual({
      sink: 'blob',
      status: 'completed',
      events: 2,
      written: 2,
      alreadyPresent: 0,
      deadLettered: 0,
      requests: 1,
      location: `${name}/${sinkPathFor(ref)}`,
    });
  });
});
