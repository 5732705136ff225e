/**
 * Events per second through each HTTP sink, against its stand-in in another process, as a ratio to
 * the blob sink (NDJSON blobs in Azurite, also in another process) delivering the same blobs in the
 * same run. Each sink takes the blobs one after another, as one fetchContent invocation does, with
 * the settings' default batch sizes.
 *
 * BENCH_SINK_EVENTS sets the number of events (default 100,000: 100 blobs of 1,000).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { generateRecords } from '../local/simulator';
import { STAND_IN_ES_API_KEY } from '../local/standIns/elasticsearchStandIn';
import { STAND_IN_HEC_TOKEN } from '../local/standIns/splunkHecStandIn';
import { CONTENT_TYPES, type ContentType } from '../shared/contentTypes';
import { normalizeBlobRecords } from '../shared/pipeline/normalizeBlob';
import { namedSecret } from '../shared/secrets/namedSecret';
import { BlobContentSink } from '../shared/sinks/blob/blobContentSink';
import { BlobNdjsonSink } from '../shared/sinks/blobNdjsonSink';
import { BatchingContentSink } from '../shared/sinks/delivery/batchingContentSink';
import { MemoryDeadLetterStore } from '../shared/sinks/delivery/deadLetter';
import type { ContentSink } from '../shared/sinks/delivery/model';
import { ELASTICSEARCH_DEFAULTS } from '../shared/sinks/elasticsearch/config';
import { ElasticsearchService } from '../shared/sinks/elasticsearch/elasticsearchService';
import { SPLUNK_DEFAULTS } from '../shared/sinks/splunk/config';
import { SplunkHecService } from '../shared/sinks/splunk/splunkService';
import type { Figure } from './figure';
import { startHelper } from './support/childProcess';

const TENANT = '11111111-2222-3333-4444-555555555555';
const PER_BLOB = 1000;

function targetEvents(): number {
  const raw = process.env.BENCH_SINK_EVENTS;
  const n = raw === undefined ? 100_000 : Number(raw);
  if (!Number.isInteger(n) || n < PER_BLOB)
    throw new Error(`BENCH_SINK_EVENTS must be a whole number of at least ${PER_BLOB}, got ${raw}`);
  return n;
}

/** Normalized events with their JSON text attached, as fetchContent hands them to the sinks. */
async function blobsOfEvents(
  total: number,
): Promise<{ contentType: ContentType; contentId: string; events: object[] }[]> {
  const blobs = [];
  for (let b = 0; b * PER_BLOB < total; b++) {
    const contentType = CONTENT_TYPES[b % CONTENT_TYPES.length];
    const contentId = `bench-${b}`;
    const records = generateRecords(contentType, PER_BLOB, { seed: 9100 + b, tenantId: TENANT });
    const events: object[] = [];
    const normalized = normalizeBlobRecords(
      (async function* () {
        yield* records;
      })(),
      { tenantId: TENANT, contentType, contentId },
    );
    for await (const e of normalized.events) events.push(e);
    blobs.push({ contentType, contentId, events });
  }
  return blobs;
}

async function rate(sink: ContentSink, blobs: Awaited<ReturnType<typeof blobsOfEvents>>): Promise<number> {
  let events = 0;
  const start = process.hrtime.bigint();
  for (const b of blobs) {
    const outcome = await sink.deliver(
      {
        tenantId: TENANT,
        contentType: b.contentType,
        contentId: b.contentId,
      },
      (async function* () {
        yield* b.events;
      })(),
    );
    if (outcome.status !== 'completed')
      throw new Error(`${sink.name} did not complete: ${outcome.error?.message}`);
    events += outcome.written + outcome.alreadyPresent;
  }
  return events / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function run(): Promise<Figure[]> {
  const azurite = startHelper('azuriteProcess.ts');
  const standIns = startHelper('sinkStandInsProcess.ts');
  const closers: Array<() => Promise<void>> = [];
  try {
    const connectionString = await azurite.call<string>({ op: 'start' });
    const urls = await standIns.call<{ elasticsearchUrl: string; splunkUrl: string }>({ op: 'start' });
    const blobs = await blobsOfEvents(targetEvents());

    const writer = new BlobNdjsonSink(
      BlobServiceClient.fromConnectionString(connectionString),
      'bench-sinks',
    );
    await writer.ensureExists();
    const es = new BatchingContentSink(
      new ElasticsearchService(
        {
          url: urls.elasticsearchUrl,
          apiKey: {
            keyVaultSecretName: 'unused',
            localFallbackSetting: 'ELASTICSEARCH_API_KEY',
            localFallbackValue: STAND_IN_ES_API_KEY,
          },
          index: 'logs-o365.audit-bench',
          maxBatchBytes: ELASTICSEARCH_DEFAULTS.maxBatchBytes,
          maxBatchEvents: ELASTICSEARCH_DEFAULTS.maxBatchEvents,
          requestTimeoutMs: 60_000,
        },
        namedSecret(
          {
            keyVaultSecretName: 'unused',
            localFallbackSetting: 'x',
            localFallbackValue: STAND_IN_ES_API_KEY,
          },
          undefined,
        ),
      ),
      new MemoryDeadLetterStore(),
    );
    closers.push(() => es.close());
    const splunkConfig = {
      url: urls.splunkUrl,
      token: {
        keyVaultSecretName: 'unused',
        localFallbackSetting: 'SPLUNK_HEC_TOKEN',
        localFallbackValue: STAND_IN_HEC_TOKEN,
      },
      sourcetype: SPLUNK_DEFAULTS.sourcetype,
      ack: false,
      ackTimeoutMs: SPLUNK_DEFAULTS.ackTimeoutMs,
      ackPollMs: SPLUNK_DEFAULTS.ackPollMs,
      maxBatchBytes: SPLUNK_DEFAULTS.maxBatchBytes,
      maxBatchEvents: SPLUNK_DEFAULTS.maxBatchEvents,
      requestTimeoutMs: 60_000,
    };
    const splunk = new BatchingContentSink(
      new SplunkHecService(splunkConfig, namedSecret(splunkConfig.token, undefined)),
      new MemoryDeadLetterStore(),
    );

    // One untimed blob each warms connections and code paths.
    const warm = blobs.slice(0, 1).map((b) => ({ ...b, contentId: `${b.contentId}-warm` }));
    for (const sink of [new BlobContentSink(writer), es, splunk]) await rate(sink, warm);

    const blobRate = await rate(new BlobContentSink(writer), blobs);
    const esRate = await rate(es, blobs);
    const splunkRate = await rate(splunk, blobs);
    const baseline = 'the blob sink';
    return [
      { name: 'sink blob (Azurite)', value: blobRate, unit: 'events/s' },
      {
        name: 'sink elasticsearch (stand-in)',
        value: esRate,
        unit: 'events/s',
        ratio: esRate / blobRate,
        baseline,
      },
      {
        name: 'sink splunk (stand-in)',
        value: splunkRate,
        unit: 'events/s',
        ratio: splunkRate / blobRate,
        baseline,
      },
    ];
  } finally {
    for (const close of closers) await close();
    await Promise.all([azurite.stop(), standIns.stop()]);
  }
}
