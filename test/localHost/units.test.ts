import {
  HostJsonError,
  parseTimeSpanMs,
  queueSettings,
  readRepoHostJsonQueues,
} from '../../local/host/hostJson';
import { hasValidFunctionKey, routeRequest } from '../../local/host/httpRoutes';
import { decodeMessageText, messageValue, QueueMessageDecodeError } from '../../local/host/queueMessage';
import { nextOccurrence, parseSchedule, TimerScheduleError } from '../../local/host/timerSchedule';
import type { HttpFunctionDefinition } from '../../functions/definition';
import path from 'node:path';

describe('host.json queue settings', () => {
  it('applies the Functions host defaults to an empty section', () => {
    expect(queueSettings({})).toEqual({
      batchSize: 16,
      newBatchThreshold: 8,
      maxDequeueCount: 5,
      visibilityTimeoutMs: 0,
      maxPollingIntervalMs: 60000,
      messageEncoding: 'base64',
    });
  });

  it('reads time spans with days and fractions', () => {
    expect(parseTimeSpanMs('00:00:30')).toBe(30000);
    expect(parseTimeSpanMs('1.02:03:04.5')).toBe((((24 + 2) * 60 + 3) * 60 + 4) * 1000 + 500);
  });

  it('rejects a time span that is not hh:mm:ss', () => {
    expect(() => parseTimeSpanMs('30s')).toThrow(HostJsonError);
    expect(() => queueSettings({ visibilityTimeout: 'soon' })).toThrow('"soon" is not a time span');
  });

  it('rejects a batchSize above 32 and an unknown encoding, naming the field', () => {
    expect(() => queueSettings({ batchSize: 64 })).toThrow(/batchSize/);
    expect(() => queueSettings({ messageEncoding: 'utf8' as 'none' })).toThrow(/messageEncoding/);
  });

  it('rejects a maxPollingInterval under 100 ms', () => {
    expect(() => queueSettings({ maxPollingInterval: '00:00:00.05' })).toThrow(/at least 100 ms/);
  });

  it('keeps newBatchThreshold below batchSize so a batch is always fetched', () => {
    expect(queueSettings({ batchSize: 1 }).newBatchThreshold).toBe(0);
    expect(queueSettings({ batchSize: 4, newBatchThreshold: 10 }).newBatchThreshold).toBe(3);
  });

  it("reads the repository's host.json queues section", () => {
    const queues = readRepoHostJsonQueues(path.join(__dirname, '..', '..', 'local', 'host'));
    expect(queueSettings(queues).batchSize).toBe(queues.batchSize ?? 16);
    expect(typeof queues.maxDequeueCount).toBe('number');
  });
});

describe('queue message decoding', () => {
  it('decodes base64 and then JSON', () => {
    const text = Buffer.from('{"a":[1,2]}').toString('base64');
    expect(messageValue(decodeMessageText(text, 'base64'))).toEqual({ a: [1, 2] });
  });

  it('keeps text that is not JSON as a string', () => {
    expect(messageValue('hello')).toBe('hello');
  });

  it('rejects text that is not base64 when the encoding is base64', () => {
    expect(() => decodeMessageText('{"x":1}', 'base64')).toThrow(QueueMessageDecodeError);
  });

  it('leaves text untouched when the encoding is none', () => {
    expect(decodeMessageText('{"x":1}', 'none')).toBe('{"x":1}');
  });
});

describe('http routing', () => {
  const handler = async () => ({});
  const definitions: HttpFunctionDefinition[] = [
    { kind: 'http', name: 'webhook', route: 'webhook', methods: ['POST'], authLevel: 'anonymous', handler },
    {
      kind: 'http',
      name: 'item',
      route: 'items/{id}',
      methods: ['GET', 'DELETE'],
      authLevel: 'function',
      handler,
    },
  ];

  it('matches routes case-insensitively under /api', () => {
    const decision = routeRequest(definitions, 'post', '/API/WebHook');
    expect(decision.kind === 'matched' && decision.definition.name).toBe('webhook');
  });

  it('decodes route parameters', () => {
    const decision = routeRequest(definitions, 'GET', '/api/items/a%20b');
    expect(decision.kind === 'matched' && decision.params).toEqual({ id: 'a b' });
  });

  it('reports the allowed methods of a known route', () => {
    expect(routeRequest(definitions, 'PUT', '/api/items/1')).toEqual({
      kind: 'methodNotAllowed',
      allow: ['GET', 'DELETE'],
    });
  });

  it('does not match outside the route prefix, extra segments or malformed escapes', () => {
    expect(routeRequest(definitions, 'POST', '/webhook').kind).toBe('notFound');
    expect(routeRequest(definitions, 'GET', '/api/items/1/2').kind).toBe('notFound');
    expect(routeRequest(definitions, 'GET', '/api/items/%E0%A4%A').kind).toBe('notFound');
  });

  it('accepts the key from either place and nothing else', () => {
    expect(hasValidFunctionKey('k1', 'k1', null)).toBe(true);
    expect(hasValidFunctionKey('k1', undefined, 'k1')).toBe(true);
    expect(hasValidFunctionKey('k1', 'k2', 'k11')).toBe(false);
    expect(hasValidFunctionKey('k1', '', null)).toBe(false);
  });
});

describe('NCRONTAB schedules', () => {
  it('reads six fields with seconds first, in UTC', () => {
    const next = nextOccurrence('t', '0 */15 * * * *', new Date('2024-03-31T00:59:59.000Z'));
    expect(next.toISOString()).toBe('2024-03-31T01:00:00.000Z');
  });

  it('rejects five-field cron and nonsense with the function name', () => {
    expect(() => parseSchedule('keeper', '*/5 * * * *')).toThrow(TimerScheduleError);
    expect(() => parseSchedule('keeper', '99 * * * * *')).toThrow(/keeper/);
  });
});
