import fc from 'fast-check';
import { backoffDelayMs, parseRetryAfter, retryWaitMs } from '../../shared/managementApi';
import { halfJitterBackoffMs } from '../../shared/managementApi/retryPolicy';

describe('retry policy', () => {
  const delay = { baseMs: 100, maxMs: 1000 };

  it('draws full jitter below a ceiling that doubles per attempt up to the maximum', () => {
    expect(backoffDelayMs(1, delay, () => 0.5)).toBe(50);
    expect(backoffDelayMs(2, delay, () => 0.5)).toBe(100);
    expect(backoffDelayMs(3, delay, () => 0.5)).toBe(200);
    expect(backoffDelayMs(10, delay, () => 0.5)).toBe(500);
    expect(backoffDelayMs(3, delay, () => 0)).toBe(0);
  });

  it('never exceeds the ceiling for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r) => {
          const wait = backoffDelayMs(attempt, delay, () => r);
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThanOrEqual(Math.min(delay.maxMs, delay.baseMs * 2 ** (attempt - 1)));
        },
      ),
    );
  });

  it('draws half jitter between half the ceiling and the ceiling', () => {
    expect(halfJitterBackoffMs(1, delay, () => 0)).toBe(50);
    expect(halfJitterBackoffMs(1, delay, () => 0.5)).toBe(75);
    expect(halfJitterBackoffMs(3, delay, () => 0)).toBe(200);
    expect(halfJitterBackoffMs(10, delay, () => 0.999999)).toBe(1000);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(delay.maxMs, delay.baseMs * 2 ** (attempt - 1));
          const wait = halfJitterBackoffMs(attempt, delay, () => r);
          expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
          expect(wait).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable Retry-After', () => {
    const now = new Date();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });

  it('honours Retry-After within its cap, and backs off without it', () => {
    const options = { delay, maxRetryAfterMs: 10_000, random: () => 0.5 };
    expect(retryWaitMs(1, 3000, options)).toBe(3000);
    expect(retryWaitMs(1, 3_600_000, options)).toBe(10_000);
    expect(retryWaitMs(2, undefined, options)).toBe(100);
  });
});
