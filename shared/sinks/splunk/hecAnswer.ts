/**
 * What HTTP Event Collector answers mean for our events, in one table. HEC answers
 * `{"text":…,"code":N}`; for a batch it stops at the first bad event and says which in
 * `invalid-event-number` (0-based): the events before it are indexed, it is refused, and the ones
 * after it were never looked at, so they go again at once.
 */
import { SinkRequestError } from '../delivery/errors';
import type { ItemOutcome } from '../delivery/model';

export const SINK_NAME = 'splunk';

export interface HecAnswer {
  text?: string;
  code?: number;
  ackId?: number;
  'invalid-event-number'?: number;
}

type Meaning =
  | { kind: 'auth' | 'configuration'; advice: string }
  | { kind: 'throttled' | 'transient' }
  | { kind: 'eventRefused' };

const TOKEN_ADVICE = 'check the token in the Key Vault secret named by SPLUNK_HEC_TOKEN_SECRET_NAME';

/** HEC status codes (Splunk's "Troubleshoot HTTP Event Collector" table). */
export const HEC_CODES: Readonly<Record<number, Meaning>> = {
  1: { kind: 'auth', advice: 'the HEC token is disabled' },
  2: { kind: 'auth', advice: TOKEN_ADVICE },
  3: { kind: 'auth', advice: TOKEN_ADVICE },
  4: { kind: 'auth', advice: TOKEN_ADVICE },
  5: { kind: 'configuration', advice: 'an empty request was sent' },
  6: { kind: 'eventRefused' },
  7: { kind: 'configuration', advice: 'SPLUNK_INDEX names an index this HEC token may not write to' },
  8: { kind: 'transient' },
  9: { kind: 'throttled' },
  10: {
    kind: 'configuration',
    advice: 'the HEC token has indexer acknowledgement on: set SPLUNK_HEC_ACK=true',
  },
  11: { kind: 'configuration', advice: 'the request channel was refused' },
  12: { kind: 'eventRefused' },
  13: { kind: 'eventRefused' },
  14: {
    kind: 'configuration',
    advice:
      'the HEC token has indexer acknowledgement off: set SPLUNK_HEC_ACK=false or turn it on for the token',
  },
  15: { kind: 'eventRefused' },
  16: { kind: 'auth', advice: TOKEN_ADVICE },
  18: { kind: 'throttled' },
  19: { kind: 'throttled' },
  20: { kind: 'throttled' },
  21: { kind: 'auth', advice: TOKEN_ADVICE },
  22: { kind: 'auth', advice: 'the HEC token is disabled' },
};

export function parseHecAnswer(text: string): HecAnswer | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as HecAnswer) : undefined;
  } catch {
    return undefined;
  }
}

export type HecVerdict = { accepted: true; ackId?: number } | { accepted: false; outcomes: ItemOutcome[] };

/** Reads one /services/collector/event answer; throws SinkRequestError for a request failed as a whole. */
export function classifyHecAnswer(
  status: number,
  answer: HecAnswer | undefined,
  events: number,
  retryAfterMs?: number,
): HecVerdict {
  const code = answer?.code;
  if (status >= 200 && status < 300 && (code === undefined || code === 0))
    return { accepted: true, ackId: answer?.ackId };
  const said = `${status}${code !== undefined ? ` code ${code}` : ''} ${answer?.text ?? ''}`.trim();
  const details = { statusCode: status, code: code !== undefined ? String(code) : undefined, retryAfterMs };
  const meaning = code !== undefined ? HEC_CODES[code] : undefined;
  if (meaning?.kind === 'eventRefused') {
    const bad = answer?.['invalid-event-number'];
    // HEC names the event in batches; should it not, the first one is the only safe guess.
    const at = typeof bad === 'number' && bad >= 0 && bad < events ? bad : 0;
    return {
      accepted: false,
      outcomes: Array.from({ length: events }, (_, i): ItemOutcome => {
        if (i < at) return { status: 'done' };
        if (i === at) return { status: 'rejected', reason: said, code: String(code), statusCode: status };
        return {
          status: 'retry',
          cause: 'notProcessed',
          reason: `not processed after event ${at} was refused`,
        };
      }),
    };
  }
  if (meaning?.kind === 'auth' || (!meaning && (status === 401 || status === 403))) {
    return fail(
      'auth',
      `Splunk HEC refused the token (${said}); ${meaning && 'advice' in meaning ? meaning.advice : TOKEN_ADVICE}`,
      details,
    );
  }
  if (meaning?.kind === 'configuration')
    return fail('configuration', `Splunk HEC refused the request (${said}): ${meaning.advice}`, details);
  if (meaning?.kind === 'throttled' || status === 429)
    return fail('throttled', `Splunk HEC is busy (${said})`, details);
  if (status === 413) return fail('tooLarge', `request over max_content_length (${said})`, details);
  if (meaning?.kind === 'transient' || status >= 500)
    return fail('transient', `Splunk HEC failed (${said})`, details);
  return fail('configuration', `Splunk HEC refused the request (${said})`, details);
}

function fail(
  classification: SinkRequestError['classification'],
  message: string,
  details: { statusCode: number; code?: string; retryAfterMs?: number },
): never {
  throw new SinkRequestError(SINK_NAME, classification, message, details);
}
