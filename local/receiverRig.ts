/**
 * The whole receiver as it runs locally: Azurite, the simulated tenant and the in-process Functions
 * host running the real function catalog, wired only through base URLs and a connection string.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { startAzurite, type AzuriteInstance } from './azurite';
import { startLocalHost, type HostJsonQueues, type LocalHost } from './host';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator';
import type { BlobOutcome } from '../functions/fetchContent';
import { defineReceiverFunctions } from '../functions/catalog';
import { createServices, type ReceiverServices, type ServiceOptions } from '../functions/services';
import { CONTENT_TYPES } from '../shared/contentTypes';
import { loadConfig } from '../shared/config/settings';
import { memoryLogger, type Logger } from '../shared/log';
import type { ContentSink } from '../shared/sinks/delivery/model';
import { freePort } from './freePort';

export const TENANT = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
export const CLIENT = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
export const SECRET = 'receiver-test-secret';
/** Known to the simulator, not configured in the receiver. */
export const STRANGER = '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e';
export const STRANGER_CLIENT = '9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f';
export const AUTH_ID = 'e2e-webhook-auth-id-3b8e61f2c0a94d57';

/** Storage and the identity are never asked for a token with a connection string and local secrets. */
const unusedAzureCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => {
    throw new Error('the Azure identity is not used in local runs');
  },
};

export interface ReceiverRig {
  azurite: AzuriteInstance;
  sim: Simulator;
  host: LocalHost;
  services: ReceiverServices;
  logger: ReturnType<typeof memoryLogger>;
  outcomes: BlobOutcome[];
  webhookUrl: string;
  stop(): Promise<void>;
}

export interface ReceiverRigOptions {
  simulator?: Partial<SimulatorOptions>;
  clientOptions?: ServiceOptions['clientOptions'];
  hostJson?: HostJsonQueues;
  deferralBaseSeconds?: number;
  /** Claim lease on a blob (default: the function timeout plus a minute); tests shorten it. */
  claimLeaseSeconds?: number;
  /** How long a received queue message stays hidden while processed (local host default 300 s). */
  queueLeaseSeconds?: number;
  /** Keep every log line (tests); benchmarks drop them. */
  keepLogs?: boolean;
  onBlobDone?(outcome: BlobOutcome): void;
  /** More settings (SINKS and the sinks' own), over the rig's tenant and storage settings. */
  settings?: Record<string, string>;
  /** The app's identity, for the Azure-native sinks (default: one that refuses every request). */
  azureCredential?: TokenCredential;
  /** The HTTP sinks' batching and retry options (tests shorten the backoff). */
  delivery?: ServiceOptions['delivery'];
  /** Sinks to run after those SINKS names, built by the caller (a sink over a recording producer). */
  extraSinks?(services: ReceiverServices): ContentSink[];
}

export interface SimulatorEndpoints {
  apiBaseUrl: string;
  authorityHost: string;
  graphBaseUrl: string;
}

export interface Receiver {
  host: LocalHost;
  services: ReceiverServices;
  logger: ReturnType<typeof memoryLogger>;
  outcomes: BlobOutcome[];
  webhookUrl: string;
}

/**
 * Services and the local host for a tenant whose Microsoft side lives at `endpoints`, with every
 * content type subscribed with a webhook. The caller stops `host`.
 */
export async function startReceiver(
  endpoints: SimulatorEndpoints,
  storageConnectionString: string,
  options: ReceiverRigOptions = {},
): Promise<Receiver> {
  // The webhook address goes into the configuration, so the host's port is chosen first.
  const port = await freePort();
  const webhookUrl = `http://127.0.0.1:${port}/api/webhook`;
  const config = loadConfig({
    O365_TENANT_ID: TENANT,
    O365_CLIENT_ID: CLIENT,
    O365_CLIENT_SECRET: SECRET,
    O365_TENANT_NAME: 'Contoso (simulated)',
    O365_API_BASE_URL: endpoints.apiBaseUrl,
    O365_AUTHORITY_HOST: endpoints.authorityHost,
    O365_GRAPH_BASE_URL: endpoints.graphBaseUrl,
    AzureWebJobsStorage: storageConnectionString,
    WEBHOOK_AUTH_ID: AUTH_ID,
    WEBHOOK_URL: webhookUrl,
    ...options.settings,
  });
  const logger = memoryLogger();
  const quiet = options.keepLogs === false;
  const log: Logger = quiet ? { ...logger, debug: () => undefined, info: () => undefined } : logger;
  const built = createServices(config, {
    logger: log,
    azureCredential: options.azureCredential ?? unusedAzureCredential,
    clientOptions: options.clientOptions,
    delivery: options.delivery,
  });
  const services: ReceiverServices = options.extraSinks
    ? { ...built, sinks: [...built.sinks, ...options.extraSinks(built)] }
    : built;
  await services.ensureStorage();
  const outcomes: BlobOutcome[] = [];
  const definitions = defineReceiverFunctions(services, {
    deferralBaseSeconds: options.deferralBaseSeconds,
    claimLeaseSeconds: options.claimLeaseSeconds,
    onBlobDone: (o) => {
      if (!quiet) outcomes.push(o);
      options.onBlobDone?.(o);
    },
  });
  const host = await startLocalHost(definitions, {
    port,
    storageConnectionString,
    hostJson: options.hostJson,
    timers: 'manual',
    logger: log,
    queueLeaseSeconds: options.queueLeaseSeconds,
  });
  try {
    const client = services.clientFor(config.tenants[0]);
    for (const contentType of CONTENT_TYPES) {
      await client.startSubscription(contentType, { webhook: { address: webhookUrl, authId: AUTH_ID } });
    }
  } catch (error) {
    await host.stop();
    throw error;
  }
  return { host, services, logger, outcomes, webhookUrl };
}

/** Azurite, the simulated tenant in this process, and the receiver subscribed to it. */
export async function startReceiverRig(options: ReceiverRigOptions = {}): Promise<ReceiverRig> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    const azurite = await startAzurite();
    started.push(azurite);
    const sim = await startSimulator({
      tenants: [
        { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET },
        { tenantId: STRANGER, clientId: STRANGER_CLIENT, clientSecret: 'stranger-secret' },
      ],
      startSpacingMs: 0,
      allowInsecureWebhook: true,
      push: { retryDelaysMs: [50, 100, 200, 400, 800], disableAfterFailures: 20 },
      ...options.simulator,
    });
    started.push(sim);
    const receiver = await startReceiver(sim, azurite.connectionString, options);
    started.push(receiver.host);
    return {
      ...receiver,
      azurite,
      sim,
      stop: async () => {
        for (const s of started.reverse()) await s.stop();
      },
    };
  } catch (error) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw error;
  }
}
