/**
 * Pure evaluation of a tenant's client-secret expiry: given what every source says (Key Vault
 * `expiresOn`, Graph `passwordCredentials[].endDateTime`, a token refusal) and what was already
 * alerted (state kept in Table Storage by the caller), decide which alerts to raise now and the new state.
 *
 * Rules:
 *  - The earliest known expiry wins: the secret dies on the first date any source gives.
 *  - Each threshold (days before expiry) alerts once. Crossing several at once (first run, or a run
 *    after an outage) raises one alert, for the smallest threshold crossed, and records all of them.
 *  - A renewed secret (expiry moved later) un-fires the thresholds no longer crossed, so the next
 *    secret's countdown alerts again.
 *  - Expired: critical, repeated at most once a day until renewed.
 *  - AADSTS7000222 from Entra: critical at once, even when the stored dates disagree (an `--expires`
 *    typed wrong); then at most daily. AADSTS7000215 (secret refused): critical `secretRejected`, same pace.
 *  - A Key Vault secret without an expiry date: a warning, at most once a day.
 *  - Graph not granted: noted once (info), again only after Graph worked in between.
 *  - The secret cannot be read from Key Vault at all: critical `secretUnavailable`, at most daily.
 *
 * Severities: more than 7 days left → warning; 7 days or less → error; 1 day or less, expired or
 * refused → critical.
 *
 * A certificate credential follows the same rules with its own alert kinds (certificateExpiring,
 * certificateExpired, certificateRejected on AADSTS700027, certificateUnavailable); its expiry is the
 * certificate's own notAfter, so it is never without a date.
 */
import type { Alert, AlertKind, AlertSeverity } from '../alerts/model';
import { AADSTS_CERTIFICATE_REJECTED, AADSTS_EXPIRED_SECRET, AADSTS_INVALID_SECRET } from '../entraErrors';

export interface ExpirySource {
  source: 'keyVault' | 'graph' | 'tokenFailure' | 'certificateFile';
  expiresOn?: Date;
  detail?: string;
}

export interface ExpiryState {
  /** Thresholds (days) already alerted for the current expiry date. */
  firedThresholds: number[];
  lastExpiredAlertAt?: string;
  missingExpiryWarnedAt?: string;
  graphNotGrantedNotedAt?: string;
  lastRejectedAlertAt?: string;
  lastUnavailableAlertAt?: string;
}

export interface ExpiryEvaluationInput {
  tenantId: string;
  /** What expires: the client secret (default) or the certificate; picks the alert kinds and wording. */
  credential?: 'secret' | 'certificate';
  now: Date;
  /** Days, any order; SECRET_EXPIRY_THRESHOLDS_DAYS. */
  thresholdsDays: readonly number[];
  sources: ExpirySource[];
  state: ExpiryState | undefined;
  /** The Key Vault secret was read and carries no expiry date. */
  keyVaultHasNoExpiry?: boolean;
  /** An AADSTS code from a token request since the last evaluation. */
  tokenFailureCode?: string;
  /** Graph said no (missing Application.Read.All); the detail says why. Absent: Graph worked or was not asked. */
  graphNotGranted?: { detail: string };
  /** Graph answered this run (clears an earlier not-granted note). */
  graphChecked?: boolean;
  /** The secret could not be read from its store (not found, disabled, no access). */
  secretUnavailable?: { reason: string; detail: string; code?: string };
}

export interface ExpiryEvaluation {
  alerts: Alert[];
  state: ExpiryState;
  /** Whole and fractional days until the earliest expiry; negative once expired. */
  daysLeft?: number;
  earliestExpiry?: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const CRITICAL_DAYS = 1;
export const ERROR_DAYS = 7;

export function severityForDaysLeft(daysLeft: number): AlertSeverity {
  if (daysLeft <= CRITICAL_DAYS) return 'critical';
  if (daysLeft <= ERROR_DAYS) return 'error';
  return 'warning';
}

interface CredentialWording {
  noun: string;
  renew: string;
  kinds: { expiring: AlertKind; expired: AlertKind; unavailable: AlertKind };
}

const WORDING: Readonly<Record<'secret' | 'certificate', CredentialWording>> = {
  secret: {
    noun: 'client secret',
    renew: 'create a new one and store it in Key Vault',
    kinds: { expiring: 'secretExpiring', expired: 'secretExpired', unavailable: 'secretUnavailable' },
  },
  certificate: {
    noun: 'certificate',
    renew: "renew it in Key Vault and upload the new certificate's public key to the app registration",
    kinds: {
      expiring: 'certificateExpiring',
      expired: 'certificateExpired',
      unavailable: 'certificateUnavailable',
    },
  },
};

export function evaluateSecretExpiry(input: ExpiryEvaluationInput): ExpiryEvaluation {
  const { tenantId, now } = input;
  const wording = WORDING[input.credential ?? 'secret'];
  const prior = input.state ?? { firedThresholds: [] };
  const state: ExpiryState = { ...prior, firedThresholds: [...prior.firedThresholds] };
  const alerts: Alert[] = [];
  const at = now.toISOString();
  const dueDaily = (last: string | undefined): boolean =>
    last === undefined || Number.isNaN(Date.parse(last)) || now.getTime() - Date.parse(last) >= DAY_MS;

  const dated = input.sources.filter((s): s is ExpirySource & { expiresOn: Date } =>
    isValidDate(s.expiresOn),
  );
  const earliestSource = dated.reduce<(typeof dated)[number] | undefined>(
    (min, s) => (min === undefined || s.expiresOn.getTime() < min.expiresOn.getTime() ? s : min),
    undefined,
  );
  const earliestExpiry = earliestSource?.expiresOn;
  const daysLeft = earliestExpiry ? (earliestExpiry.getTime() - now.getTime()) / DAY_MS : undefined;
  const sourceDetails = {
    expiresOn: earliestExpiry?.toISOString(),
    expirySource: earliestSource?.source,
    sources: dated.map((s) => ({ source: s.source, expiresOn: s.expiresOn.toISOString(), detail: s.detail })),
  };

  let expiredAlerted = false;
  if (input.tokenFailureCode === AADSTS_EXPIRED_SECRET) {
    if (state.lastExpiredAlertAt === undefined || dueDaily(state.lastExpiredAlertAt)) {
      alerts.push({
        severity: 'critical',
        kind: 'secretExpired',
        tenantId,
        message:
          'Entra refused the client secret as expired (AADSTS7000222): no audit content can be fetched ' +
          'until a new secret is created and stored in Key Vault',
        details: { aadstsCode: AADSTS_EXPIRED_SECRET, ...sourceDetails, daysLeft: round(daysLeft) },
        at,
      });
      state.lastExpiredAlertAt = at;
    }
    expiredAlerted = true;
  } else if (input.credential === 'certificate' && input.tokenFailureCode === AADSTS_CERTIFICATE_REJECTED) {
    if (dueDaily(state.lastRejectedAlertAt)) {
      alerts.push({
        severity: 'critical',
        kind: 'certificateRejected',
        tenantId,
        message:
          'Entra refused the certificate (AADSTS700027), also after re-reading Key Vault: its public key is not ' +
          "(or no longer) on the app registration, or it expired there: upload the current certificate's public key",
        details: { aadstsCode: AADSTS_CERTIFICATE_REJECTED, ...sourceDetails },
        at,
      });
      state.lastRejectedAlertAt = at;
    }
  } else if (input.tokenFailureCode === AADSTS_INVALID_SECRET) {
    if (dueDaily(state.lastRejectedAlertAt)) {
      alerts.push({
        severity: 'critical',
        kind: 'secretRejected',
        tenantId,
        message:
          'Entra refused the client secret as invalid (AADSTS7000215), also after re-reading Key Vault: ' +
          'store the secret value (not its id) of a current secret of the app',
        details: { aadstsCode: AADSTS_INVALID_SECRET },
        at,
      });
      state.lastRejectedAlertAt = at;
    }
  }

  if (daysLeft !== undefined) {
    const thresholds = [...new Set(input.thresholdsDays)].filter((t) => t > 0).sort((a, b) => a - b);
    if (daysLeft <= 0) {
      if (!expiredAlerted && dueDaily(state.lastExpiredAlertAt)) {
        alerts.push({
          severity: 'critical',
          kind: wording.kinds.expired,
          tenantId,
          message: `The ${wording.noun} expired on ${earliestExpiry!.toISOString()}: ${wording.renew}`,
          details: { ...sourceDetails, daysLeft: round(daysLeft) },
          at,
        });
        state.lastExpiredAlertAt = at;
      }
      state.firedThresholds = thresholds;
    } else {
      const crossed = thresholds.filter((t) => daysLeft <= t);
      // A renewal moves the expiry out: thresholds no longer crossed may fire again for the new secret.
      const stillFired = state.firedThresholds.filter((t) => daysLeft <= t);
      const smallest = crossed[0];
      if (smallest !== undefined && !stillFired.includes(smallest)) {
        const whole = Math.max(0, Math.floor(daysLeft));
        alerts.push({
          severity: severityForDaysLeft(daysLeft),
          kind: wording.kinds.expiring,
          tenantId,
          message:
            `The ${wording.noun} expires in ${whole} day${whole === 1 ? '' : 's'} ` +
            `(${earliestExpiry!.toISOString()}): ${wording.renew} before then`,
          details: { ...sourceDetails, daysLeft: round(daysLeft), thresholdDays: smallest },
          at,
        });
      }
      state.firedThresholds = [...new Set([...stillFired, ...crossed])].sort((a, b) => b - a);
      if (!expiredAlerted) delete state.lastExpiredAlertAt;
    }
  }

  if (input.secretUnavailable) {
    if (dueDaily(state.lastUnavailableAlertAt)) {
      alerts.push({
        severity: 'critical',
        kind: wording.kinds.unavailable,
        tenantId,
        message: `The ${wording.noun} cannot be read: ${input.secretUnavailable.detail}`,
        details: { reason: input.secretUnavailable.reason, keyVaultCode: input.secretUnavailable.code },
        at,
      });
      state.lastUnavailableAlertAt = at;
    }
  } else {
    delete state.lastUnavailableAlertAt;
  }

  if (input.keyVaultHasNoExpiry) {
    if (dueDaily(state.missingExpiryWarnedAt)) {
      alerts.push({
        severity: 'warning',
        kind: 'secretWithoutExpiry',
        tenantId,
        message:
          'The Key Vault secret has no expiry date, so its expiry cannot be watched from the vault: ' +
          'set it with az keyvault secret set-attributes --expires <the date shown in Entra>',
        details: { ...sourceDetails },
        at,
      });
      state.missingExpiryWarnedAt = at;
    }
  } else {
    delete state.missingExpiryWarnedAt;
  }

  if (input.graphNotGranted) {
    if (state.graphNotGrantedNotedAt === undefined) {
      alerts.push({
        severity: 'info',
        kind: 'graphNotGranted',
        tenantId,
        message:
          'Microsoft Graph refused to list the app’s secrets (Application.Read.All not granted); the expiry ' +
          'check goes on with Key Vault and token failures only',
        details: { reason: input.graphNotGranted.detail },
        at,
      });
      state.graphNotGrantedNotedAt = at;
    }
  } else if (input.graphChecked) {
    delete state.graphNotGrantedNotedAt;
  }

  return { alerts, state, daysLeft, earliestExpiry };
}

function isValidDate(d: Date | undefined): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime());
}

function round(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.round(n * 100) / 100;
}
