/**
 * A simulated Microsoft 365 side for tests and `npm start`: three HTTPS listeners on free loopback
 * ports (the Entra authority, the Management Activity API and the bit of Graph the secret-expiry
 * check reads), plus the hooks a test needs to publish content, break things and look inside.
 * Production code talks to it exactly as to Microsoft: only the base URLs differ.
 */
import { createPublicKey } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { isContentType, type ContentType } from '../../shared/contentTypes';
import { TokenMint } from './accessTokens';
import { authorityRoutes } from './authority';
import type { SimulatorContext } from './context';
import { createFaultBook } from './faults';
import { checkLatencyOptions, latencyPlan } from './latency';
import { generateRecords } from './generator';
import { graphRoutes } from './graph';
import { startHttpsListener, type HttpsListener, type ListenerDeps } from './httpsListener';
import { managementApiRoutes, subscriptionStates, type ManagementApiSettings } from './managementApi';
import type {
  Delivery,
  GenerateSpec,
  PublishedContent,
  PublishOptions,
  RecordedRequest,
  SimulatedTenantSpec,
  Simulator,
  SimulatorOptions,
  WebhookValidation,
} from './model';
import { NotificationPusher } from './notificationPusher';
import { PageTokens } from './pageTokens';
import { registerCertificate, TenantDirectory, type StoredContent } from './tenantDirectory';

export type * from './model';
export { generateRecords, type GenerateOptions, type AuditRecord } from './generator';

const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;
const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  validateOptions(options);
  const clock = options.clock ?? (() => new Date());
  const requests: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  const validations: WebhookValidation[] = [];
  const faults = createFaultBook(clock);
  const stopping = new AbortController();
  // Every webhook POST in flight listens on it; many tenants subscribing at once are many POSTs.
  setMaxListeners(0, stopping.signal);
  const sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      sleeps.add(entry);
    });

  const ctx: SimulatorContext = {
    clock,
    // Replaced below once the API listener knows its port (content URIs embed it).
    directory: new TenantDirectory([], '', clock()),
    mint: new TokenMint(),
    pageTokens: new PageTokens(),
    urls: { apiBaseUrl: '', authorityHost: '', graphBaseUrl: '' },
    trustedIssuers: new Map(),
  };
  const answers = options.answers ?? {};
  const stoppedSignal = new Promise<void>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const deps: ListenerDeps = {
    clock,
    faults,
    requests,
    sleep,
    dateHeader: answers.dateHeader ?? true,
    latency: latencyPlan(options.latency),
    stopped: stoppedSignal,
  };
  let apiSettings: ManagementApiSettings | undefined;
  const push = options.push ?? {};
  const webhookTimeoutMs = push.timeoutMs ?? 30000;

  const listeners: HttpsListener[] = [];
  try {
    const authority = await startHttpsListener(
      authorityRoutes(ctx, { tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599 }),
      deps,
    );
    listeners.push(authority);
    apiSettings = {
      startSpacingMs: options.startSpacingMs ?? FIFTEEN_MINUTES_MS,
      allowInsecureWebhook: options.allowInsecureWebhook ?? false,
      pageSize: options.pageSize ?? 200,
      pagingHeader: options.pagingHeader ?? 'NextPageUri',
      webhookTimeoutMs,
      validations,
      abortSignal: stopping.signal,
      startOnDisabledWebhook: answers.startOnDisabledWebhook ?? 'reenable',
      startOnAdminDisabled: answers.startOnAdminDisabled ?? 'AF20023',
      startSpacingRetryAfter: answers.startSpacingRetryAfter ?? true,
    };
    const api = await startHttpsListener(managementApiRoutes(ctx, apiSettings), deps);
    listeners.push(api);
    const graph = await startHttpsListener(graphRoutes(ctx), deps);
    listeners.push(graph);
    ctx.urls.authorityHost = authority.baseUrl;
    ctx.urls.apiBaseUrl = api.baseUrl;
    ctx.urls.graphBaseUrl = graph.baseUrl;
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    throw error;
  }
  ctx.directory = new TenantDirectory(options.tenants, ctx.urls.apiBaseUrl, clock());
  const directory = ctx.directory;

  const autoPush = push.autoPush ?? true;
  const pusher = new NotificationPusher(
    directory,
    clock,
    {
      batchSize: options.notificationBatchSize ?? 10,
      retryDelaysMs: push.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      disableAfterFailures: push.disableAfterFailures ?? 5,
      timeoutMs: webhookTimeoutMs,
    },
    deliveries,
  );

  let unseededCalls = 0;
  const publishedOf = (c: StoredContent): PublishedContent => ({
    tenantId: c.tenantId,
    contentType: c.contentType,
    contentId: c.contentId,
    contentUri: c.contentUri,
    contentCreated: c.contentCreated,
    contentExpiration: c.contentExpiration,
    recordCount: c.recordCount,
  });
  const storedOf = (contents: readonly PublishedContent[]): StoredContent[] =>
    contents.map((c) => {
      const stored = directory.findContent(c.contentId);
      if (!stored) throw new Error(`the simulator never published content ${c.contentId}`);
      return stored;
    });
  const requireContentType = (contentType: ContentType) => {
    if (!isContentType(contentType)) throw new Error(`not a content type: ${String(contentType)}`);
  };

  let stopped = false;
  const simulator: Simulator = {
    apiBaseUrl: ctx.urls.apiBaseUrl,
    authorityHost: ctx.urls.authorityHost,
    graphBaseUrl: ctx.urls.graphBaseUrl,
    requests,
    deliveries,
    validations,
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear(), pending: () => faults.pending() },

    publishContent(tenantId, contentType, records, publishOptions: PublishOptions = {}) {
      requireContentType(contentType);
      if (!Array.isArray(records) || records.length === 0) {
        throw new Error('a content blob holds one or more records');
      }
      const tenant = directory.require(tenantId);
      const stored = directory.publish(
        tenant,
        contentType,
        publishOptions.layout === 'indentedCrlf'
          ? JSON.stringify(records, null, 2).replace(/\n/g, '\r\n')
          : JSON.stringify(records),
        records.length,
        publishOptions.createdAt ?? clock(),
      );
      if (publishOptions.notify ?? autoPush) pusher.enqueue([stored]);
      return publishedOf(stored);
    },

    generateAndPublish(tenantId, contentType, spec: GenerateSpec) {
      requireContentType(contentType);
      if (
        !Number.isInteger(spec.blobs) ||
        spec.blobs < 1 ||
        !Number.isInteger(spec.recordsPerBlob) ||
        spec.recordsPerBlob < 1
      ) {
        throw new Error('blobs and recordsPerBlob must be positive integers');
      }
      const tenant = directory.require(tenantId);
      const createdAt = spec.createdAt ?? clock();
      // Events happen before their blob becomes available (the docs: typically 60-90 minutes before).
      const records = generateRecords(contentType, spec.blobs * spec.recordsPerBlob, {
        seed: spec.seed ?? 0x5eed + unseededCalls++,
        tenantId: tenant.tenantId,
        startTime: new Date(createdAt.getTime() - 2 * 60 * 60 * 1000),
      });
      const stored: StoredContent[] = [];
      for (let b = 0; b < spec.blobs; b++) {
        const slice = records.slice(b * spec.recordsPerBlob, (b + 1) * spec.recordsPerBlob);
        stored.push(directory.publish(tenant, contentType, JSON.stringify(slice), slice.length, createdAt));
      }
      if (spec.notify ?? autoPush) pusher.enqueue(stored);
      return stored.map(publishedOf);
    },

    notifyAgain(contents) {
      pusher.enqueue(storedOf(contents).filter((c) => !c.neverNotify));
    },

    dropNotifications(contents) {
      const stored = storedOf(contents);
      for (const c of stored) c.neverNotify = true;
      pusher.forget(new Set(stored.map((c) => c.contentId)));
    },

    expireContent(contentId) {
      const stored = directory.findContent(contentId);
      if (!stored) throw new Error(`the simulator never published content ${contentId}`);
      stored.expiredByHand = true;
    },

    whenIdle: () => pusher.whenIdle(),

    setClientSecret(tenantId, secret, expiresAt) {
      directory.require(tenantId).rotateSecret(secret, expiresAt, clock());
    },

    addCertificate(tenantId, pem) {
      directory.require(tenantId).certificates.push(registerCertificate(pem));
    },

    removeCertificate(tenantId, thumbprint) {
      const tenant = directory.require(tenantId);
      const wanted = thumbprint.replace(/:/g, '').toUpperCase();
      const index = tenant.certificates.findIndex(
        (c) => c.certificate.fingerprint.replace(/:/g, '').toUpperCase() === wanted,
      );
      if (index < 0) throw new Error(`tenant ${tenantId} has no certificate ${thumbprint}`);
      tenant.certificates.splice(index, 1);
    },

    addFederatedCredential(tenantId, credential) {
      const tenant = directory.require(tenantId);
      if (tenant.federatedCredentials.length >= 20)
        throw new Error('an app has at most 20 federated credentials');
      tenant.federatedCredentials.push({ ...credential, audiences: [...credential.audiences] });
    },

    trustIssuer(issuer, publicKeyPem) {
      const keys = ctx.trustedIssuers.get(issuer) ?? [];
      keys.push(createPublicKey(publicKeyPem));
      ctx.trustedIssuers.set(issuer, keys);
    },

    setGraphPassword(tenantId, credentials) {
      directory.require(tenantId).graphOverride = credentials.map((c) => ({ ...c }));
    },

    subscriptions(tenantId) {
      return subscriptionStates(directory.require(tenantId), clock());
    },

    setWebhookState(tenantId, contentType, state) {
      const subscription = directory.require(tenantId).subscriptions.get(contentType);
      if (!subscription) throw new Error(`tenant ${tenantId} has no ${contentType} subscription`);
      if (state === null) {
        // The reported silent revert: the webhook just disappears from /list.
        subscription.webhook = null;
      } else if (subscription.webhook) {
        subscription.webhook.status = state;
      } else {
        throw new Error(`the ${contentType} subscription of ${tenantId} has no webhook`);
      }
    },

    setAnswers(changed) {
      // The routes read these per request, so a test can switch answers between two runs.
      if (changed.dateHeader !== undefined) deps.dateHeader = changed.dateHeader;
      if (!apiSettings) return;
      if (changed.startOnDisabledWebhook) apiSettings.startOnDisabledWebhook = changed.startOnDisabledWebhook;
      if (changed.startOnAdminDisabled) apiSettings.startOnAdminDisabled = changed.startOnAdminDisabled;
      if (changed.startSpacingRetryAfter !== undefined) {
        apiSettings.startSpacingRetryAfter = changed.startSpacingRetryAfter;
      }
    },

    setLatency(latency) {
      checkLatencyOptions(latency);
      deps.latency = latencyPlan(latency);
    },

    disableSubscriptionByAdmin(tenantId, contentType) {
      const tenant = directory.require(tenantId);
      const subscription = tenant.subscriptions.get(contentType) ?? {
        contentType,
        status: 'disabled',
        disabledByAdmin: true,
        webhook: null,
      };
      subscription.status = 'disabled';
      subscription.disabledByAdmin = true;
      tenant.subscriptions.set(contentType, subscription);
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      pusher.stop();
      stopping.abort();
      for (const entry of sleeps) {
        clearTimeout(entry.timer);
        entry.wake();
      }
      sleeps.clear();
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
  return simulator;
}

function validateOptions(options: SimulatorOptions): void {
  if (!options || !Array.isArray(options.tenants) || options.tenants.length === 0) {
    throw new Error('the simulator needs at least one tenant');
  }
  for (const t of options.tenants as SimulatedTenantSpec[]) {
    if (!GUID.test(t.tenantId)) throw new Error(`tenantId ${t.tenantId} is not a GUID`);
    if (!GUID.test(t.clientId)) throw new Error(`clientId ${t.clientId} is not a GUID`);
    if (!t.clientSecret) throw new Error(`tenant ${t.tenantId} needs a clientSecret`);
  }
  checkLatencyOptions(options.latency);
  const delays = options.push?.retryDelaysMs;
  if (delays && delays.some((d) => !Number.isFinite(d) || d < 0)) {
    throw new Error('push.retryDelaysMs must be non-negative numbers');
  }
  if (options.pageSize !== undefined && (!Number.isInteger(options.pageSize) || options.pageSize < 1)) {
    throw new Error('pageSize must be a positive integer');
  }
  if (
    options.notificationBatchSize !== undefined &&
    (!Number.isInteger(options.notificationBatchSize) || options.notificationBatchSize < 1)
  ) {
    throw new Error('notificationBatchSize must be a positive integer');
  }
}
