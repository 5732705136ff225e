/**
 * Issues 11 and 13, done when: the simulated tenant -> webhook -> queue -> fetch -> every sink, with
 * Azurite and the sink stand-ins, duplicate notifications, a record repeated in two blobs, a sink
 * that answers 429 then recovers and one that refuses an event for good: every record is in every
 * sink, exactly once in Elasticsearch, the refused event is in the dead letter with its reason, and
 * the sinkRejected alert fired once.
 *
 * Event Hubs has no broker here: its sink runs the real EventHubService over the recording producer
 * (the SDK's producer interface), added beside the sinks SINKS builds.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateRecords } from '../../local/simulator';
import { startReceiverRig, TENANT, type ReceiverRig } from '../../local/receiverRig';
import {
  startElasticsearchStandIn,
  STAND_IN_ES_API_KEY,
  type ElasticsearchStandIn,
} from '../../local/standIns/elasticsearchStandIn';
import {
  startLogsIngestionStandIn,
  STAND_IN_LOGS_TOKEN,
  type LogsIngestionStandIn,
} from '../../local/standIns/logsIngestionStandIn';
import { RecordingEventHubProducer } from '../../local/standIns/recordingEventHubProducer';
import {
  startSplunkHecStandIn,
  STAND_IN_HEC_TOKEN,
  type SplunkHecStandIn,
} from '../../local/standIns/splunkHecStandIn';
import { staticTokenCredential } from '../../local/standIns/staticTokenCredential';
import { ALERT_LOG_NAME, type Alert } from '../../shared/alerts/model';
import { buildHealthReport } from '../../shared/maintenance/healthReport';
import { BatchingContentSink, type DeliveryOptions } from '../../shared/sinks/delivery/batchingContentSink';
import { BlobDeadLetterStore } from '../../shared/sinks/delivery/deadLetter';
import { EventHubService } from '../../shared/sinks/eventhub';
import { O365_AUDIT_COLUMNS } from '../../shared/sinks/loganalytics/columns';
import { countsOf, eventIdsOf, quickQueues, sinkLines } from './support';

const DCR = 'dcr-0123456789abcdef0123456789abcdef';
const STREAM = 'Custom-O365Audit_CL';
const ES_INDEX = 'logs-o365.audit-default';
const SINK_NAMES = ['blob', 'elasticsearch', 'splunk', 'file', 'loganalytics', 'eventhub'];
/** Short backoff, and a retry budget a 1 s Retry-After outlasts, so a throttled sink is put off. */
const DELIVERY: Partial<DeliveryOptions> = {
  retryBaseMs: 10,
  retryMaxDelayMs: 50,
  maxRetryWaitMs: 300,
  maxAttempts: 4,
};

let rig: ReceiverRig;
let es: ElasticsearchStandIn;
let splunk: SplunkHecStandIn;
let logs: LogsIngestionStandIn;
let fileDir: string;
const producer = new RecordingEventHubProducer();

beforeAll(async () => {
  fileDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-file-sink-'));
  es = await startElasticsearchStandIn();
  splunk = await startSplunkHecStandIn();
  logs = await startLogsIngestionStandIn({
    dcrImmutableId: DCR,
    streamName: STREAM,
    columns: O365_AUDIT_COLUMNS.map((c) => c.name),
  });
  rig = await startReceiverRig({
    clientOptions: { maxAttempts: 2, retryDelay: { baseMs: 20, maxMs: 100 } },
    hostJson: quickQueues(),
    deferralBaseSeconds: 1,
    azureCredential: staticTokenCredential(STAND_IN_LOGS_TOKEN),
    delivery: DELIVERY,
    settings: {
      SINKS: 'blob,elasticsearch,splunk,file,loganalytics',
      ELASTICSEARCH_URL: es.url,
      ELASTICSEARCH_API_KEY: STAND_IN_ES_API_KEY,
      SPLUNK_HEC_URL: splunk.url,
      SPLUNK_HEC_TOKEN: STAND_IN_HEC_TOKEN,
      FILE_SINK_DIR: fileDir,
      LOGS_INGESTION_ENDPOINT: logs.url,
      LOGS_DCR_IMMUTABLE_ID: DCR,
      LOGS_STREAM_NAME: STREAM,
    },
    extraSinks: (services) => [
      new BatchingContentSink(
        new EventHubService(
          { fullyQualifiedNamespace: 'evhns-e2e.servicebus.windows.net', eventHubName: 'o365-audit' },
          producer,
        ),
        new BlobDeadLetterStore(
          services.storage.blobService.getContainerClient(services.config.names.eventsContainer),
        ),
        DELIVERY,
      ),
    ],
  });
}, 30_000);

afterAll(async () => {
  await rig?.stop();
  await Promise.all([es?.stop(), splunk?.stop(), logs?.stop()]);
  await rm(fileDir, { recursive: true, force: true });
});

async function fileSinkIds(): Promise<string[]> {
  const entries = await readdir(fileDir, { recursive: true, withFileTypes: true });
  const ids: string[] = [];
  for (const e of entries.filter((f) => f.isFile() && f.name.endsWith('.ndjson'))) {
    const text = await readFile(path.join(e.parentPath, e.name), 'utf8');
    for (const line of text.split('\n')) {
      if (line !== '') ids.push(String((JSON.parse(line) as { event: { id: string } }).event.id));
    }
  }
  return ids;
}

function alerts(): Alert[] {
  return rig.logger.lines
    .map((l) => l.line)
    .filter((l) => l.startsWith(`${ALERT_LOG_NAME} `))
    .map((l) => alertOf(l.slice(ALERT_LOG_NAME.length + 1)));
}

/** The alert's JSON, without the invocation context a function's logger appends after it. */
function alertOf(text: string): Alert {
  try {
    return JSON.parse(text) as Alert;
  } catch {
    return JSON.parse(text.slice(0, text.lastIndexOf(' {'))) as Alert;
  }
}

const onlyOnce = (ids: string[]) => [...countsOf(ids).values()].every((n) => n === 1);

describe('every sink, end to end', () => {
  it('delivers every record to every sink, once, with a throttled sink recovering and a refused event dead-lettered', async () => {
    const records = generateRecords('Audit.SharePoint', 9, { seed: 1311, tenantId: TENANT });
    const allIds = records.map((r) => String(r.Id)).sort();
    const refusedId = allIds[2];
    // Elasticsearch throttles items of the first request and takes them on the retry.
    es.throttleNextItems(3);
    // Log Analytics answers 429 with Retry-After 1 s, more than the retry budget: put off, then taken.
    logs.failNextCalls(2, 429, 1);
    splunk.refuseEvents((e) => (e.event as { event?: { id?: string } }).event?.id === refusedId);

    const first = rig.sim.publishContent(TENANT, 'Audit.SharePoint', records.slice(0, 5), { notify: false });
    // The last record of the first blob comes again in the second (Microsoft repeats records).
    const second = rig.sim.publishContent(
      TENANT,
      'Audit.SharePoint',
      [{ ...records[4] }, ...records.slice(5)],
      {
        notify: false,
      },
    );
    rig.sim.notifyAgain([first, second]);
    rig.sim.notifyAgain([first, second]);
    await rig.sim.whenIdle();
    await rig.host.whenQueuesIdle({ timeoutMs: 30_000 });

    // Blob sink (Azurite), outside the dead letters.
    const blobLines = (
      await sinkLines(rig.azurite.connectionString, rig.services.config.names.eventsContainer)
    ).filter((l) => l.blob.startsWith(`${TENANT}/`));
    const blobIds = eventIdsOf(blobLines);
    expect(blobIds.slice().sort()).toEqual(allIds);
    expect(onlyOnce(blobIds)).toBe(true);

    // Elasticsearch: exactly once by _id, every record.
    expect([...es.documents(ES_INDEX).keys()].sort()).toEqual(allIds);
    expect(es.itemStatuses.get(429)).toBe(3);

    // Splunk: every record but the refused one, once.
    const splunkIds = splunk.events.map((e) => String((e.event as { event: { id: string } }).event.id));
    expect(splunkIds.slice().sort()).toEqual(allIds.filter((id) => id !== refusedId));
    expect(onlyOnce(splunkIds)).toBe(true);

    // File sink.
    const fileIds = await fileSinkIds();
    expect(fileIds.slice().sort()).toEqual(allIds);
    expect(onlyOnce(fileIds)).toBe(true);

    // Log Analytics: every record once, after being put off.
    const logIds = logs.rows.map((r) => String(r.OfficeId));
    expect(logIds.slice().sort()).toEqual(allIds);
    expect(onlyOnce(logIds)).toBe(true);
    expect(logs.uploads.filter((u) => u.status === 429)).toHaveLength(2);

    // Event Hubs (recording producer): every record once, messageId = record Id.
    const hubIds = producer.allEvents().map((e) => e.messageId);
    expect(hubIds.slice().sort()).toEqual(allIds);
    expect(onlyOnce(hubIds)).toBe(true);

    // The refused event is in Splunk's dead letter with Splunk's reason.
    const deadLetters = (
      await sinkLines(rig.azurite.connectionString, rig.services.config.names.eventsContainer)
    ).filter((l) => l.blob.startsWith('deadletter/'));
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].blob).toMatch(/^deadletter\/splunk\//);
    expect(JSON.parse(deadLetters[0].text)).toMatchObject({
      sink: 'splunk',
      reason: expect.stringMatching(/Invalid data format/),
      eventId: refusedId,
      event: { event: { id: refusedId } },
    });

    // One sinkRejected alert, for Splunk and the blob that held the refused record.
    const rejected = alerts().filter((a) => a.kind === 'sinkRejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0].details).toMatchObject({ sink: 'splunk', deadLettered: 1 });

    // Each blob is finished in every sink.
    for (const blob of [first, second]) {
      const entry = await rig.services.ledger.get(TENANT, blob.contentId);
      expect(entry?.status).toBe('completed');
      expect(Object.keys(entry?.sinks ?? {}).sort()).toEqual(SINK_NAMES.slice().sort());
    }
    const outcomes = rig.outcomes.filter((o) =>
      [first.contentId, second.contentId].includes(o.message?.contentId ?? ''),
    );
    expect(outcomes.filter((o) => o.status === 'failed')).toEqual([]);
    // Log Analytics was put off after the other sinks had the blob; that Splunk and the hub (neither
    // idempotent) hold each record once shows its retry went to it alone.
    const putOff = outcomes.filter((o) => o.status === 'deferred' && /loganalytics/.test(o.reason));
    expect(putOff.length).toBeGreaterThanOrEqual(1);
    expect(outcomes.filter((o) => o.status === 'written')).toHaveLength(2);

    // The health report checks every sink.
    const health = await buildHealthReport(rig.services, new Date());
    expect(health.sinks?.map((sink) => [sink.name, sink.ok])).toEqual(SINK_NAMES.map((n) => [n, true]));
  }, 60_000);

  it("fills Log Analytics' Parameters with Microsoft's Name/Value list though events leave event.original out by default", async () => {
    const records = generateRecords('Audit.Exchange', 40, { seed: 1312, tenantId: TENANT });
    const withList = records.filter((r) => Array.isArray(r.Parameters) && r.Parameters.length > 0);
    expect(withList.length).toBeGreaterThan(0);
    const blob = rig.sim.publishContent(TENANT, 'Audit.Exchange', records);
    await rig.sim.whenIdle();
    await rig.host.whenQueuesIdle({ timeoutMs: 30_000 });

    const documents = [...es.documents(ES_INDEX).values()] as { event: { id: string; original?: string } }[];
    const written = documents.filter((d) => records.some((r) => r.Id === d.event.id));
    expect(written).toHaveLength(records.length);
    expect(written.filter((d) => d.event.original !== undefined)).toEqual([]);
    for (const record of withList) {
      const row = logs.rows.find((r) => r.OfficeId === record.Id);
      expect(row?.Parameters).toBe(JSON.stringify(record.Parameters));
    }
    expect((await rig.services.ledger.get(TENANT, blob.contentId))?.status).toBe('completed');
  }, 60_000);
});
