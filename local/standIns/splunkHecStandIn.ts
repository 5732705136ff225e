/**
 * An in-process stand-in for Splunk's HTTP Event Collector, built from Splunk's public docs, so the
 * splunk sink runs against it with only SPLUNK_HEC_URL changed:
 *  - `Authorization: Splunk <token>`: missing 401 code 2, other scheme 401 code 3, unknown token
 *    403 code 4, disabled token 403 code 1;
 *  - `POST /services/collector/event` (also `/services/collector`, `/event/1.0`) with one or more
 *    concatenated JSON event objects; `{"text":"Success","code":0}`; a bad event stops the batch
 *    there: the events before it are indexed and the answer names it, e.g.
 *    `{"text":"Invalid data format","code":6,"invalid-event-number":3}` (also codes 12, 13, and 7
 *    for an index the token may not use); empty body 400 code 5; a body over max_content_length 413;
 *  - indexer acknowledgement for tokens that have it: a channel is required (code 10 without,
 *    11 when not a GUID), success answers carry `ackId` (per channel, from 0), and
 *    `POST /services/collector/ack` answers `{"acks":{"<id>":true|false}}`; for other tokens the
 *    ack endpoint answers code 14;
 *  - `GET /services/collector/health` `{"text":"HEC is healthy","code":17}`.
 * Test controls: the next N requests answer 503 code 9 (server busy), events refused by a rule,
 * acknowledgements held back for a number of polls.
 */
import {
  startStandInServer,
  type RecordedStandInRequest,
  type StandInAnswer,
  type StandInRequest,
} from './standInServer';

export const STAND_IN_HEC_TOKEN = '00000000-aaaa-bbbb-cccc-000000000001';
export const STAND_IN_HEC_ACK_TOKEN = '00000000-aaaa-bbbb-cccc-000000000002';

export interface SplunkHecStandInOptions {
  tls?: boolean;
  /** Tokens without acknowledgement (default [STAND_IN_HEC_TOKEN]). */
  tokens?: string[];
  /** Tokens with indexer acknowledgement on (default [STAND_IN_HEC_ACK_TOKEN]). */
  ackTokens?: string[];
  disabledTokens?: string[];
  /** Indexes the tokens may write to; absent: any. */
  allowedIndexes?: string[];
  /** limits.conf [http_input] max_content_length (default 800 MiB, Splunk Enterprise's). */
  maxContentLength?: number;
}

export interface HecStoredEvent {
  time?: number;
  index?: string;
  sourcetype?: string;
  source?: string;
  host?: string;
  event: unknown;
}

export interface SplunkHecStandIn {
  url: string;
  readonly events: readonly HecStoredEvent[];
  readonly requests: readonly RecordedStandInRequest[];
  readonly maxBodyBytesSeen: number;
  /** The next n event requests answer 503 code 9. */
  busyNextRequests(n: number, retryAfterSeconds?: number): void;
  /** A rule refusing an event object for good (answered as code 6 invalid data format). */
  refuseEvents(rule: (event: HecStoredEvent) => boolean): void;
  /** Acknowledgements become true only after this many polls of their id. */
  holdAcksFor(polls: number): void;
  readonly ackPolls: number;
  stop(): Promise<void>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startSplunkHecStandIn(
  options: SplunkHecStandInOptions = {},
): Promise<SplunkHecStandIn> {
  const plain = new Set(options.tokens ?? [STAND_IN_HEC_TOKEN]);
  const withAck = new Set(options.ackTokens ?? [STAND_IN_HEC_ACK_TOKEN]);
  const disabled = new Set(options.disabledTokens ?? []);
  const maxContentLength = options.maxContentLength ?? 838_860_800;
  const events: HecStoredEvent[] = [];
  const channels = new Map<string, { next: number; polls: Map<number, number> }>();
  let busy = { n: 0, retryAfterSeconds: undefined as number | undefined };
  let refuse: (event: HecStoredEvent) => boolean = () => false;
  let holdPolls = 0;
  let ackPolls = 0;

  const hec = (
    status: number,
    code: number,
    text: string,
    extra: Record<string, unknown> = {},
  ): StandInAnswer => ({
    status,
    body: { text, code, ...extra },
  });

  const authorize = (req: StandInRequest): { token: string } | StandInAnswer => {
    const header = req.headers.authorization;
    if (header === undefined) return hec(401, 2, 'Token is required');
    const m = /^Splunk\s+(\S+)$/.exec(String(header));
    if (!m) return hec(401, 3, 'Invalid authorization');
    if (disabled.has(m[1])) return hec(403, 1, 'Token disabled');
    if (!plain.has(m[1]) && !withAck.has(m[1])) return hec(403, 4, 'Invalid token');
    return { token: m[1] };
  };

  const channelOf = (req: StandInRequest): string | undefined => {
    const h = req.headers['x-splunk-request-channel'];
    return (typeof h === 'string' ? h : undefined) ?? req.query.get('channel') ?? undefined;
  };

  const handle = (req: StandInRequest): StandInAnswer => {
    if (req.method === 'GET' && req.path === '/services/collector/health')
      return hec(200, 17, 'HEC is healthy');
    const auth = authorize(req);
    if ('status' in auth) return auth;
    const ack = withAck.has(auth.token);
    const channel = channelOf(req);
    if (req.method === 'POST' && req.path === '/services/collector/ack') {
      if (!ack) return hec(400, 14, 'ACK is disabled');
      if (channel === undefined) return hec(400, 10, 'Data channel is missing');
      const state = channels.get(channel);
      let ids: unknown;
      try {
        ids = (JSON.parse(req.body.toString('utf8')) as { acks?: unknown }).acks;
      } catch {
        return hec(400, 6, 'Invalid data format');
      }
      if (!Array.isArray(ids)) return hec(400, 6, 'Invalid data format');
      ackPolls++;
      const acks: Record<string, boolean> = {};
      for (const id of ids as number[]) {
        const polls = (state?.polls.get(id) ?? -1) + 1;
        state?.polls.set(id, polls);
        acks[String(id)] = state !== undefined && id < state.next && polls >= holdPolls;
      }
      return { status: 200, body: { acks } };
    }
    if (req.method !== 'POST' || !/^\/services\/collector(\/event(\/1\.0)?)?$/.test(req.path)) {
      return hec(404, 404, 'The requested URL was not found on this server.');
    }
    if (ack) {
      if (channel === undefined) return hec(400, 10, 'Data channel is missing');
      if (!GUID.test(channel)) return hec(400, 11, 'Invalid data channel');
    }
    if (busy.n > 0) {
      busy.n--;
      const answer = hec(503, 9, 'Server is busy');
      if (busy.retryAfterSeconds !== undefined)
        answer.headers = { 'Retry-After': String(busy.retryAfterSeconds) };
      return answer;
    }
    const objects = splitConcatenatedJson(req.body.toString('utf8'));
    if (objects.length === 0) return hec(400, 5, 'No data');
    for (let i = 0; i < objects.length; i++) {
      let parsed: HecStoredEvent;
      try {
        parsed = JSON.parse(objects[i]) as HecStoredEvent;
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Error('not an object');
      } catch {
        return hec(400, 6, 'Invalid data format', { 'invalid-event-number': i });
      }
      if (!('event' in parsed)) return hec(400, 12, 'Event field is required', { 'invalid-event-number': i });
      if (parsed.event === '' || parsed.event === null)
        return hec(400, 13, 'Event field cannot be blank', { 'invalid-event-number': i });
      if (
        parsed.index !== undefined &&
        options.allowedIndexes &&
        !options.allowedIndexes.includes(parsed.index)
      ) {
        return hec(400, 7, 'Incorrect index', { 'invalid-event-number': i });
      }
      if (refuse(parsed)) return hec(400, 6, 'Invalid data format', { 'invalid-event-number': i });
      events.push(parsed);
    }
    if (!ack) return hec(200, 0, 'Success');
    let state = channels.get(channel as string);
    if (!state) {
      state = { next: 0, polls: new Map() };
      channels.set(channel as string, state);
    }
    return hec(200, 0, 'Success', { ackId: state.next++ });
  };

  const server = await startStandInServer({
    tls: options.tls ?? true,
    maxBodyBytes: () => maxContentLength,
    tooLarge: (bytes) => ({
      status: 413,
      body: { text: `Content-Length of ${bytes} too large (maximum is ${maxContentLength})`, code: 27 },
    }),
    handle,
  });

  return {
    url: server.url,
    events,
    requests: server.requests,
    get maxBodyBytesSeen() {
      return server.maxBodyBytesSeen;
    },
    busyNextRequests: (n, retryAfterSeconds) => {
      busy = { n, retryAfterSeconds };
    },
    refuseEvents: (rule) => {
      refuse = rule;
    },
    holdAcksFor: (polls) => {
      holdPolls = polls;
    },
    get ackPolls() {
      return ackPolls;
    },
    stop: () => server.close(),
  };
}

/** The texts of concatenated JSON objects (whitespace between them allowed); a broken tail is one last element. */
export function splitConcatenatedJson(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0) {
        // Not an object: the rest is one broken element.
        i = text.length;
        break;
      }
    }
    out.push(text.slice(start, i));
  }
  return out;
}
