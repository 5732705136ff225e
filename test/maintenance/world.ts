/** A simulated tenant, Azurite, a webhook receiver and services built from env, for the maintenance tests. */
import { PassThrough, Writable } from 'node:stream';
import { createServices, ReceiverServices, type ServiceOptions } from '../../functions/services';
import { defineFetchContent } from '../../functions/fetchContent';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { main } from '../../local/cli';
import { startLocalHost } from '../../local/host';
import type { CliIo } from '../../local/commands/command';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../local/simulator';
import { startAcceptingWebhook, type AcceptingWebhook } from '../../local/standIns/acceptingWebhook';
import { loadConfig } from '../../shared/config/settings';
import { ALERT_LOG_NAME, type Alert } from '../../shared/alerts/model';
import { memoryLogger } from '../../shared/log';
import { MemorySink } from '../../shared/sinks/memorySink';

export const TENANT = '3a1c9d2e-5b4f-4c6d-8e7f-901a2b3c4d5e';
export const CLIENT = '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e';
export const SECRET = 'maintenance-test-secret';
export const AUTH_ID = 'maintenance-auth-id-value-7d41be09c3';

let counter = 0;
const unique = (prefix: string): string => `${prefix}${Date.now().toString(36)}${++counter}`;

export type Receiver = AcceptingWebhook;

/** Answers 200 to everything: validation handshakes and notifications alike. */
export const startReceiver = startAcceptingWebhook;

export function simulator(
  overrides: Partial<SimulatorOptions> = {},
  tenant: Partial<SimulatorOptions['tenants'][0]> = {},
): Promise<Simulator> {
  return startSimulator({
    tenants: [{ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, ...tenant }],
    startSpacingMs: 0,
    allowInsecureWebhook: true,
    push: { retryDelaysMs: [5], disableAfterFailures: 5 },
    ...overrides,
  });
}

/** Settings for one test: its own queue and tables, two content types to keep runs short. */
export function envFor(
  sim: Simulator,
  storage: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    O365_TENANT_ID: TENANT,
    O365_CLIENT_ID: CLIENT,
    O365_CLIENT_SECRET: SECRET,
    O365_API_BASE_URL: sim.apiBaseUrl,
    O365_AUTHORITY_HOST: sim.authorityHost,
    O365_GRAPH_BASE_URL: sim.graphBaseUrl,
    O365_CONTENT_TYPES: 'Audit.SharePoint,Audit.Exchange',
    O365_MAX_ATTEMPTS: '2',
    AzureWebJobsStorage: storage,
    CONTENT_QUEUE_NAME: unique('mq-'),
    LEDGER_TABLE_NAME: unique('mledger'),
    STATE_TABLE_NAME: unique('mstate'),
    TENANTS_TABLE_NAME: unique('mtenants'),
    EVENTS_CONTAINER_NAME: unique('mev-'),
    ...extra,
  };
}

export type TestServices = ReceiverServices & { log: ReturnType<typeof memoryLogger>; alerts(): Alert[] };

export function servicesFor(
  env: Record<string, string | undefined>,
  sink?: ServiceOptions['sink'],
): TestServices {
  const log = memoryLogger();
  const services = createServices(loadConfig(env), {
    logger: log,
    sink,
    clientOptions: { retryDelay: { baseMs: 1, maxMs: 5 }, maxRetryAfterMs: 10 },
  });
  return Object.assign(services, { log, alerts: () => alertsIn(log.lines.map((l) => l.line)) });
}

export function alertsIn(lines: readonly string[]): Alert[] {
  return lines
    .filter((l) => l.startsWith(`${ALERT_LOG_NAME} `))
    .map((l) => leadingJson(l.slice(ALERT_LOG_NAME.length + 1)) as Alert);
}

/** The alert's JSON, without the invocation fields a host's logger appends after it. */
function leadingJson(text: string): unknown {
  for (let end = text.indexOf('} {'); end !== -1; end = text.indexOf('} {', end + 1)) {
    try {
      return JSON.parse(text.slice(0, end + 1));
    } catch {
      // '} {' inside the alert itself: look further.
    }
  }
  return JSON.parse(text);
}

function collector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return Object.assign(w, { text: () => chunks.join('') });
}

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  isTTY = false,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = new PassThrough();
  stdin.end();
  const stdout = collector();
  const stderr = collector();
  const io: CliIo = { stdin, stdout, stderr, env, isTTY };
  const code = await main(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export interface WorldFixture {
  azurite: AzuriteInstance;
  receiver: Receiver;
}

export type WorldBody = (
  sim: Simulator,
  services: TestServices,
  env: Record<string, string | undefined>,
) => Promise<void>;
export type WorldOptions = { sim?: Parameters<typeof simulator>; env?: Record<string, string | undefined> };

/**
 * Starts Azurite and a webhook receiver for the test file (beforeAll/afterAll) and returns the
 * per-test runner bound to them, with the receiver for assertions on its address.
 */
export function useWorld(): {
  withWorld(body: WorldBody, options?: WorldOptions): Promise<void>;
  receiver(): Receiver;
  azurite(): AzuriteInstance;
} {
  let fixture: WorldFixture | undefined;
  beforeAll(async () => {
    const [azurite, receiver] = await Promise.all([startAzurite(), startReceiver()]);
    fixture = { azurite, receiver };
  });
  afterAll(async () => {
    await Promise.all([fixture?.azurite.stop(), fixture?.receiver.close()]);
  });
  return {
    withWorld: (body, options) => withWorld(fixture!, body, options),
    receiver: () => fixture!.receiver,
    azurite: () => fixture!.azurite,
  };
}

/** One simulated tenant and fresh storage names for one test, with the webhook configured. */
export async function withWorld(
  fixture: WorldFixture,
  body: WorldBody,
  options: WorldOptions = {},
): Promise<void> {
  const sim = await simulator(...(options.sim ?? []));
  try {
    const env = envFor(sim, fixture.azurite.connectionString, {
      WEBHOOK_URL: fixture.receiver.url,
      WEBHOOK_AUTH_ID: AUTH_ID,
      ...options.env,
    });
    await body(sim, servicesFor(env), env);
  } finally {
    await sim.stop();
  }
}

/** Runs the fetch function over everything queued until the queue is idle; returns what was written. */
export async function fetchEverything(env: Record<string, string | undefined>): Promise<MemorySink> {
  const sink = new MemorySink();
  const fetchServices = servicesFor(env, sink);
  const host = await startLocalHost(
    [
      defineFetchContent({
        queueName: fetchServices.queue.queueName,
        tenants: fetchServices.directory,
        ledger: fetchServices.ledger,
        claimLeaseSeconds: 60,
        sinks: fetchServices.sinks,
        streamContent: (t, uri) => fetchServices.clientFor(t).streamContent(uri),
        checkContentUri: fetchServices.checkContentUri,
        requeue: (m, delay) => fetchServices.queue.enqueue([m], { visibilityTimeoutSeconds: delay }),
        poison: (raw) => fetchServices.queue.sendToPoison(raw),
        raiseAlert: (a, l) => fetchServices.raiseAlert(a as never, l),
        maxDequeueCount: 5,
      }),
    ],
    {
      storageConnectionString: env.AzureWebJobsStorage!,
      logger: memoryLogger(),
      timers: 'manual',
      pollIntervalMs: { min: 20, max: 100 },
    },
  );
  try {
    await host.whenQueuesIdle({ timeoutMs: 30_000 });
  } finally {
    await host.stop();
  }
  return sink;
}
