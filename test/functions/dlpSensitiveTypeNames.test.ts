/**
 * DLP records name sensitive information types by GUID; the receiver reads the tenant's names from
 * `resources/dlpSensitiveTypes` (simulated tenant, real client, services and fetchContent wiring)
 * once, and writes them on the events of DLP.All blobs, with the configured data stream namespace.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { generateRecords } from '../../local/simulator';
import { DLP_SENSITIVE_TYPES } from '../../local/simulator/dlpSensitiveTypes';
import { startReceiverRig, TENANT, type ReceiverRig } from '../../local/receiverRig';
import { ManagementApiError } from '../../shared/managementApi';

let rig: ReceiverRig;

interface WrittenEvent {
  data_stream: { namespace: string };
  event: { code?: string };
  o365: { dlp?: { sensitive_types?: string[]; sensitive_type_ids?: string[] } };
}

async function sinkEvents(): Promise<WrittenEvent[]> {
  const service = BlobServiceClient.fromConnectionString(rig.azurite.connectionString);
  const container = service.getContainerClient(rig.services.config.names.eventsContainer);
  const events: WrittenEvent[] = [];
  for await (const item of container.listBlobsFlat()) {
    const text = (await container.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
    for (const line of text.split('\n')) if (line !== '') events.push(JSON.parse(line) as WrittenEvent);
  }
  return events;
}

function sensitiveTypeReads(): number {
  return rig.sim.requests.filter((r) => r.operation === 'sensitiveTypes').length;
}

beforeAll(async () => {
  rig = await startReceiverRig({
    hostJson: {
      batchSize: 4,
      maxDequeueCount: 5,
      visibilityTimeout: '00:00:01',
      maxPollingInterval: '00:00:00.250',
    },
  });
  for (const [i, contentType] of (['DLP.All', 'DLP.All', 'Audit.Exchange'] as const).entries()) {
    rig.sim.publishContent(
      TENANT,
      contentType,
      generateRecords(contentType, 6, { seed: 300 + i, tenantId: TENANT }),
    );
  }
  await rig.sim.whenIdle();
  await rig.host.whenQueuesIdle({ timeoutMs: 30000 });
}, 60000);

afterAll(async () => {
  await rig?.stop();
});

describe('DLP sensitive information type names', () => {
  it('writes the tenant names of the matched types on DLP events, keeping the GUIDs', async () => {
    const dlp = (await sinkEvents()).filter((e) => e.o365.dlp !== undefined);
    expect(dlp).toHaveLength(12);
    const known = new Map(DLP_SENSITIVE_TYPES.map((t) => [t.id, t.name]));
    for (const event of dlp) {
      const ids = event.o365.dlp?.sensitive_type_ids ?? [];
      expect(ids.length).toBeGreaterThan(0);
      expect(event.o365.dlp?.sensitive_types).toEqual(ids.map((id) => known.get(id)));
    }
  });

  it('reads the names once for the tenant, and not for other content types', () => {
    expect(sensitiveTypeReads()).toBe(1);
  });

  it('writes the default data stream namespace on every event', async () => {
    const events = await sinkEvents();
    expect(events).toHaveLength(18);
    expect(new Set(events.map((e) => e.data_stream.namespace))).toEqual(new Set(['default']));
  });

  it('refuses an answer of the wrong shape with a typed error', async () => {
    rig.sim.faults.add({ operation: 'sensitiveTypes', kind: 'wrong-shape' });
    const client = rig.services.clientFor(rig.services.config.tenants[0]);
    const failure = await client.listDlpSensitiveTypes().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ManagementApiError);
    expect(failure).toMatchObject({ operation: 'listDlpSensitiveTypes', classification: 'invalidResponse' });
    await expect(client.listDlpSensitiveTypes()).resolves.toEqual(
      DLP_SENSITIVE_TYPES.map((t) => ({ id: t.id, name: t.name })),
    );
  });
});
