/**
 * End-to-end throughput from the simulated tenant to the sink: content notifications -> webhook ->
 * Azurite queue -> fetchContent (token, GET contentUri, stream) -> normalize -> BlobNdjsonSink on
 * Azurite, through the in-process local host. Baseline: normalize alone (JSON.parse, normalizeRecord,
 * JSON.stringify) over the same generated records in the same run. Also the receiver's peak RSS for
 * the run and for one ~100 MB content blob. The simulator and Azurite run in their own processes, so
 * the memory figures are the receiver's.
 *
 * BENCH_EVENTS scales the run (default 1,000,000 events: 1,000 blobs x 1,000 records); goal on two
 * cores: 1 M events in under 60 s, peak RSS under 512 MB. PRESERVE_ORIGINAL_EVENT=true measures the
 * receiver (and the baseline) with event.original.
 */
import { generateRecords } from '../local/simulator';
import { CONTENT_TYPES } from '../shared/contentTypes';
import { normalizeRecord } from '../shared/normalize';
import { CLIENT, SECRET, startReceiver, TENANT, type SimulatorEndpoints } from '../local/receiverRig';
import type { Figure } from './figure';
import { startHelper } from './support/childProcess';
import { peakRss } from './support/latency';

const RECORDS_PER_BLOB = 1000;
const SEED = 7700;
const LARGE_BLOB_BYTES = 100 * 1024 * 1024;
const BASELINE_SAMPLE_PER_TYPE = 20_000;
const MB = 1024 * 1024;

function targetEvents(): number {
  // process.env is read here, at the bench's edge, like local/ does.
  const raw = process.env.BENCH_EVENTS;
  const n = raw === undefined ? 1_000_000 : Number(raw);
  if (!Number.isInteger(n) || n < RECORDS_PER_BLOB) {
    throw new Error(`BENCH_EVENTS must be a whole number of at least ${RECORDS_PER_BLOB}, got ${raw}`);
  }
  return n;
}

/** PRESERVE_ORIGINAL_EVENT passes through, so the pipeline can be measured with event.original too. */
function receiverSettings(): Record<string, string> {
  const preserve = process.env.PRESERVE_ORIGINAL_EVENT;
  return preserve === undefined ? {} : { PRESERVE_ORIGINAL_EVENT: preserve };
}

/** Normalize-only records/s over the first records of each content type, generated as the simulator does. */
function normalizeAloneRate(perType: number): number {
  const preserveOriginal = receiverSettings().PRESERVE_ORIGINAL_EVENT === 'true';
  const lines: string[] = [];
  CONTENT_TYPES.forEach((contentType, i) => {
    for (const r of generateRecords(contentType, perType, { seed: SEED + i, tenantId: TENANT })) {
      lines.push(JSON.stringify(r));
    }
  });
  const pass = () => {
    let chars = 0;
    const start = process.hrtime.bigint();
    for (const line of lines) {
      const result = normalizeRecord(JSON.parse(line) as unknown, {
        tenantId: TENANT,
        tenantName: 'Contoso',
        preserveOriginal,
      });
      chars += result.ok ? JSON.stringify(result.event).length : 0;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { rate: lines.length / seconds, chars };
  };
  pass();
  const rates = [pass().rate, pass().rate, pass().rate].sort((a, b) => a - b);
  return rates[1];
}

interface Progress {
  blobs: number;
  events: number;
  failures: number;
  target: number;
  done?: () => void;
}

function waitFor(progress: Progress, blobs: number, timeoutMs: number): Promise<void> {
  progress.target = blobs;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${progress.blobs} of ${blobs} blobs written after ${timeoutMs} ms`)),
      timeoutMs,
    );
    progress.done = () => {
      clearTimeout(timer);
      resolve();
    };
    if (progress.blobs >= blobs) progress.done();
  });
}

export async function run(): Promise<Figure[]> {
  const events = targetEvents();
  const blobs = Math.ceil(events / RECORDS_PER_BLOB);
  const azurite = startHelper('azuriteProcess.ts');
  const simulator = startHelper('simulatorProcess.ts');
  const progress: Progress = { blobs: 0, events: 0, failures: 0, target: Infinity };
  try {
    const connectionString = await azurite.call<string>({ op: 'start' });
    const endpoints = await simulator.call<SimulatorEndpoints>({
      op: 'start',
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
    });
    const receiver = await startReceiver(endpoints, connectionString, {
      keepLogs: false,
      settings: receiverSettings(),
      onBlobDone: (o) => {
        if (o.status === 'written') {
          progress.blobs++;
          progress.events += o.stats.events;
          if (progress.blobs >= progress.target) progress.done?.();
        } else if (o.status === 'failed') {
          progress.failures++;
        }
      },
    });
    try {
      const published = await simulator.call<{ blobs: number; records: number; bytes: number }>({
        op: 'publish',
        tenantId: TENANT,
        blobs,
        recordsPerBlob: RECORDS_PER_BLOB,
        seed: SEED,
      });
      global.gc?.();
      const start = process.hrtime.bigint();
      const { peak } = await peakRss(async () => {
        const finished = waitFor(progress, published.blobs, 15 * 60 * 1000);
        await simulator.call({ op: 'notify' });
        await finished;
      });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      await receiver.host.whenQueuesIdle({ timeoutMs: 60_000 });
      const pipelineRate = progress.events / seconds;
      process.stderr.write(
        `pipeline: ${progress.events} events in ${published.blobs} blobs (${(published.bytes / MB).toFixed(0)} MB) ` +
          `in ${seconds.toFixed(1)} s, ${progress.failures} failed tries\n`,
      );

      // One large blob: records of the first content type until ~100 MB of JSON.
      const perRecord = published.bytes / published.records;
      const largeRecords = Math.ceil(LARGE_BLOB_BYTES / perRecord);
      const large = await simulator.call<{ blobs: number; records: number; bytes: number }>({
        op: 'publish',
        tenantId: TENANT,
        blobs: 1,
        recordsPerBlob: largeRecords,
        seed: SEED + 100,
      });
      global.gc?.();
      const before = process.memoryUsage.rss();
      progress.blobs = 0;
      const largeRun = await peakRss(async () => {
        const finished = waitFor(progress, 1, 10 * 60 * 1000);
        await simulator.call({ op: 'notify' });
        await finished;
      });
      process.stderr.write(
        `large blob: ${large.records} records, ${(large.bytes / MB).toFixed(0)} MB; RSS ${(before / MB).toFixed(0)} -> ` +
          `${(largeRun.peak / MB).toFixed(0)} MB\n`,
      );
      await receiver.host.whenQueuesIdle({ timeoutMs: 60_000 });
      await receiver.host.stop();

      const baseline = normalizeAloneRate(Math.min(BASELINE_SAMPLE_PER_TYPE, Math.ceil(events / 5)));
      return [
        {
          name: 'pipeline',
          value: Math.round(pipelineRate),
          unit: 'events/s',
          ratio: pipelineRate / baseline,
          baseline: 'normalize alone',
        },
        { name: 'pipeline peak RSS', value: Math.round(peak / MB), unit: 'MB' },
        {
          name: 'large blob peak RSS',
          value: Math.round(largeRun.peak / MB),
          unit: 'MB',
          ratio: before / largeRun.peak,
          baseline: 'RSS before',
        },
      ];
    } finally {
      await receiver.host.stop();
    }
  } finally {
    await simulator.stop();
    await azurite.stop();
  }
}
