/**
 * A function is defined once — name, trigger, handler — and registered twice: with @azure/functions
 * `app.*` when the Functions host loads us (see index.ts), and with the in-process local host that
 * `npm start` and the end-to-end tests use. The handler code is the same in both.
 */
import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';

export interface HttpFunctionDefinition {
  kind: 'http';
  name: string;
  /** Route under /api, e.g. "webhook". */
  route: string;
  methods: HttpMethod[];
  authLevel: 'anonymous' | 'function';
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
}

export interface QueueFunctionDefinition {
  kind: 'queue';
  name: string;
  queueName: string;
  /** The decoded message body, as the Functions host hands it over (object when JSON, else string). */
  handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

export interface TimerFunctionDefinition {
  kind: 'timer';
  name: string;
  /** Six-field NCRONTAB. */
  schedule: string;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export type FunctionDefinition = HttpFunctionDefinition | QueueFunctionDefinition | TimerFunctionDefinition;
