import { normalizeRecord } from '../../shared/normalize';
import { daysInMonth, parseUtcTimestamp } from '../../shared/normalize/time';

describe('the suite time zone', () => {
  it('is not UTC, so a zoneless time read as local time would show here', () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('America/New_York');
    // 2024-01-15 00:00 local is 05:00 UTC in New York (EST, UTC-5).
    expect(new Date(2024, 0, 15).toISOString()).toBe('2024-01-15T05:00:00.000Z');
  });
});

describe('parseUtcTimestamp', () => {
  it.each([
    ['2024-02-29T10:00:00', '2024-02-29T10:00:00.000Z'],
    ['2000-02-29T00:00:00', '2000-02-29T00:00:00.000Z'],
    ['2023-02-28T23:59:59', '2023-02-28T23:59:59.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2024-02-29 10:00:00', '2024-02-29T10:00:00.000Z'],
    ['2024-02-29T10:00:00.1234567', '2024-02-29T10:00:00.123Z'],
    ['2024-02-29T01:00:00+02:00', '2024-02-28T23:00:00.000Z'],
    ['2024-12-31T23:30:00-0100', '2025-01-01T00:30:00.000Z'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
  ])('reads %p as %p, in UTC whatever the local zone', (text, iso) => {
    expect(parseUtcTimestamp(text)).toBe(iso);
  });

  it.each([
    '2023-02-29T10:00:00',
    '1900-02-29T00:00:00',
    '2023-02-29',
    '2023-02-29 10:00:00',
    '2023-02-29T10:00:00.5',
    '2023-02-29T10:00:00Z',
    '2024-02-30T00:00:00',
    '2024-04-31T00:00:00',
    '2024-06-31',
    '2024-13-01T00:00:00',
    '2024-01-01T24:00:00',
    '2024-01-01T10:00:00+24:00',
  ])('refuses %p rather than roll it into the next month or day', (text) => {
    expect(parseUtcTimestamp(text)).toBeUndefined();
  });

  it('knows the length of February in leap years, and of every other month', () => {
    expect([2023, 2024, 1900, 2000].map((y) => daysInMonth(y, 2))).toEqual([28, 29, 28, 29]);
    expect([1, 3, 4, 6, 9, 11, 12].map((m) => daysInMonth(2024, m))).toEqual([31, 31, 30, 30, 30, 30, 31]);
  });

  it('leaves @timestamp out for a day the month does not have', () => {
    const result = normalizeRecord({ Id: 't-1', CreationTime: '2023-02-29T12:00:00' });
    expect(result.ok && result.event['@timestamp']).toBeUndefined();
  });
});
