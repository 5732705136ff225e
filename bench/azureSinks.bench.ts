/**
 * Events per second through the eventhub and loganalytics sinks, as a ratio to JSON.stringify of the
 * same events in the same run (the least a sink that sends JSON must do). Each sink encodes the events,
 * groups them under its limits and sends the batches two at a time, as the sink framework does by default:
 *  - eventhub: into the recording EventHubProducerClient stand-in (in process; it measures every event
 *    with the AMQP encoder, as the SDK's tryAdd does; no network, since no broker runs here);
 *  - loganalytics: through the real LogsIngestionClient (gzip, https) to the Logs Ingestion stand-in
 *    in another process.
 *
 * BENCH_AZURE_SINK_EVENTS sets the number of events (default 50,000, in blobs of 1,000).
 */
import { RecordingEventHubProducer } from '../local/standIns/recordingEventHubProducer';
import { STAND_IN_LOGS_TOKEN } from '../local/standIns/logsIngestionStandIn';
import { staticTokenCredential } from '../local/standIns/staticTokenCredential';
import { generateRecords } from '../local/simulator';
import { CONTENT_TYPES, type ContentType } from '../shared/contentTypes';
import { normalizeBlobRecords } from '../shared/pipeline/normalizeBlob';
import { serializedJsonOf } from '../shared/rawJson';
import type { BatchSinkService, EncodedEvent } from '../shared/sinks/delivery/model';
import { batchesOf } from '../shared/sinks/delivery/batches';
import { EventHubService } from '../shared/sinks/eventhub/eventHubService';
import { createLogAnalyticsService } from '../shared/sinks/loganalytics';
import { O365_AUDIT_COLUMNS } from '../shared/sinks/loganalytics/columns';
import { DEFAULT_STREAM_NAME } from '../shared/sinks/loganalytics/config';
import type { ContentBlobRef } from '../shared/sinks/sink';
import type { Figure } from './figure';
import { startHelper } from './support/childProcess';

const TENANT = '11111111-2222-3333-4444-555555555555';
const PER_BLOB = 1000;
const DCR = 'dcr-00000000000000000000000000000000';

interface Blob {
  ref: ContentBlobRef;
  events: object[];
}

function targetEvents(): number {
  const raw = process.env.BENCH_AZURE_SINK_EVENTS;
  const n = raw === undefined ? 50_000 : Number(raw);
  if (!Number.isInteger(n) || n < PER_BLOB) {
    throw new Error(`BENCH_AZURE_SINK_EVENTS must be a whole number of at least ${PER_BLOB}, got ${raw}`);
  }
  return n;
}

/** Normalized events with their JSON text attached, as fetchContent hands them to the sinks. */
async function blobsOfEvents(total: number): Promise<Blob[]> {
  const blobs: Blob[] = [];
  for (let b = 0; b * PER_BLOB < total; b++) {
    const contentType: ContentType = CONTENT_TYPES[b % CONTENT_TYPES.length];
    const ref = {
      tenantId: TENANT,
      contentType,
      contentId: `bench-${b}`,
      contentCreated: '2026-01-01T00:00:00Z',
    };
    const records = generateRecords(contentType, PER_BLOB, { seed: 9300 + b, tenantId: TENANT });
    const normalized = normalizeBlobRecords(
      (async function* () {
        yield* records;
      })(),
      ref,
    );
    const events: object[] = [];
    for await (const e of normalized.events) events.push(e);
    blobs.push({ ref, events });
  }
  return blobs;
}

async function* encoded(service: BatchSinkService, blob: Blob): AsyncGenerator<EncodedEvent> {
  let position = 0;
  for (const event of blob.events) {
    const id = (event as { event?: { id?: string } }).event?.id;
    const json = serializedJsonOf(event) ?? JSON.stringify(event);
    yield service.encode({ event, json, position: position++, eventId: id }, blob.ref);
  }
}

/** The sink framework's default number of requests in flight per content blob. */
const IN_FLIGHT = 2;

/** Events per second through one service; fails if any event was not accepted. */
async function sinkRate(service: BatchSinkService, blobs: Blob[]): Promise<number> {
  let events = 0;
  const send = async (batch: EncodedEvent[], ref: ContentBlobRef): Promise<void> => {
    const outcomes = await service.send(batch, ref);
    const refused = outcomes.find((o) => o.status !== 'done');
    if (refused) throw new Error(`${service.name} did not take an event: ${JSON.stringify(refused)}`);
    events += outcomes.length;
  };
  const start = process.hrtime.bigint();
  for (const blob of blobs) {
    const inFlight = new Set<Promise<void>>();
    for await (const batch of batchesOf(encoded(service, blob), service.limits)) {
      while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      const sending: Promise<void> = send(batch, blob.ref).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    }
    await Promise.all(inFlight);
  }
  return events / (Number(process.hrtime.bigint() - start) / 1e9);
}

function stringifyRate(blobs: Blob[]): number {
  let chars = 0;
  let events = 0;
  const start = process.hrtime.bigint();
  for (const blob of blobs) {
    for (const event of blob.events) {
      chars += JSON.stringify(event).length;
      events++;
    }
  }
  if (chars === 0) throw new Error('nothing serialized');
  return events / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function run(): Promise<Figure[]> {
  const blobs = await blobsOfEvents(targetEvents());
  const standIn = startHelper('logsIngestionStandInProcess.ts');
  try {
    const url = await standIn.call<string>({
      op: 'start',
      dcrImmutableId: DCR,
      streamName: DEFAULT_STREAM_NAME,
      columns: O365_AUDIT_COLUMNS.map((c) => c.name),
    });
    const producer = new RecordingEventHubProducer();
    const eventHub = new EventHubService(
      { fullyQualifiedNamespace: 'evhns-bench.servicebus.windows.net', eventHubName: 'o365-audit' },
      producer,
    );
    const logAnalytics = createLogAnalyticsService(
      { endpoint: url, dcrImmutableId: DCR, streamName: DEFAULT_STREAM_NAME },
      staticTokenCredential(STAND_IN_LOGS_TOKEN),
    );
    // Warm-up on one blob each, so the JIT and the https connection are ready before timing.
    stringifyRate(blobs.slice(0, 1));
    await sinkRate(eventHub, blobs.slice(0, 1));
    await sinkRate(logAnalytics, blobs.slice(0, 1));
    producer.sent.length = 0;

    const baseline = stringifyRate(blobs);
    const eventHubRate = await sinkRate(eventHub, blobs);
    const logAnalyticsRate = await sinkRate(logAnalytics, blobs);
    const stored = await standIn.call<number>({ op: 'rows' });
    const total = blobs.reduce((n, b) => n + b.events.length, 0);
    if (producer.allEvents().length !== total || stored !== total + PER_BLOB) {
      throw new Error(
        `sinks delivered ${producer.allEvents().length} and ${stored - PER_BLOB} of ${total} events`,
      );
    }
    const figure = (name: string, value: number): Figure => ({
      name,
      value: Math.round(value),
      unit: 'events/s',
      ratio: value / baseline,
      baseline: 'JSON.stringify of the events',
    });
    return [
      figure('eventhub sink (recording EventHubProducerClient)', eventHubRate),
      figure('loganalytics sink (LogsIngestionClient to stand-in)', logAnalyticsRate),
    ];
  } finally {
    await standIn.stop();
  }
}
