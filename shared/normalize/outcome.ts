/**
 * `event.outcome`. ResultStatus comes in many spellings (Succeeded, Success, success,
 * PartiallySucceeded, Failed, failed, and True/False for Exchange admin cmdlets). Entra sign-ins
 * are the trap: their ResultStatus only says the HTTP exchange worked, so a wrong password can read
 * "Succeeded"; the real result is in ErrorCode (0 = success) and LogonError.
 */
import { asInteger, asString } from './values';

export type EventOutcome = 'success' | 'failure' | 'unknown';

const SUCCESS = new Set(['succeeded', 'success', 'partiallysucceeded', 'true']);
const FAILURE = new Set(['failed', 'failure', 'false']);
/** LogonError texts seen on successful sign-ins, which are not errors. */
const NO_ERROR = new Set(['', 'none', 'success', 'null']);

export function outcomeFromResultStatus(value: unknown): EventOutcome | undefined {
  const s = asString(value)?.toLowerCase();
  if (s === undefined) return undefined;
  if (SUCCESS.has(s)) return 'success';
  if (FAILURE.has(s)) return 'failure';
  return undefined;
}

export interface SignInResult {
  outcome?: EventOutcome;
  /** The AADSTS number (or the legacy LoginStatus) when the sign-in failed. */
  errorCode?: string;
  /** LogonError, the human-readable reason. */
  reason?: string;
}

/** Entra STS logon (RecordType 15): ErrorCode, then LogonError, then the operation name. */
export function stsSignInResult(record: Record<string, unknown>): SignInResult {
  const logonError = asString(record.LogonError);
  const hasLogonError = logonError !== undefined && !NO_ERROR.has(logonError.toLowerCase());
  const codeText = asString(record.ErrorCode);
  const code = asInteger(record.ErrorCode);
  const reason = hasLogonError ? logonError : undefined;
  if (codeText !== undefined) {
    if (code === 0) return { outcome: 'success' };
    return { outcome: 'failure', errorCode: codeText.replace(/^AADSTS/i, ''), reason };
  }
  if (hasLogonError) return { outcome: 'failure', reason };
  const op = asString(record.Operation)?.toLowerCase();
  if (op === 'userloginfailed') return { outcome: 'failure' };
  return { outcome: outcomeFromResultStatus(record.ResultStatus) };
}

/** Legacy account logon (RecordType 9): LoginStatus 0 is success, anything else a failure code. */
export function legacySignInResult(record: Record<string, unknown>): SignInResult {
  const status = asInteger(record.LoginStatus);
  if (status === 0) return { outcome: 'success' };
  if (status !== undefined) return { outcome: 'failure', errorCode: String(status) };
  return { outcome: outcomeFromResultStatus(record.ResultStatus) };
}
