import type { Alert } from '../../shared/alerts/model';
import type { ContentMessage } from '../../shared/contentMessage';
import { encodeContentMessage } from '../../shared/contentMessage';
import type { Logger } from '../../shared/log';
import { ManagementApiError } from '../../shared/managementApi';
import type { ErrorClassification } from '../../shared/managementApi';
import { pipelineErrorEvent } from '../../shared/pipeline/normalizeBlob';
import { MemorySink } from '../../shared/sinks/memorySink';
import { BlobContentSink } from '../../shared/sinks/blob/blobContentSink';
import type { SinkCompletions } from '../../shared/state/contentLedger';
import type { ContentSink, SinkBlobOutcome } from '../../shared/sinks/delivery/model';
import { SinkDeferredError, SinkFailedError } from '../../shared/sinks/delivery/errors';
import {
  defineFetchContent,
  type BlobOutcome,
  type FetchContentDependencies,
} from '../../functions/fetchContent';
import { checkContentUri } from '../../functions/services';
import { RecordDedupe } from '../../shared/dedupe/recordDedupe';
import { RecordReservedElsewhereError } from '../../shared/dedupe/withoutRepeatedRecords';
import { MemoryRecordIdLog } from '../../shared/dedupe/memoryRecordIdLog';
import { TokenAcquisitionError } from '../../shared/managementApi/errors';
import { SinkWriteError } from '../../shared/sinks/sink';
import type { FetchLedger } from '../../functions/fetchContent';
import { StorageOperationError } from '../../shared/storage/storageError';
import { staticTenantDirectory, TenantRegistryUnavailableError } from '../../shared/tenants/tenantDirectory';
import { contentUriFor, OTHER_TENANT_ID, TENANT_ID, testConfig } from '../notifications/tenantFixture';
import { linesAt, recordingContext } from './support';

const config = testConfig();
const tenant = config.tenants[0];
const MAX_DEQUEUE = 5;

const LEASE_SECONDS = 660;

interface LedgerRow {
  status: 'inProgress' | 'completed' | 'lost';
  reason?: string;
  eventCount?: number;
  duplicateRecords?: number;
  suppressedRecords?: number;
  recordCount?: number;
  owner?: string;
  leaseUntil?: number;
  etag?: string;
  attempts?: number;
  sinks?: SinkCompletions;
}

/** The ledger's claim rules over a Map: insert-only claim, live lease busy, ETag-checked writes. */
function fakeLedger(rows: Map<string, LedgerRow>): FetchLedger {
  let version = 0;
  const keyOf = (c: { tenantId: string; contentId: string }) => `${c.tenantId}|${c.contentId}`;
  const finished = (row?: LedgerRow) => row?.status === 'completed' || row?.status === 'lost';
  const finish = async (claim: { tenantId: string; contentId: string; etag: string }, row: LedgerRow) => {
    const current = rows.get(keyOf(claim));
    if (current?.etag !== claim.etag)
      return finished(current) ? ('alreadyFinished' as const) : ('superseded' as const);
    rows.set(keyOf(claim), row);
    return 'recorded' as const;
  };
  return {
    async claim(request, owner, leaseMs, now) {
      const row = rows.get(keyOf(request));
      if (row && finished(row)) {
        return { outcome: 'done', entry: { ...request, status: row.status } };
      }
      if (row?.status === 'inProgress' && (row.leaseUntil ?? 0) > now.getTime()) {
        return { outcome: 'busy', owner: row.owner, leaseUntil: new Date(row.leaseUntil!) };
      }
      const etag = String(++version);
      const attempts = (row?.attempts ?? 0) + 1;
      const leaseUntil = now.getTime() + leaseMs;
      const sinks = { ...row?.sinks };
      rows.set(keyOf(request), { status: 'inProgress', owner, leaseUntil, etag, attempts, sinks });
      return {
        outcome: 'claimed',
        claim: {
          ...request,
          owner,
          leaseUntil: new Date(leaseUntil),
          takenOver: row !== undefined,
          attempts,
          etag,
          sinks,
        },
      };
    },
    complete: (claim, { sinks, ...stats }) =>
      finish(claim, { status: 'completed', ...stats, sinks: { ...claim.sinks, ...sinks } }),
    async recordSinks(claim, sinks) {
      const row = rows.get(keyOf(claim));
      if (row?.etag !== claim.etag) return finished(row) ? 'alreadyFinished' : 'superseded';
      row.etag = String(++version);
      row.sinks = { ...claim.sinks, ...sinks };
      claim.etag = row.etag;
      claim.sinks = row.sinks;
      return 'recorded';
    },
    completeLost: (claim, reason) => finish(claim, { status: 'lost', reason }),
    async release(claim, now) {
      const row = rows.get(keyOf(claim));
      if (row?.etag === claim.etag) row.leaseUntil = now.getTime();
    },
  };
}

function message(overrides: Partial<ContentMessage> = {}): ContentMessage {
  const contentId = overrides.contentId ?? '20240501$blob$01';
  return {
    tenantId: TENANT_ID,
    clientId: tenant.clientId,
    contentType: 'Audit.SharePoint',
    contentId,
    contentUri: contentUriFor(tenant, contentId),
    contentCreated: '2024-05-01T10:00:00.000Z',
    source: 'webhook',
    enqueuedAt: '2024-05-01T10:05:00.000Z',
    ...overrides,
  };
}

function record(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Id: id,
    RecordType: 6,
    CreationTime: '2024-05-01T08:00:00',
    Operation: 'FileAccessed',
    OrganizationId: TENANT_ID,
    UserType: 0,
    UserKey: 'i:0h.f|membership|user@contoso.example',
    Workload: 'SharePoint',
    UserId: 'user@contoso.example',
    ClientIP: '203.0.113.7',
    ObjectId: 'https://contoso.sharepoint.com/sites/a/doc.docx',
    ...extra,
  };
}

function apiError(
  classification: ErrorClassification,
  code?: string,
  retryAfterMs?: number,
): ManagementApiError {
  return new ManagementApiError(`streamContent failed: ${code ?? classification}`, {
    operation: 'streamContent',
    classification,
    code,
    statusCode: classification === 'throttled' ? 403 : classification === 'transient' ? 500 : 400,
    retryAfterMs,
  });
}

async function* failing(error: unknown, before: unknown[] = []): AsyncGenerator<unknown> {
  for (const r of before) yield r;
  throw error;
}

async function* records(list: unknown[]): AsyncGenerator<unknown> {
  for (const r of list) yield r;
}

interface Rig {
  deps: FetchContentDependencies;
  sink: MemorySink;
  ledger: Map<string, LedgerRow>;
  alerts: Alert[];
  poisoned: { raw: unknown; reason: string }[];
  requeued: { message: ContentMessage; delaySeconds: number }[];
  notified: string[];
  fetched: string[];
  outcomes: BlobOutcome[];
  run(raw: unknown, dequeueCount?: number): Promise<ReturnType<typeof recordingContext>['lines']>;
}

function rig(
  stream: (contentUri: string) => AsyncIterable<unknown>,
  overrides: Partial<FetchContentDependencies> = {},
): Rig {
  const sink = new MemorySink();
  const ledger = new Map<string, LedgerRow>();
  const r: Omit<Rig, 'deps' | 'run'> = {
    sink,
    ledger,
    alerts: [],
    poisoned: [],
    requeued: [],
    notified: [],
    fetched: [],
    outcomes: [],
  };
  const deps: FetchContentDependencies = {
    queueName: 'o365-content',
    tenants: staticTenantDirectory(config.tenants),
    ledger: fakeLedger(ledger),
    claimLeaseSeconds: LEASE_SECONDS,
    sinks: [new BlobContentSink(sink)],
    streamContent: (_t, uri) => {
      r.fetched.push(uri);
      return stream(uri);
    },
    checkContentUri,
    requeue: async (m, delaySeconds) => {
      r.requeued.push({ message: m, delaySeconds });
    },
    poison: async (raw, reason) => {
      r.poisoned.push({ raw, reason });
    },
    recordNotification: async (tenantId, contentType) => {
      r.notified.push(`${tenantId}|${contentType}`);
    },
    raiseAlert: async (alert: Alert, logger: Logger) => {
      r.alerts.push(alert);
      logger.error('M365ReceiverAlert', { kind: alert.kind });
    },
    maxDequeueCount: MAX_DEQUEUE,
    deferralBaseSeconds: 4,
    random: () => 0.5,
    onBlobDone: (o) => r.outcomes.push(o),
    ...overrides,
  };
  const fn = defineFetchContent(deps);
  return {
    ...r,
    deps,
    async run(raw, dequeueCount = 1) {
      const { context, lines } = recordingContext('fetchContent', { dequeueCount });
      await fn.handler(raw, context);
      return lines;
    },
  };
}

describe('fetchContent function', () => {
  it('writes each record of the blob once, with event.id carrying the record Id, then marks it completed', async () => {
    const list = [record('A-1'), record('A-2'), record('a-1'), record('A-3')];
    const r = rig(() => records(list));
    await r.run(message());
    const events = r.sink.allEvents() as { event: { id: string } }[];
    expect(events.map((e) => e.event.id)).toEqual(['A-1', 'A-2', 'A-3']);
    expect(r.ledger.get(`${TENANT_ID}|20240501$blob$01`)).toEqual({
      status: 'completed',
      eventCount: 3,
      duplicateRecords: 1,
      suppressedRecords: 0,
      recordCount: 4,
      sinkPath: expect.any(String),
      sinks: { blob: { at: expect.any(String), events: 3 } },
    });
    expect(r.outcomes[0]).toMatchObject({ status: 'written', stats: { records: 4, events: 3 } });
    expect(r.notified).toEqual([`${TENANT_ID}|Audit.SharePoint`]);
  });

  it('accepts the message as base64 text, as a raw queue read hands it over', async () => {
    const r = rig(() => records([record('B-1')]));
    await r.run(encodeContentMessage(message({ source: 'backfill' })));
    expect(r.sink.allEvents()).toHaveLength(1);
    // Only webhook deliveries count as notifications.
    expect(r.notified).toEqual([]);
  });

  it('skips a blob the ledger already holds and counts it as a duplicate, without fetching it', async () => {
    const r = rig(() => records([record('C-1')]));
    r.ledger.set(`${TENANT_ID}|20240501$blob$01`, { status: 'completed' });
    const lines = await r.run(message());
    expect(r.fetched).toEqual([]);
    expect(r.sink.writes).toBe(0);
    expect(r.outcomes).toEqual([{ status: 'duplicate', message: expect.any(Object) }]);
    expect(linesAt(lines, 'information').join()).toMatch(/already processed; skipped/);
  });

  it('keeps a record that cannot be normalized as a pipeline_error event with its Id and original', async () => {
    const bad = { Id: 'D-2', CreationTime: { not: 'a time' }, RecordType: 'x' };
    const r = rig(() => records([record('D-1'), 'not an object', bad]));
    const lines = await r.run(message());
    const events = r.sink.allEvents() as { event: { kind: string; id?: string }; o365: { audit: unknown } }[];
    expect(events).toHaveLength(3);
    const errors = events.filter((e) => e.event.kind === 'pipeline_error');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.map((e) => e.o365.audit)).toContainEqual('not an object');
    expect(r.outcomes[0]).toMatchObject({ status: 'written' });
    const rejected = (r.outcomes[0] as { stats: { rejectedRecords: number } }).stats.rejectedRecords;
    expect(rejected).toBe(errors.length);
    expect(linesAt(lines, 'warning').join()).toMatch(/kept as pipeline_error events/);
  });

  it('gives a pipeline_error event the record Id when the record has one', () => {
    const context = { tenantId: TENANT_ID, contentType: 'Audit.SharePoint' as const, contentId: 'c' };
    const withId = pipelineErrorEvent({ Id: 'E-9', RecordType: 'x' }, 'unreadable', context);
    const withoutId = pipelineErrorEvent({ RecordType: 'x' }, 'record has no Id', context);
    expect(withId).toMatchObject({
      event: { kind: 'pipeline_error', id: 'E-9', reason: 'unreadable' },
      organization: { id: TENANT_ID },
      o365: { audit: { Id: 'E-9', RecordType: 'x' }, contentId: 'c' },
    });
    expect((withoutId as { event: object }).event).not.toHaveProperty('id');
  });

  it('records expired content (AF20051) as lost and raises contentLost, without retrying', async () => {
    const r = rig(() => failing(apiError('expired', 'AF20051')));
    await expect(r.run(message())).resolves.toBeDefined();
    expect(r.ledger.get(`${TENANT_ID}|20240501$blob$01`)).toMatchObject({
      status: 'lost',
      reason: expect.stringContaining('AF20051'),
    });
    expect(r.alerts).toEqual([
      expect.objectContaining({
        kind: 'contentLost',
        severity: 'error',
        tenantId: TENANT_ID,
        details: expect.objectContaining({ contentId: '20240501$blob$01' }),
      }),
    ]);
    expect(r.requeued).toEqual([]);
    expect(r.outcomes[0]).toMatchObject({ status: 'lost' });
  });

  it('puts off a throttled fetch as a delayed copy with one more deferral, without failing the message', async () => {
    const r = rig(() => failing(apiError('throttled', 'AF429')));
    await r.run(message());
    // base 4 s, first deferral: half fixed + half jitter (0.5) = 3 s.
    expect(r.requeued).toEqual([{ message: { ...message(), deferrals: 1 }, delaySeconds: 3 }]);
    expect(r.ledger.get(`${TENANT_ID}|20240501$blob$01`)).toMatchObject({ status: 'inProgress' });
    expect(r.outcomes[0]).toMatchObject({ status: 'deferred', delaySeconds: 3 });
  });

  it('doubles the deferral delay each time and honours a longer Retry-After', async () => {
    const r = rig(() => failing(apiError('transient', undefined)));
    await r.run(message({ deferrals: 2 }));
    expect(r.requeued[0]).toEqual({ message: message({ deferrals: 3 }), delaySeconds: 12 });

    const later = rig(() => failing(apiError('throttled', 'AF429', 40_000)));
    await later.run(message());
    expect(later.requeued[0].delaySeconds).toBe(40);
  });

  it('puts off a blob whose body broke mid-stream and writes it whole on the next try', async () => {
    let tries = 0;
    const r = rig(() => {
      tries++;
      return tries === 1
        ? failing(apiError('transient'), [record('F-1')])
        : records([record('F-1'), record('F-2')]);
    });
    await r.run(message());
    expect(r.requeued).toHaveLength(1);
    await r.run(r.requeued[0].message);
    expect((r.sink.allEvents() as { event: { id: string } }[]).map((e) => e.event.id)).toEqual([
      'F-1',
      'F-2',
    ]);
  });

  it('lets the queue retry once the deferrals are used up', async () => {
    const r = rig(() => failing(apiError('throttled', 'AF429')), { maxDeferrals: 2 });
    await expect(r.run(message({ deferrals: 2 }), 1)).rejects.toThrow(/AF429/);
    expect(r.requeued).toEqual([]);
    expect(r.alerts).toEqual([]);
    expect(r.outcomes[0]).toMatchObject({ status: 'failed', willRetry: true });
  });

  it('throws when the delayed copy cannot be written, so the original message is retried', async () => {
    const r = rig(() => failing(apiError('throttled', 'AF429')), {
      requeue: () => Promise.reject(new Error('queue unavailable')),
    });
    await expect(r.run(message())).rejects.toThrow(/queue unavailable/);
  });

  it('throws on a failure that is not throttling so the host retries, with a warning but no alert', async () => {
    const r = rig(() => failing(apiError('fatal', 'AF20010')));
    const done = r.run(message(), 2);
    await expect(done).rejects.toThrow(/AF20010/);
    expect(r.alerts).toEqual([]);
    expect(r.ledger.get(`${TENANT_ID}|20240501$blob$01`)?.status).toBe('inProgress');
  });

  it('raises a poisonMessage alert with tenant, content id and last error on the last try', async () => {
    const r = rig(() => failing(apiError('fatal', 'AF20010')));
    await expect(r.run(message(), MAX_DEQUEUE)).rejects.toThrow(/AF20010/);
    expect(r.alerts).toEqual([
      expect.objectContaining({
        kind: 'poisonMessage',
        severity: 'error',
        tenantId: TENANT_ID,
        details: expect.objectContaining({
          contentId: '20240501$blob$01',
          lastError: expect.stringContaining('AF20010'),
          dequeueCount: MAX_DEQUEUE,
        }),
      }),
    ]);
    expect(r.outcomes[0]).toMatchObject({ status: 'failed', willRetry: false });
  });

  it('alerts on the last try even when the ledger itself cannot be read', async () => {
    const r = rig(() => records([]), {
      ledger: {
        ...fakeLedger(new Map()),
        claim: () => Promise.reject(new Error('table unavailable')),
      },
    });
    await expect(r.run(message(), MAX_DEQUEUE)).rejects.toThrow(/table unavailable/);
    expect(r.alerts.map((a) => a.kind)).toEqual(['poisonMessage']);
  });

  describe('claims', () => {
    const key = `${TENANT_ID}|20240501$blob$01`;

    it('claims the blob before fetching it, under a lease of the configured length', async () => {
      const at = new Date('2024-05-01T10:05:00.000Z');
      const r = rig(() => records([record('K-0')]), { now: () => at });
      let rowWhileFetching: LedgerRow | undefined;
      r.deps.streamContent = (_t, uri) => {
        rowWhileFetching = { ...r.ledger.get(key)! };
        r.fetched.push(uri);
        return records([record('K-0')]);
      };
      await r.run(message());
      expect(rowWhileFetching).toMatchObject({
        status: 'inProgress',
        leaseUntil: at.getTime() + LEASE_SECONDS * 1000,
        owner: expect.stringContaining('test-fetchContent'),
      });
      expect(r.ledger.get(key)?.status).toBe('completed');
    });

    it('requeues a blob another worker holds a live claim on, with a delay within the lease, and fetches nothing', async () => {
      const at = new Date('2024-05-01T10:05:00.000Z');
      const r = rig(() => records([record('K-1')]), { now: () => at });
      r.ledger.set(key, {
        status: 'inProgress',
        owner: 'other',
        leaseUntil: at.getTime() + 2_000,
        etag: 'x',
      });
      await r.run(message());
      expect(r.fetched).toEqual([]);
      expect(r.sink.writes).toBe(0);
      // base 4 s with jitter 0.5 would be 3 s; the lease ends in 2 s, so the copy comes back after 3 s at most.
      expect(r.requeued).toEqual([{ message: { ...message(), claimWaits: 1 }, delaySeconds: 3 }]);
      expect(r.outcomes[0]).toMatchObject({ status: 'deferred', reason: expect.stringMatching(/claim/) });

      // However often it waits, a live claim never turns into a failure or the poison queue.
      await r.run({ ...message(), claimWaits: 40, deferrals: 99 }, MAX_DEQUEUE);
      expect(r.requeued[1].message).toMatchObject({ claimWaits: 41 });
      expect(r.poisoned).toEqual([]);
      expect(r.alerts).toEqual([]);
    });

    it('takes over a blob whose claim expired (its worker died) and writes it', async () => {
      const at = new Date('2024-05-01T10:05:00.000Z');
      const r = rig(() => records([record('K-2')]), { now: () => at });
      r.ledger.set(key, {
        status: 'inProgress',
        owner: 'dead',
        leaseUntil: at.getTime() - 1,
        etag: 'x',
        attempts: 1,
      });
      const lines = await r.run(message());
      expect(r.ledger.get(key)).toMatchObject({ status: 'completed', eventCount: 1 });
      expect(linesAt(lines, 'warning').join()).toMatch(/took over the expired claim/);
    });

    it('releases its claim when a try fails, so the next try does not wait out the lease', async () => {
      const at = new Date('2024-05-01T10:05:00.000Z');
      const r = rig(() => failing(apiError('fatal', 'AF20010')), { now: () => at });
      await expect(r.run(message())).rejects.toThrow(/AF20010/);
      expect(r.ledger.get(key)).toMatchObject({ status: 'inProgress', leaseUntil: at.getTime() });
    });

    it('says so when its lease ran out and another worker took the blob over meanwhile', async () => {
      const rows = new Map<string, LedgerRow>();
      const written = new MemorySink();
      const r = rig(() => records([record('K-3')]), {
        ledger: fakeLedger(rows),
        sinks: [
          new BlobContentSink({
            name: 'slow',
            write: async (ref, events) => {
              const result = await written.write(ref, events);
              // While this worker wrote, its lease ran out and another took the blob over.
              rows.set(key, {
                status: 'inProgress',
                owner: 'taker',
                leaseUntil: Date.now() + 60_000,
                etag: 'new',
              });
              return result;
            },
          }),
        ],
      });
      const lines = await r.run(message());
      expect(written.allEvents()).toHaveLength(1);
      expect(rows.get(key)).toMatchObject({ status: 'inProgress', owner: 'taker' });
      expect(linesAt(lines, 'warning').join()).toMatch(/another worker holds its claim now/);
    });
  });

  describe('failures that pass by themselves', () => {
    it.each([
      [
        'Entra answering 5xx (network_error)',
        new TokenAcquisitionError(
          'Could not get an access token: the token request failed (AuthenticationRequiredError, network)',
          { transient: true },
        ),
      ],
      [
        'the token request timing out',
        new TokenAcquisitionError('Could not get an access token: no answer within 30000 ms', {
          transient: true,
        }),
      ],
      [
        'Key Vault unreachable',
        new TokenAcquisitionError(
          'Could not get an access token: the token request failed (SecretUnavailableError)',
          { transient: true },
        ),
      ],
      [
        'the ledger throttled (503 ServerBusy)',
        new StorageOperationError('claim x', {
          name: 'RestError',
          statusCode: 503,
          code: 'ServerBusy',
          message: 'busy',
        }),
      ],
      [
        'the sink throttled (429)',
        new SinkWriteError({
          sink: 'blob-ndjson',
          contentId: 'x',
          reason: 'too many',
          statusCode: 429,
          code: 'TooManyRequests',
        }),
      ],
      [
        'storage unreachable',
        new StorageOperationError('claim x', {
          name: 'RestError',
          code: 'ECONNREFUSED',
          message: 'connect ECONNREFUSED',
        }),
      ],
      ['a write that lost a race on a repeated record', new RecordReservedElsewhereError('x', 1)],
    ])('puts off %s as a delayed copy, without using a dequeue', async (_what, error) => {
      const r = rig(() => failing(error));
      await r.run(message(), MAX_DEQUEUE);
      expect(r.requeued).toEqual([{ message: { ...message(), deferrals: 1 }, delaySeconds: 3 }]);
      expect(r.alerts).toEqual([]);
      expect(r.outcomes[0]).toMatchObject({ status: 'deferred' });
    });

    it.each([
      [
        'a refused client secret',
        new TokenAcquisitionError(
          'Could not get an access token: Entra refused the token request (AADSTS7000215)',
          { transient: false, aadstsCode: 'AADSTS7000215' },
        ),
      ],
      [
        'storage refusing access (403)',
        new StorageOperationError('claim x', {
          name: 'RestError',
          statusCode: 403,
          code: 'AuthorizationPermissionMismatch',
          message: 'no',
        }),
      ],
    ])("leaves %s to the queue's retries, which end in the poison queue", async (_what, error) => {
      const r = rig(() => failing(error));
      await expect(r.run(message(), MAX_DEQUEUE)).rejects.toBe(error);
      expect(r.requeued).toEqual([]);
      expect(r.alerts.map((a) => a.kind)).toEqual(['poisonMessage']);
    });
  });

  describe('records repeated across blobs', () => {
    function withDedupe(list: () => unknown[]) {
      const log = new MemoryRecordIdLog();
      return rig(() => records(list()), { recordDedupe: new RecordDedupe(log) });
    }

    it('writes a record another blob already carried only once, and counts it as suppressed', async () => {
      let list = [record('R-1'), record('R-2')];
      const r = withDedupe(() => list);
      await r.run(message({ contentId: '20240501$blob$01' }));
      list = [record('r-2'), record('R-3')];
      await r.run(message({ contentId: '20240501$blob$02' }));
      const ids = (r.sink.allEvents() as { event: { id: string } }[]).map((e) => e.event.id);
      expect(ids.sort()).toEqual(['R-1', 'R-2', 'R-3']);
      expect(r.ledger.get(`${TENANT_ID}|20240501$blob$02`)).toMatchObject({
        status: 'completed',
        eventCount: 1,
        suppressedRecords: 1,
      });
      expect(r.outcomes[1]).toMatchObject({ status: 'written', suppressedRecords: 1 });
    });

    it('never holds back a pipeline_error event, even for a repeated record', async () => {
      const bad = { Id: 'P-1', CreationTime: { not: 'a time' }, RecordType: 'x' };
      const r = withDedupe(() => [bad]);
      await r.run(message({ contentId: '20240501$blob$01' }));
      await r.run(message({ contentId: '20240501$blob$02' }));
      expect(r.sink.allEvents()).toHaveLength(2);
    });
  });

  it('sends a message that is not a content message straight to the poison queue, with the reason', async () => {
    const r = rig(() => records([]));
    const lines = await r.run({ hello: 'world' });
    expect(r.poisoned).toEqual([{ raw: { hello: 'world' }, reason: expect.stringMatching(/tenantId/) }]);
    expect(r.alerts.map((a) => a.kind)).toEqual(['poisonMessage']);
    expect(linesAt(lines, 'error').join()).toMatch(/refused a message/);
    expect(r.fetched).toEqual([]);

    await r.run('not json {');
    expect(r.poisoned[1].reason).toMatch(/not JSON/);
  });

  it('sends a message for a tenant that is not configured to the poison queue', async () => {
    const r = rig(() => records([record('G-1')]));
    const stranger = '99999999-9999-4999-8999-999999999999';
    await r.run(message({ tenantId: stranger }));
    expect(r.poisoned[0].reason).toBe(`tenant ${stranger} is not a configured tenant`);
    expect(r.fetched).toEqual([]);
    expect(r.alerts[0]).toMatchObject({ kind: 'poisonMessage', tenantId: stranger });
  });

  it('sends a message of a tenant the registry disabled or removed to the poison queue with the reason, unfetched', async () => {
    const reason = `tenant ${TENANT_ID} is disabled in the tenant registry`;
    const r = rig(() => records([record('G-2')]), {
      tenants: {
        get: async (id) => ({ status: 'disabled', tenantId: id.toLowerCase(), reason }),
      },
    });
    await r.run(message());
    expect(r.poisoned).toEqual([{ raw: message(), reason }]);
    expect(r.fetched).toEqual([]);
    expect(r.ledger.size).toBe(0);
    expect(r.alerts[0]).toMatchObject({
      kind: 'poisonMessage',
      tenantId: TENANT_ID,
      message: `content message moved to the poison queue: ${reason}`,
    });
  });

  it('puts a message off, neither fetched nor poisoned, while the tenant registry cannot be read', async () => {
    const r = rig(() => records([record('G-3')]), {
      tenants: {
        get: async (id) => {
          throw new TenantRegistryUnavailableError(id, 'storage down');
        },
      },
    });
    await r.run(message());
    expect(r.poisoned).toEqual([]);
    expect(r.fetched).toEqual([]);
    expect(r.requeued).toEqual([{ message: message({ deferrals: 1 }), delaySeconds: expect.any(Number) }]);
    expect(r.outcomes[0]).toMatchObject({
      status: 'deferred',
      reason: expect.stringMatching(/tenant registry is unreadable \(storage down\)/),
    });
  });

  it('sends a message whose contentUri is refused to the poison queue, without sending a token there', async () => {
    const r = rig(() => records([record('H-1')]));
    const other = config.tenants.find((t) => t.tenantId === OTHER_TENANT_ID)!;
    await r.run(message({ contentUri: contentUriFor(other, 'x') }));
    await r.run(message({ contentUri: 'https://attacker.example/api/v1.0/x/activity/feed/audit/x' }));
    expect(r.poisoned.map((p) => p.reason)).toEqual([
      expect.stringMatching(/^contentUri refused: .*names tenant/),
      expect.stringMatching(/^contentUri refused: .*API host/),
    ]);
    expect(r.fetched).toEqual([]);
    expect(r.sink.writes).toBe(0);
  });

  it('goes on when the notification time cannot be recorded', async () => {
    const r = rig(() => records([record('I-1')]), {
      recordNotification: () => Promise.reject(new Error('state table down')),
    });
    const lines = await r.run(message());
    expect(r.sink.allEvents()).toHaveLength(1);
    expect(linesAt(lines, 'warning').join()).toMatch(/could not record the notification time/);
  });
});

/** A sink that reads the whole stream and answers what its script says for each try. */
class ScriptedSink implements ContentSink {
  readonly idempotentOnEventId = false;
  readonly received: string[][] = [];
  constructor(
    readonly name: string,
    private readonly script: ('completed' | 'deferred' | 'failed' | 'rejectsOne')[],
  ) {}
  async deliver(_blob: unknown, stream: AsyncIterable<object>): Promise<SinkBlobOutcome> {
    const ids: string[] = [];
    for await (const e of stream) ids.push((e as { event: { id: string } }).event.id);
    this.received.push(ids);
    const step = this.script[Math.min(this.received.length, this.script.length) - 1];
    const base = { sink: this.name, events: ids.length, alreadyPresent: 0, requests: 1 };
    switch (step) {
      case 'completed':
        return { ...base, status: 'completed', written: ids.length, deadLettered: 0 };
      case 'rejectsOne':
        return {
          ...base,
          status: 'completed',
          written: ids.length - 1,
          deadLettered: 1,
          deadLetterLocation: `events/deadletter/${this.name}/x.ndjson`,
        };
      case 'deferred':
        return {
          ...base,
          status: 'deferred',
          written: 0,
          deadLettered: 0,
          error: new SinkDeferredError(this.name, 'throttled', `${this.name} answered 429`, {
            statusCode: 429,
            retryAfterMs: 20_000,
          }),
        };
      case 'failed':
        return {
          ...base,
          status: 'failed',
          written: 0,
          deadLettered: 0,
          error: new SinkFailedError(this.name, 'auth', `${this.name} refused the API key`, {
            statusCode: 401,
          }),
        };
    }
  }
  async checkHealth() {
    return { ok: true, detail: '' };
  }
}

describe('fetchContent with several sinks', () => {
  const key = `${TENANT_ID}|20240501$blob$01`;

  it('records each sink that finished, puts a throttled sink off with its Retry-After, and re-sends only to it', async () => {
    const es = new ScriptedSink('elasticsearch', ['completed']);
    const splunk = new ScriptedSink('splunk', ['deferred', 'completed']);
    const r = rig(() => records([record('S-1'), record('S-2')]));
    r.deps.sinks = [new BlobContentSink(r.sink), es, splunk];
    const lines = await r.run(message());
    expect(r.requeued).toEqual([{ message: { ...message(), deferrals: 1 }, delaySeconds: 20 }]);
    expect(r.ledger.get(key)).toMatchObject({
      status: 'inProgress',
      sinks: { blob: { events: 2 }, elasticsearch: { events: 2 } },
    });
    expect(r.ledger.get(key)?.sinks).not.toHaveProperty('splunk');
    expect(linesAt(lines, 'warning').join()).toMatch(/splunk answered 429/);

    await r.run(r.requeued[0].message);
    expect(es.received).toHaveLength(1);
    expect(splunk.received).toEqual([
      ['S-1', 'S-2'],
      ['S-1', 'S-2'],
    ]);
    expect(r.sink.writes).toBe(1);
    expect(r.ledger.get(key)).toMatchObject({
      status: 'completed',
      eventCount: 2,
      sinks: { blob: { events: 2 }, elasticsearch: { events: 2 }, splunk: { events: 2 } },
    });
    expect(r.outcomes.at(-1)).toMatchObject({
      status: 'written',
      sinks: [{ sink: 'splunk', status: 'completed' }],
    });
  });

  it('lets the queue retry a sink that failed, after recording the sinks that finished', async () => {
    const splunk = new ScriptedSink('splunk', ['failed']);
    const r = rig(() => records([record('T-1')]));
    r.deps.sinks = [new BlobContentSink(r.sink), splunk];
    await expect(r.run(message(), 2)).rejects.toThrow(/refused the API key/);
    expect(r.requeued).toEqual([]);
    expect(r.ledger.get(key)).toMatchObject({ status: 'inProgress', sinks: { blob: { events: 1 } } });
    expect(r.outcomes[0]).toMatchObject({ status: 'failed', willRetry: true });
  });

  it('raises sinkRejected once per blob and sink that dead-lettered events, and counts the blob done', async () => {
    const es = new ScriptedSink('elasticsearch', ['rejectsOne']);
    const splunk = new ScriptedSink('splunk', ['deferred', 'completed']);
    const r = rig(() => records([record('U-1'), record('U-2')]));
    r.deps.sinks = [es, splunk];
    await r.run(message());
    await r.run(r.requeued[0].message);
    expect(r.alerts).toEqual([
      expect.objectContaining({
        kind: 'sinkRejected',
        details: expect.objectContaining({ sink: 'elasticsearch', deadLettered: 1 }),
      }),
    ]);
    expect(r.ledger.get(key)).toMatchObject({
      status: 'completed',
      sinks: { elasticsearch: { deadLettered: 1 }, splunk: { events: 2 } },
    });
  });

  it('finishes a blob every sink already has without fetching it again', async () => {
    const es = new ScriptedSink('elasticsearch', ['completed']);
    const r = rig(() => records([record('V-1')]));
    r.deps.sinks = [es];
    r.ledger.set(key, {
      status: 'inProgress',
      owner: 'crashed',
      leaseUntil: 0,
      etag: 'x',
      sinks: { elasticsearch: { at: '2024-05-01T10:06:00.000Z', events: 1 } },
    });
    await r.run(message());
    expect(r.fetched).toEqual([]);
    expect(es.received).toEqual([]);
    expect(r.ledger.get(key)?.status).toBe('completed');
    expect(r.outcomes[0]).toMatchObject({ status: 'written', alreadyWritten: true });
  });

  it('counts a blob the blob sink had finished earlier as done for that sink', async () => {
    const r = rig(() => records([record('W-1')]));
    await r.run(message());
    r.ledger.delete(key);
    await r.run(message());
    expect(r.sink.allEvents()).toHaveLength(1);
    expect(r.outcomes[1]).toMatchObject({
      status: 'written',
      alreadyWritten: true,
      sinks: [{ sink: 'blob', status: 'completed', written: 0, alreadyPresent: 1 }],
    });
    expect(r.ledger.get(key)).toMatchObject({ status: 'completed', sinks: { blob: { events: 1 } } });
  });
});
