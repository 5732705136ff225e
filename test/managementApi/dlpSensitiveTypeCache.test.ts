import { memoryLogger } from '../../shared/log';
import { DlpSensitiveTypeCache } from '../../shared/managementApi/dlpSensitiveTypeCache';
import type { DlpSensitiveType } from '../../shared/managementApi';

const TENANT = '4d5e6f70-8192-4a3b-9c4d-5e6f70819203';
const HOUR = 60 * 60 * 1000;
const CARD = { id: '50842EB7-EDC8-4019-85DD-5A5C1F2BB085', name: 'CreditCardNumber' };

function rig(answers: (() => Promise<DlpSensitiveType[]>)[]) {
  let now = Date.UTC(2024, 6, 1);
  const reads: string[] = [];
  const logger = memoryLogger();
  const cache = new DlpSensitiveTypeCache(
    async (tenantId) => {
      reads.push(tenantId);
      const next = answers.shift();
      if (!next) throw new Error('no more answers');
      return next();
    },
    { now: () => now, logger },
  );
  return {
    cache,
    reads,
    logger,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('DlpSensitiveTypeCache', () => {
  it('reads the names once and looks GUIDs up in any case', async () => {
    const r = rig([async () => [CARD]]);
    const lookup = await r.cache.lookupFor(TENANT);
    expect(lookup('50842eb7-edc8-4019-85dd-5a5c1f2bb085')).toBe('CreditCardNumber');
    expect(lookup(CARD.id)).toBe('CreditCardNumber');
    expect(lookup('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    await r.cache.lookupFor(TENANT.toUpperCase());
    expect(r.reads).toEqual([TENANT]);
  });

  it('reads them again after a day, not before', async () => {
    const r = rig([async () => [CARD], async () => [{ ...CARD, name: 'Credit Card Number' }]]);
    await r.cache.lookupFor(TENANT);
    r.advance(23 * HOUR);
    expect((await r.cache.lookupFor(TENANT))(CARD.id)).toBe('CreditCardNumber');
    r.advance(HOUR);
    expect((await r.cache.lookupFor(TENANT))(CARD.id)).toBe('Credit Card Number');
    expect(r.reads).toHaveLength(2);
  });

  it('shares one read between blobs that ask at the same time', async () => {
    let release: (list: DlpSensitiveType[]) => void = () => undefined;
    const r = rig([() => new Promise((resolve) => (release = resolve))]);
    const pending = Promise.all([r.cache.lookupFor(TENANT), r.cache.lookupFor(TENANT)]);
    release([CARD]);
    const [a, b] = await pending;
    expect([a(CARD.id), b(CARD.id)]).toEqual(['CreditCardNumber', 'CreditCardNumber']);
    expect(r.reads).toHaveLength(1);
  });

  it('keeps the names it has when a read fails, logs why, and tries again an hour later', async () => {
    const r = rig([
      async () => [CARD],
      async () => {
        throw new Error('AF10001 missing permission');
      },
      async () => [{ ...CARD, name: 'Renamed' }],
    ]);
    await r.cache.lookupFor(TENANT);
    r.advance(25 * HOUR);
    const stale = await r.cache.lookupFor(TENANT);
    expect(stale(CARD.id)).toBe('CreditCardNumber');
    expect(
      r.logger.lines.some((l) => l.level === 'warn' && l.line.includes('AF10001 missing permission')),
    ).toBe(true);
    r.advance(30 * 60 * 1000);
    await r.cache.lookupFor(TENANT);
    expect(r.reads).toHaveLength(2);
    r.advance(30 * 60 * 1000);
    expect((await r.cache.lookupFor(TENANT))(CARD.id)).toBe('Renamed');
    expect(r.reads).toHaveLength(3);
  });

  it('gives an empty lookup, without throwing, when the first read fails', async () => {
    const r = rig([
      async () => {
        throw new Error('down');
      },
    ]);
    const lookup = await r.cache.lookupFor(TENANT);
    expect(lookup(CARD.id)).toBeUndefined();
  });
});
