/** Backfiller failure paths with in-memory stores and a scripted lister. */
import { z } from 'zod';
import type { Alert } from '../../shared/alerts/model';
import type { TenantConfig } from '../../shared/config/settings';
import type { ContentMessage } from '../../shared/contentMessage';
import type { ContentType } from '../../shared/contentTypes';
import { memoryLogger } from '../../shared/log';
import { ManagementApiError, type AvailableContent, type TimeWindow } from '../../shared/managementApi';
import {
  Backfiller,
  RELIST_OVERLAP_MS,
  BackfillStores,
  ContentLister,
} from '../../shared/maintenance/backfiller';

const TENANT = { tenantId: '3a1c9d2e-5b4f-4c6d-8e7f-901a2b3c4d5e', clientId: 'c' } as TenantConfig;
const NOW = new Date('2024-05-10T12:00:00Z');

function stores(): BackfillStores & { checkpoint?: Date; sent: ContentMessage[]; failEnqueue: boolean } {
  const kv = new Map<string, unknown>();
  const s = {
    checkpoint: undefined as Date | undefined,
    sent: [] as ContentMessage[],
    failEnqueue: false,
    checkpoints: {
      get: async () => (s.checkpoint ? { lastContentCreatedEnd: s.checkpoint.toISOString() } : undefined),
      advance: async (_t: string, _c: ContentType, end: Date) => {
        if (!s.checkpoint || end > s.checkpoint) s.checkpoint = end;
      },
      recordBackfillRun: async () => undefined,
    },
    ledger: { filterNotDone: async (_t: string, ids: readonly string[]) => [...ids] },
    queue: {
      enqueue: async (m: readonly ContentMessage[]) => {
        if (s.failEnqueue) throw new Error('queue unavailable');
        s.sent.push(...m);
      },
    },
    state: {
      get: async <T>(scope: string, key: string, schema: z.ZodType<T>) => {
        const v = kv.get(`${scope}/${key}`);
        return v === undefined ? undefined : schema.parse(v);
      },
      set: async <T>(scope: string, key: string, v: T) => void kv.set(`${scope}/${key}`, v),
    },
    raiseAlert: async () => undefined,
  };
  return s;
}

const blob = (id: string, created: string): AvailableContent => ({
  contentType: 'Audit.General',
  contentId: id,
  contentUri: `https://api.example/x/${id}`,
  contentCreated: created,
  contentExpiration: created,
});

function lister(
  answer: (window: TimeWindow, call: number) => AvailableContent[][] | Error,
): ContentLister & { windows: TimeWindow[] } {
  const windows: TimeWindow[] = [];
  return {
    windows,
    listContent: (_ct, window) => ({
      byPage: async function* () {
        windows.push(window);
        const a = answer(window, windows.length);
        if (a instanceof Error) throw a;
        yield* a;
      },
    }),
  };
}

describe('Backfiller', () => {
  it('enqueues every page as backfill messages and advances to the window end', async () => {
    const s = stores();
    const l = lister(() => [
      [blob('a', '2024-05-10T10:00:00Z'), blob('b', '2024-05-10T10:00:00Z')],
      [blob('b', '2024-05-10T10:00:00Z'), blob('c', '2024-05-10T11:00:00Z')],
    ]);
    const report = await new Backfiller(s).run(TENANT, l, 'Audit.General', {
      now: NOW,
      lookbackHours: 24,
      logger: memoryLogger(),
    });
    expect(report).toMatchObject({ windows: 1, found: 3, enqueued: 3, checkpoint: NOW.toISOString() });
    expect(s.sent.map((m) => [m.contentId, m.source])).toEqual([
      ['a', 'backfill'],
      ['b', 'backfill'],
      ['c', 'backfill'],
    ]);
  });

  it('does not advance the checkpoint when the enqueue fails', async () => {
    const s = stores();
    s.checkpoint = new Date('2024-05-10T06:00:00Z');
    s.failEnqueue = true;
    const l = lister(() => [[blob('a', '2024-05-10T07:00:00Z')]]);
    await expect(
      new Backfiller(s).run(TENANT, l, 'Audit.General', {
        now: NOW,
        lookbackHours: 24,
        logger: memoryLogger(),
      }),
    ).rejects.toThrow('queue unavailable');
    expect(s.checkpoint).toEqual(new Date('2024-05-10T06:00:00Z'));
  });

  it('plans again in the server clock when the window is still refused (AF20055) after the client skew retry', async () => {
    const s = stores();
    s.checkpoint = new Date('2024-05-10T06:00:00Z');
    const serverNow = new Date(NOW.getTime() - 2 * 3600_000);
    const l = lister((_w, call) =>
      call === 1
        ? new ManagementApiError('listContent failed', {
            operation: 'listContent',
            classification: 'badWindow',
            statusCode: 400,
            code: 'AF20055',
            serverDate: serverNow,
            clockSkewMs: serverNow.getTime() - NOW.getTime(),
          })
        : [[blob('a', '2024-05-10T07:00:00Z')]],
    );
    const log = memoryLogger();
    const report = await new Backfiller(s).run(TENANT, l, 'Audit.General', {
      now: NOW,
      lookbackHours: 24,
      logger: log,
    });
    // The re-plan starts one overlap hour before the checkpoint, like every planned run.
    expect(l.windows[1]).toEqual({
      startTime: new Date(Date.parse('2024-05-10T06:00:00Z') - RELIST_OVERLAP_MS),
      endTime: serverNow,
    });
    expect(report).toMatchObject({ windows: 1, enqueued: 1, clockSkewMs: -2 * 3600_000 });
    expect(s.checkpoint).toEqual(serverNow);
    expect(log.lines.some((l) => l.line.includes('planning again with the server clock'))).toBe(true);
  });

  it('plans again from the arrival time, six hours further inside the 7 days, when the refusal has no Date header', async () => {
    const s = stores();
    const alerts: Alert[] = [];
    s.raiseAlert = async (a: Alert) => void alerts.push(a);
    s.checkpoint = new Date('2024-05-03T13:30:00Z');
    const l = lister((_w, call) =>
      call === 1
        ? new ManagementApiError('listContent failed', {
            operation: 'listContent',
            classification: 'badWindow',
            statusCode: 400,
            code: 'AF20030',
            receivedAt: NOW,
          })
        : [[]],
    );
    const log = memoryLogger();
    const report = await new Backfiller(s).run(TENANT, l, 'Audit.General', {
      now: NOW,
      lookbackHours: 24,
      logger: log,
    });
    // First plan: the retention edge (7 d - 1 h back); after the refusal: 6 hours later still.
    expect(l.windows[0].startTime).toEqual(new Date('2024-05-03T13:00:00Z'));
    expect(l.windows[1]).toEqual({
      startTime: new Date('2024-05-03T19:00:00Z'),
      endTime: new Date('2024-05-04T19:00:00Z'),
    });
    expect(report).toMatchObject({
      serverClockUnknown: true,
      windows: 7,
      lost: { startTime: '2024-05-03T13:30:00.000Z', endTime: '2024-05-03T19:00:00.000Z' },
    });
    expect(report.clockSkewMs).toBeUndefined();
    expect(s.checkpoint).toEqual(NOW);
    expect(alerts.map((a) => a.kind)).toEqual(['backfillGapLost']);
    expect(log.lines.some((l) => l.line.includes('sent no Date header'))).toBe(true);
  });

  it('gives up after one re-plan when the server keeps refusing the window', async () => {
    const s = stores();
    const refused = () =>
      new ManagementApiError('listContent failed', {
        operation: 'listContent',
        classification: 'badWindow',
        code: 'AF20030',
        serverDate: NOW,
      });
    const l = lister(() => refused());
    await expect(
      new Backfiller(s).run(TENANT, l, 'Audit.General', {
        now: NOW,
        lookbackHours: 24,
        logger: memoryLogger(),
      }),
    ).rejects.toThrow(ManagementApiError);
    expect(l.windows).toHaveLength(2);
    expect(s.checkpoint).toBeUndefined();
  });
});
