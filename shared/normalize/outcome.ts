/**
 * `event.outcome`, decided in one place by the table below (first matching rule wins).
 *
 * Most records carry no ResultStatus at all: they describe an operation that happened, so the
 * default is success. Entra sign-ins are the trap: their ResultStatus only says the HTTP exchange
 * worked, so a wrong password can read "Succeeded"; the real result is in the operation name
 * (UserLoginFailed), ErrorCode (0 = success) and LogonError. DLP records report a detection, which
 * happened whether or not the activity was blocked; the block is kept in `o365.dlp.blocked`.
 */
import { asInteger, asString, JsonObject } from './values';

export type EventOutcome = 'success' | 'failure' | 'unknown';

export interface OutcomeDecision {
  outcome: EventOutcome;
  /** The AADSTS number, LoginStatus or ErrorCode when the operation failed. */
  errorCode?: string;
  /** LogonError, the human-readable reason. */
  reason?: string;
  /** Which rule of the table decided, for tests and for readers of the code. */
  rule: OutcomeRuleName;
}

export type OutcomeRuleName =
  | 'dlpDetection'
  | 'failedOperation'
  | 'errorField'
  | 'successCode'
  | 'resultStatus'
  | 'unrecognizedResultStatus'
  | 'happened';

const SUCCESS = new Set(['succeeded', 'success', 'partiallysucceeded', 'true']);
const FAILURE = new Set(['failed', 'failure', 'false']);
/** ErrorCode and LogonError texts seen on successful operations, which are not errors. */
const NO_ERROR = new Set(['', '0', 'none', 'success', 'null', 'noerror']);

/** Operation names are short; a longer value is not one and is not scanned. */
const MAX_OPERATION_CHARS = 256;

export function outcomeFromResultStatus(value: unknown): 'success' | 'failure' | undefined {
  const s = asString(value);
  if (s === undefined || s.length > 64) return undefined;
  const key = s.toLowerCase().replace(/ /g, '');
  if (SUCCESS.has(key)) return 'success';
  if (FAILURE.has(key)) return 'failure';
  return undefined;
}

interface Signals {
  operation: string;
  errorCode?: string;
  logonError?: string;
  loginStatus?: number;
  /** ErrorCode 0 or LoginStatus 0: the sign-in says it succeeded. */
  successCode: boolean;
  resultStatus?: string;
}

function signalsOf(record: JsonObject, recordType: number | undefined): Signals {
  const operation = asString(record.Operation) ?? '';
  const code = asString(record.ErrorCode);
  const logonError = asString(record.LogonError);
  // LoginStatus belongs to legacy account logons (RecordType 9); elsewhere it is not documented.
  const loginStatus = recordType === 9 ? asInteger(record.LoginStatus) : undefined;
  return {
    operation: operation.length > MAX_OPERATION_CHARS ? '' : operation.toLowerCase(),
    errorCode: code === undefined || NO_ERROR.has(code.toLowerCase()) ? undefined : code,
    logonError: logonError === undefined || NO_ERROR.has(logonError.toLowerCase()) ? undefined : logonError,
    loginStatus,
    successCode: (code !== undefined && asInteger(code) === 0) || loginStatus === 0,
    resultStatus: asString(record.ResultStatus),
  };
}

function failure(s: Signals, rule: OutcomeRuleName): OutcomeDecision {
  const decision: OutcomeDecision = { outcome: 'failure', rule };
  const code =
    s.errorCode ?? (s.loginStatus !== undefined && s.loginStatus !== 0 ? String(s.loginStatus) : undefined);
  if (code !== undefined) decision.errorCode = code.replace(/^AADSTS/i, '');
  if (s.logonError !== undefined) decision.reason = s.logonError;
  return decision;
}

/** The table. Each rule answers, or passes (undefined) to the next one. */
const RULES: readonly ((s: Signals) => OutcomeDecision | undefined)[] = [
  // DlpRuleMatch, DlpRuleUndo, DlpInfo: the detection (or its undo) is what the record reports.
  (s) => (s.operation.startsWith('dlp') ? { outcome: 'success', rule: 'dlpDetection' } : undefined),
  // UserLoginFailed, and any other "...Failed" operation, failed whatever ResultStatus says.
  (s) => (s.operation.includes('failed') ? failure(s, 'failedOperation') : undefined),
  // A non-zero ErrorCode or LoginStatus, or a LogonError, is an explicit failure.
  (s) =>
    s.errorCode !== undefined ||
    s.logonError !== undefined ||
    (s.loginStatus !== undefined && s.loginStatus !== 0)
      ? failure(s, 'errorField')
      : undefined,
  // ErrorCode 0 / LoginStatus 0 is the sign-in's own success signal; it outranks ResultStatus.
  (s) => (s.successCode ? { outcome: 'success', rule: 'successCode' } : undefined),
  (s) => {
    if (s.resultStatus === undefined) return undefined;
    const outcome = outcomeFromResultStatus(s.resultStatus);
    return outcome === undefined
      ? { outcome: 'unknown', rule: 'unrecognizedResultStatus' }
      : { outcome, rule: 'resultStatus' };
  },
  () => ({ outcome: 'success', rule: 'happened' }),
];

export function recordOutcome(record: JsonObject, recordType: number | undefined): OutcomeDecision {
  const signals = signalsOf(record, recordType);
  for (const rule of RULES) {
    const decision = rule(signals);
    if (decision !== undefined) return decision;
  }
  return { outcome: 'success', rule: 'happened' };
}
