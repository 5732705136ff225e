import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  startLogsIngestionStandIn,
  STAND_IN_LOGS_TOKEN,
  type LogsIngestionStandIn,
} from '../../../local/standIns/logsIngestionStandIn';
import { staticTokenCredential } from '../../../local/standIns/staticTokenCredential';
import type { EncodedEvent } from '../../../shared/sinks/delivery/model';
import { audienceFor, type LogAnalyticsSinkConfig } from '../../../shared/sinks/loganalytics/config';
import { createLogAnalyticsService } from '../../../shared/sinks/loganalytics';
import type { LogsEncodedEvent } from '../../../shared/sinks/loganalytics/encoder';
import { blobRef, deliverAll, idOf, normalizedEvents, sinkEventOf, rejectedOf } from '../azureSinkSupport';

const DCR = 'dcr-0123456789abcdef0123456789abcdef';
const STREAM = 'Custom-O365Audit_CL';
const COLUMNS = (
  JSON.parse(readFileSync(join(__dirname, '../../../infra/app/loganalytics/columns.json'), 'utf8')) as {
    name: string;
  }[]
).map((c) => c.name);

describe('loganalytics sink, with the real LogsIngestionClient against a stand-in of the DCR upload endpoint', () => {
  let standIn: LogsIngestionStandIn;
  beforeAll(async () => {
    standIn = await startLogsIngestionStandIn({ dcrImmutableId: DCR, streamName: STREAM, columns: COLUMNS });
  });
  afterAll(async () => {
    await standIn.stop();
  });
  afterEach(() => {
    standIn.refuseRows(() => undefined);
    standIn.failNextCalls(0);
  });

  function serviceWith(overrides: Partial<LogAnalyticsSinkConfig> = {}, token = STAND_IN_LOGS_TOKEN) {
    const credential = staticTokenCredential(token);
    const config = { endpoint: standIn.url, dcrImmutableId: DCR, streamName: STREAM, ...overrides };
    return { service: createLogAnalyticsService(config, credential), credential };
  }

  function encodeAll(
    service: ReturnType<typeof serviceWith>['service'],
    events: object[],
    contentId: string,
  ): EncodedEvent[] {
    const blob = blobRef(contentId);
    return events.map((e, i) => service.encode(sinkEventOf(e, i), blob));
  }

  it('uploads every row, gzip-encoded with a bearer token for the monitor audience, and Log Analytics keeps every column', async () => {
    const { service, credential } = serviceWith();
    const events = await normalizedEvents(250, 51);
    const before = standIn.rows.length;
    const delivery = await deliverAll(service, blobRef('la-happy'), events);
    expect(delivery.outcomes.every((o) => o.status === 'done')).toBe(true);
    const stored = standIn.rows.slice(before);
    expect(stored).toHaveLength(250);
    const encoded = encodeAll(service, events, 'la-happy') as LogsEncodedEvent[];
    // The stand-in keeps only declared columns: equality shows infra declares every column sent.
    stored.forEach((row, i) => expect(row).toEqual(JSON.parse(JSON.stringify(encoded[i].row))));
    expect(stored.map((r) => r.OfficeId)).toEqual(events.map(idOf));
    expect(standIn.truncatedFields).toBe(0);
    expect(standIn.uploads.at(-1)).toMatchObject({ status: 204, gzip: true });
    expect(credential.scopes).toContain('https://monitor.azure.com/.default');
  });

  it('makes one call per batch, each under 1 MB', async () => {
    const { service } = serviceWith();
    const events = await normalizedEvents(1500, 52, 'Audit.SharePoint');
    const calls = standIn.uploads.length;
    const delivery = await deliverAll(service, blobRef('la-many', 'Audit.SharePoint'), events);
    expect(delivery.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(delivery.batches.length).toBeGreaterThan(1);
    const made = standIn.uploads.slice(calls);
    expect(made).toHaveLength(delivery.batches.length);
    for (const call of made) {
      expect(call.jsonBytes).toBeLessThan(1_000_000);
      expect(call.wireBytes).toBeLessThan(call.jsonBytes);
    }
  });

  it('answers retry with the Retry-After of a 429, and done once the API recovers', async () => {
    const { service } = serviceWith();
    const events = await normalizedEvents(20, 53);
    const batch = encodeAll(service, events, 'la-throttled');
    standIn.failNextCalls(1, 429, 7);
    const first = await service.send(batch);
    expect(first).toHaveLength(20);
    for (const o of first)
      expect(o).toMatchObject({ status: 'retry', cause: 'throttled', retryAfterMs: 7000 });
    expect(first[0]).toMatchObject({
      reason: expect.stringMatching(/Logs Ingestion API throttling \(429 TooManyRequests/),
    });
    const second = await service.send(batch);
    expect(second.every((o) => o.status === 'done')).toBe(true);
  });

  it('answers retry for a 503, and delivers at least once when an answer was lost', async () => {
    const { service } = serviceWith();
    const events = await normalizedEvents(5, 54);
    const batch = encodeAll(service, events, 'la-lost');
    const before = standIn.rows.length;
    standIn.loseNextAnswers(1);
    const first = await service.send(batch);
    for (const o of first) expect(o).toMatchObject({ status: 'retry', cause: 'transient' });
    expect((await service.send(batch)).every((o) => o.status === 'done')).toBe(true);
    const ids = standIn.rows.slice(before).map((r) => r.OfficeId);
    expect(ids).toEqual([...events.map(idOf), ...events.map(idOf)]);
  });

  it('fails the request as a whole, naming the role, when the token is refused (401)', async () => {
    const { service } = serviceWith({}, 'a-token-the-api-does-not-know');
    const events = await normalizedEvents(3, 55);
    const error = await rejectedOf(service.send(encodeAll(service, events, 'la-401')));
    expect(error).toMatchObject({
      classification: 'auth',
      statusCode: 401,
      code: 'InvalidAuthenticationToken',
    });
    expect(error.message).toMatch(/Monitoring Metrics Publisher/);
  });

  it.each([
    ['DCR', { dcrImmutableId: 'dcr-ffffffffffffffffffffffffffffffff' }, 'NotFound'],
    ['stream', { streamName: 'Custom-Other_CL' }, 'InvalidStream'],
  ])('fails as a setting problem for an unknown %s (404)', async (_what, overrides, code) => {
    const { service } = serviceWith(overrides);
    const events = await normalizedEvents(2, 56);
    const error = await rejectedOf(service.send(encodeAll(service, events, 'la-404')));
    expect(error).toMatchObject({ classification: 'configuration', statusCode: 404, code });
    expect(error.message).toMatch(/LOGS_DCR_IMMUTABLE_ID and LOGS_STREAM_NAME/);
  });

  it('rejects the one row of a call the API refuses (400), and fails a call of several as a setting problem', async () => {
    const { service } = serviceWith();
    const events = await normalizedEvents(4, 57);
    const batch = encodeAll(service, events, 'la-400');
    const refusedId = idOf(events[1]);
    standIn.refuseRows((row) => (row.OfficeId === refusedId ? 'TimeGenerated is not a datetime' : undefined));
    expect(await service.send(batch.slice(1, 2))).toEqual([
      {
        status: 'rejected',
        reason: expect.stringMatching(
          /refused the rows \(400 InvalidPayload: TimeGenerated is not a datetime\)/,
        ),
        code: 'InvalidPayload',
        statusCode: 400,
      },
    ]);
    const error = await rejectedOf(service.send(batch));
    expect(error).toMatchObject({ classification: 'configuration', statusCode: 400 });
  });

  it('rejects a single row over the 1 MB call limit (413)', async () => {
    const { service } = serviceWith();
    const [event] = await normalizedEvents(1, 58);
    const huge = {
      OfficeId: idOf(event),
      TimeGenerated: '2024-05-01T10:00:00Z',
      Parameters: 'p'.repeat(1_200_000),
    };
    const payload = JSON.stringify(huge);
    const outcomes = await service.send([{ source: sinkEventOf(event, 0), payload, bytes: payload.length }]);
    expect(outcomes).toEqual([expect.objectContaining({ status: 'rejected', statusCode: 413 })]);
  });

  it('treats a managed identity without a token as an auth failure', async () => {
    const failing = {
      getToken: async () => {
        const e = new Error('ManagedIdentityCredential: no managed identity endpoint');
        e.name = 'CredentialUnavailableError';
        throw e;
      },
    };
    const config = { endpoint: standIn.url, dcrImmutableId: DCR, streamName: STREAM };
    const service = createLogAnalyticsService(config, failing);
    const events = await normalizedEvents(2, 59);
    const error = await rejectedOf(service.send(encodeAll(service, events, 'la-no-identity')));
    expect(error).toMatchObject({ classification: 'auth', code: 'CredentialUnavailableError' });
    expect(await service.checkHealth()).toEqual({
      ok: false,
      detail: expect.stringMatching(/no token for the Logs Ingestion API/),
    });
  });

  it('reports health from a token for the ingestion audience and names its target', async () => {
    const { service } = serviceWith();
    expect(await service.checkHealth()).toEqual({
      ok: true,
      detail: `token for https://monitor.azure.com/.default acquired; uploads go to ${standIn.url}/dataCollectionRules/${DCR}/streams/${STREAM}`,
    });
  });
});

describe('the Logs Ingestion stand-in itself', () => {
  let standIn: LogsIngestionStandIn;
  beforeAll(async () => {
    standIn = await startLogsIngestionStandIn({ dcrImmutableId: DCR, streamName: STREAM, columns: COLUMNS });
  });
  afterAll(async () => {
    await standIn.stop();
  });

  function post(body: Buffer, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${standIn.url}/dataCollectionRules/${DCR}/streams/${STREAM}?api-version=2023-01-01`,
        { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('wants a bearer token, takes gzip, refuses calls over 1 MB and cuts fields over 64 KB', async () => {
    const rows = Buffer.from(
      JSON.stringify([{ TimeGenerated: '2024-05-01T00:00:00Z', Operation: 'x', Unknown: 1 }]),
    );
    expect(await post(rows, {})).toBe(401);
    const auth = { Authorization: `Bearer ${STAND_IN_LOGS_TOKEN}` };
    expect(await post(gzipSync(rows), { ...auth, 'Content-Encoding': 'gzip' })).toBe(204);
    expect(standIn.rows.at(-1)).toEqual({ TimeGenerated: '2024-05-01T00:00:00Z', Operation: 'x' });
    expect(await post(Buffer.from('{"not":"an array"}'), auth)).toBe(400);
    const big = Buffer.from(JSON.stringify([{ Parameters: 'x'.repeat(1_100_000) }]));
    expect(await post(big, auth)).toBe(413);
    expect(await post(gzipSync(big), { ...auth, 'Content-Encoding': 'gzip' })).toBe(413);
    expect(await post(Buffer.from(JSON.stringify([{ Parameters: 'y'.repeat(70_000) }])), auth)).toBe(204);
    expect(standIn.truncatedFields).toBe(1);
    expect((standIn.rows.at(-1)?.Parameters as string).length).toBe(64 * 1024);
  });
});

describe('audienceFor', () => {
  it.each([
    ['https://dce-x.westeurope-1.ingest.monitor.azure.com', 'https://monitor.azure.com'],
    ['https://dce-x.usgovvirginia-1.ingest.monitor.azure.us', 'https://monitor.azure.us'],
    ['https://dce-x.chinaeast2-1.ingest.monitor.azure.cn', 'https://monitor.azure.cn'],
  ])('%s → %s', (endpoint, audience) => expect(audienceFor(endpoint)).toBe(audience));
});
