import { evaluateSecretExpiry, severityForDaysLeft, type ExpiryState } from '../../shared/secrets/expiry';

const TENANT = '11111111-2222-3333-4444-555555555555';
const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2030-06-01T00:00:00Z');
const THRESHOLDS = [30, 14, 7, 1];
const at = (days: number): Date => new Date(T0.getTime() + days * DAY);

/** Runs the evaluation once a day from `from` to `to` (inclusive) with a fixed expiry, carrying state. */
function daily(expiresOn: Date, from: number, to: number, state?: ExpiryState) {
  const fired: { day: number; severity: string; kind: string; threshold: unknown }[] = [];
  let s = state;
  for (let day = from; day <= to; day += 1) {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: at(day),
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'keyVault', expiresOn }],
      state: s,
    });
    s = r.state;
    for (const a of r.alerts)
      fired.push({ day, severity: a.severity, kind: a.kind, threshold: a.details?.thresholdDays });
  }
  return { fired, state: s! };
}

describe('evaluateSecretExpiry', () => {
  it('fires each threshold exactly once while the expiry approaches, with rising severity', () => {
    const { fired } = daily(at(40), 0, 39);
    expect(fired).toEqual([
      { day: 10, severity: 'warning', kind: 'secretExpiring', threshold: 30 },
      { day: 26, severity: 'warning', kind: 'secretExpiring', threshold: 14 },
      { day: 33, severity: 'error', kind: 'secretExpiring', threshold: 7 },
      { day: 39, severity: 'critical', kind: 'secretExpiring', threshold: 1 },
    ]);
  });

  it('fires nothing when the expiry is beyond every threshold', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'keyVault', expiresOn: at(31) }],
      state: undefined,
    });
    expect(r.alerts).toEqual([]);
    expect(r.state.firedThresholds).toEqual([]);
    expect(r.daysLeft).toBeCloseTo(31);
  });

  it('fires only the smallest threshold when several are crossed at once, and records all as fired', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'keyVault', expiresOn: at(5) }],
      state: undefined,
    });
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]).toMatchObject({ kind: 'secretExpiring', severity: 'error', tenantId: TENANT });
    expect(r.alerts[0].details).toMatchObject({ thresholdDays: 7 });
    expect(r.alerts[0].message).toContain('5 days');
    expect(r.state.firedThresholds).toEqual([30, 14, 7]);
    const again = evaluateSecretExpiry({
      tenantId: TENANT,
      now: at(0.5),
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'keyVault', expiresOn: at(5) }],
      state: r.state,
    });
    expect(again.alerts).toEqual([]);
  });

  it('uses the earliest expiry of all sources', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [
        { source: 'keyVault', expiresOn: at(100) },
        { source: 'graph', expiresOn: at(10), detail: 'keyId 1234' },
      ],
      state: undefined,
    });
    expect(r.earliestExpiry).toEqual(at(10));
    expect(r.alerts[0].details).toMatchObject({ thresholdDays: 14, expirySource: 'graph' });
  });

  it('resets the fired thresholds when the secret is renewed, so the next countdown alerts again', () => {
    const first = daily(at(40), 0, 35);
    expect(first.state.firedThresholds).toEqual([30, 14, 7]);
    // Renewed on day 35 for another year.
    const renewedExpiry = at(35 + 365);
    const renewed = daily(renewedExpiry, 36, 36, first.state);
    expect(renewed.fired).toEqual([]);
    expect(renewed.state.firedThresholds).toEqual([]);
    const next = daily(renewedExpiry, 36 + 365 - 31, 36 + 365 - 29, renewed.state);
    expect(next.fired.map((f) => f.threshold)).toEqual([30]);
  });

  it('keeps only the thresholds still crossed when a renewal moves the expiry a little', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'keyVault', expiresOn: at(20) }],
      state: { firedThresholds: [30, 14, 7] },
    });
    expect(r.alerts).toEqual([]);
    expect(r.state.firedThresholds).toEqual([30]);
  });

  it('alerts critical once the secret has expired, then at most once a day', () => {
    const { fired } = daily(at(2), 3, 5);
    expect(fired.map((f) => [f.day, f.kind, f.severity])).toEqual([
      [3, 'secretExpired', 'critical'],
      [4, 'secretExpired', 'critical'],
      [5, 'secretExpired', 'critical'],
    ]);
    const first = evaluateSecretExpiry({
      tenantId: TENANT,
      now: at(3),
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'keyVault', expiresOn: at(2) }],
      state: undefined,
    });
    const sameDay = evaluateSecretExpiry({
      tenantId: TENANT,
      now: new Date(at(3).getTime() + 23 * 60 * 60 * 1000),
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'keyVault', expiresOn: at(2) }],
      state: first.state,
    });
    expect(first.alerts).toHaveLength(1);
    expect(sameDay.alerts).toEqual([]);
  });

  it('alerts critical at once on AADSTS7000222 even when the stored date says the secret is fine', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'keyVault', expiresOn: at(200) }],
      state: { firedThresholds: [] },
      tokenFailureCode: 'AADSTS7000222',
    });
    expect(r.alerts).toEqual([
      expect.objectContaining({
        severity: 'critical',
        kind: 'secretExpired',
        details: expect.objectContaining({ aadstsCode: 'AADSTS7000222' }),
      }),
    ]);
    const soonAfter = evaluateSecretExpiry({
      tenantId: TENANT,
      now: at(0.1),
      thresholdsDays: THRESHOLDS,
      sources: [],
      state: r.state,
      tokenFailureCode: 'AADSTS7000222',
    });
    expect(soonAfter.alerts).toEqual([]);
  });

  it('alerts critical secretRejected on AADSTS7000215, at most daily', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [],
      state: undefined,
      tokenFailureCode: 'AADSTS7000215',
    });
    expect(r.alerts.map((a) => [a.kind, a.severity])).toEqual([['secretRejected', 'critical']]);
    const later = evaluateSecretExpiry({
      tenantId: TENANT,
      now: at(1),
      thresholdsDays: THRESHOLDS,
      sources: [],
      state: r.state,
      tokenFailureCode: 'AADSTS7000215',
    });
    expect(later.alerts).toHaveLength(1);
  });

  it('ignores token failure codes that say nothing about the secret', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [],
      state: undefined,
      tokenFailureCode: 'AADSTS700016',
    });
    expect(r.alerts).toEqual([]);
  });

  it('warns about a Key Vault secret without an expiry date at most once a day', () => {
    const input = { tenantId: TENANT, thresholdsDays: THRESHOLDS, sources: [], keyVaultHasNoExpiry: true };
    const first = evaluateSecretExpiry({ ...input, now: T0, state: undefined });
    const hourLater = evaluateSecretExpiry({ ...input, now: at(1 / 24), state: first.state });
    const dayLater = evaluateSecretExpiry({ ...input, now: at(1), state: hourLater.state });
    expect(first.alerts.map((a) => [a.kind, a.severity])).toEqual([['secretWithoutExpiry', 'warning']]);
    expect(hourLater.alerts).toEqual([]);
    expect(dayLater.alerts).toHaveLength(1);
  });

  it('still counts down from the Graph date when the Key Vault secret has no expiry', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'graph', expiresOn: at(3) }],
      state: undefined,
      keyVaultHasNoExpiry: true,
    });
    expect(r.alerts.map((a) => a.kind).sort()).toEqual(['secretExpiring', 'secretWithoutExpiry']);
  });

  it('notes once that Graph is not granted, and again only after Graph worked in between', () => {
    const base = { tenantId: TENANT, thresholdsDays: THRESHOLDS, sources: [] };
    const denied = { graphNotGranted: { detail: 'Authorization_RequestDenied' } };
    const first = evaluateSecretExpiry({ ...base, ...denied, now: T0, state: undefined });
    const second = evaluateSecretExpiry({ ...base, ...denied, now: at(5), state: first.state });
    const worked = evaluateSecretExpiry({ ...base, graphChecked: true, now: at(6), state: second.state });
    const deniedAgain = evaluateSecretExpiry({ ...base, ...denied, now: at(7), state: worked.state });
    expect(first.alerts.map((a) => [a.kind, a.severity])).toEqual([['graphNotGranted', 'info']]);
    expect(second.alerts).toEqual([]);
    expect(deniedAgain.alerts).toHaveLength(1);
  });

  it('ignores an invalid date from a source instead of failing', () => {
    const r = evaluateSecretExpiry({
      tenantId: TENANT,
      now: T0,
      thresholdsDays: THRESHOLDS,
      sources: [{ source: 'graph', expiresOn: new Date('not a date') }],
      state: undefined,
    });
    expect(r.alerts).toEqual([]);
    expect(r.earliestExpiry).toBeUndefined();
  });

  it.each([
    [30, 'warning'],
    [7.5, 'warning'],
    [7, 'error'],
    [1.5, 'error'],
    [1, 'critical'],
    [0.2, 'critical'],
  ])('rates %d days left as %s', (days, severity) => {
    expect(severityForDaysLeft(days)).toBe(severity);
  });
});

describe('evaluateSecretExpiry when the secret cannot be read', () => {
  it('alerts critical secretUnavailable at most daily, and again after it was readable in between', () => {
    const base = { tenantId: TENANT, thresholdsDays: THRESHOLDS, sources: [] };
    const gone = {
      secretUnavailable: {
        reason: 'notFound',
        detail: 'Key Vault secret "x" does not exist',
        code: 'SecretNotFound',
      },
    };
    const first = evaluateSecretExpiry({ ...base, ...gone, now: T0, state: undefined });
    const hourLater = evaluateSecretExpiry({ ...base, ...gone, now: at(1 / 24), state: first.state });
    const readable = evaluateSecretExpiry({ ...base, now: at(2 / 24), state: hourLater.state });
    const goneAgain = evaluateSecretExpiry({ ...base, ...gone, now: at(3 / 24), state: readable.state });
    expect(first.alerts).toEqual([
      expect.objectContaining({
        severity: 'critical',
        kind: 'secretUnavailable',
        details: { reason: 'notFound', keyVaultCode: 'SecretNotFound' },
      }),
    ]);
    expect(hourLater.alerts).toEqual([]);
    expect(goneAgain.alerts).toHaveLength(1);
  });
});
