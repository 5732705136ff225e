/**
 * The public shapes of the simulated tenant. They live apart from `index.ts` so the listeners and
 * the state modules can share them without importing the assembly.
 */
import type { ContentType } from '../../shared/contentTypes';

export interface SimulatedTenantSpec {
  /** GUID. */
  tenantId: string;
  /** GUID of the app registered in the tenant. */
  clientId: string;
  /** The currently valid client secret. */
  clientSecret: string;
  /** After this the token endpoint answers AADSTS7000222. */
  secretExpiresAt?: Date;
  /** Application.Read.All granted to the app (default false: Graph answers 403). */
  graphPermissionGranted?: boolean;
  /**
   * Certificates whose public key is uploaded to the app (PEM; a private key in the text is ignored).
   * The key is valid from the certificate's notBefore to its notAfter, as when uploaded in the portal.
   */
  certificates?: string[];
  /** Federated identity credentials of the app (at most 20, as in Entra). */
  federatedCredentials?: FederatedCredentialSpec[];
}

/** What the app registration trusts: a token from `issuer` about `subject`, for one of `audiences`. */
export interface FederatedCredentialSpec {
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface PushOptions {
  /** Default true: publishing content notifies the registered webhook. */
  autoPush?: boolean;
  /** Backoff between delivery retries; the number of entries is the number of retries. */
  retryDelaysMs?: number[];
  /** Consecutive failed deliveries after which the webhook is disabled (default 5). */
  disableAfterFailures?: number;
  /** How long one webhook POST may take before it counts as failed (default 30 s). Addition to the brief. */
  timeoutMs?: number;
}

export interface SimulatorOptions {
  tenants: SimulatedTenantSpec[];
  /** The documented 15-minute wait between /start calls per tenant and content type; 0 disables. */
  startSpacingMs?: number;
  /** Default false: a webhook address must be https (AF20021). */
  allowInsecureWebhook?: boolean;
  /** Default 3599. */
  tokenLifetimeSeconds?: number;
  /** Content and notification listing page size (default 200). */
  pageSize?: number;
  /** Default NextPageUri (the docs disagree; clients must accept both). */
  pagingHeader?: 'NextPageUri' | 'NextPageUrl';
  /** Items per webhook POST (default 10). */
  notificationBatchSize?: number;
  push?: PushOptions;
  /** Injectable "now" (retention, windows, secret expiry, token expiry, Date header). */
  clock?: () => Date;
  /**
   * Answers Microsoft's documentation leaves open (local/simulator/README.md, "What the documentation
   * says"). Each defaults to the answer the simulator has always given; the product must work with all.
   */
  answers?: UndocumentedAnswers;
  /** Network and service time of every answer; default none. Changeable later with setLatency. */
  latency?: LatencyOptions;
}

/**
 * How long answers take, so a run over many tenants meets realistic waits. Applies to the Management
 * API and the Entra authority (token, discovery) of a tenant; Graph answers at once.
 */
export interface LatencyOptions {
  /** Before every answer, in milliseconds (default 0). */
  baseMs?: number;
  /** Plus a uniform extra delay in [0, jitterMs), from a seeded source (default 0). */
  jitterMs?: number;
  /** Seed of the jitter (default 1). */
  seed?: number;
  /**
   * Per tenant id: its own base latency in milliseconds, or `hang`: its Management API never answers
   * (the request stays open until the client gives up or the simulator stops); its token endpoint
   * still answers after the base latency.
   */
  tenants?: Record<string, number | 'hang'>;
}

export interface UndocumentedAnswers {
  /**
   * /start on a subscription whose webhook Microsoft disabled: `reenable` (the documented intent),
   * `leaveDisabled` (200, but the webhook stays disabled) or `alreadyEnabled` (AF20024 when nothing
   * but the status would change).
   */
  startOnDisabledWebhook?: 'reenable' | 'leaveDisabled' | 'alreadyEnabled';
  /**
   * /start on a subscription an administrator disabled: `AF20023`, or `unchanged` (200 with the
   * subscription still disabled; listing and fetching still answer AF20023).
   */
  startOnAdminDisabled?: 'AF20023' | 'unchanged';
  /** Default true: every answer carries a Date header from the simulator's clock. */
  dateHeader?: boolean;
  /** Default true: the AF429 of a /start inside the 15-minute spacing carries a Retry-After. */
  startSpacingRetryAfter?: boolean;
}

export interface PublishedContent {
  tenantId: string;
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
  recordCount: number;
}

export interface PublishOptions {
  createdAt?: Date;
  /** Default: push.autoPush. */
  notify?: boolean;
  /**
   * How the blob's JSON is laid out: `compact` (default, as Microsoft serves it today) or
   * `indentedCrlf`, indented with CRLF line ends, as a proxy or a future API version might serve it.
   */
  layout?: 'compact' | 'indentedCrlf';
}

export interface GenerateSpec {
  blobs: number;
  recordsPerBlob: number;
  seed?: number;
  createdAt?: Date;
  notify?: boolean;
}

export type FaultKind =
  | 'throttle-403'
  | 'throttle-429'
  | 'http-500'
  | 'af50000'
  | 'http-503'
  | 'slow'
  | 'drop'
  | 'non-json'
  | 'wrong-shape'
  /** A 200 whose body stops part-way and then hangs (a fetch in progress when a worker dies). */
  | 'stall-body';

export type FaultOperation =
  | 'token'
  | 'start'
  | 'stop'
  | 'list'
  | 'content'
  | 'notifications'
  | 'fetch'
  | 'sensitiveTypes'
  | 'graph'
  | 'any';

export interface FaultRule {
  operation: FaultOperation;
  kind: FaultKind;
  /** How many matching requests it affects (default 1). Ignored with durationMs. */
  times?: number;
  /**
   * Affects every matching request for this long after the rule is added, then lapses: an outage
   * of a given length (e.g. the token endpoint answering 503 for two minutes).
   */
  durationMs?: number;
  /** Adds a Retry-After header. */
  retryAfterSeconds?: number;
  /** For 'slow' (default 2000); for 'stall-body', how long the body hangs (default: until stop). */
  delayMs?: number;
  /** For 'stall-body': bytes of the body sent before it stalls (default: half). */
  afterBytes?: number;
  tenantId?: string;
  /** Narrows a 'fetch' rule to one blob. */
  contentId?: string;
}

export interface WebhookState {
  status: 'enabled' | 'disabled' | 'expired';
  address: string;
  authId: string | null;
  expiration: string | null;
}

export interface SubscriptionState {
  contentType: ContentType;
  status: 'enabled' | 'disabled';
  webhook: WebhookState | null;
}

export type ListenerName = 'login' | 'api' | 'graph';

export interface RecordedRequest {
  listener: ListenerName;
  method: string;
  path: string;
  /** Query parameters as an object (the last value wins for repeated names). */
  query: Record<string, string>;
  /** Selected headers, lower-case names; authorization is '[bearer]' (or the scheme) and never the token. */
  headers: Record<string, string>;
  /** The operation the simulator recognised (what a FaultRule matches); undefined for unknown routes. */
  operation?: Exclude<FaultOperation, 'any'> | 'discovery';
  /** PublisherIdentifier, whatever the case of its name. */
  publisherIdentifier?: string;
  /** Filled in when the answer is sent; undefined for a dropped connection. */
  statusCode?: number;
  at: string;
}

export interface NotificationItem {
  tenantId: string;
  clientId: string;
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

export interface Delivery {
  url: string;
  tenantId: string;
  contentType: ContentType;
  items: NotificationItem[];
  /** 1 for the first try of a batch, 2 for its first retry, … */
  attempt: number;
  statusCode?: number;
  error?: string;
  at: string;
}

/** One webhook validation POST made by /subscriptions/start. Addition to the brief. */
export interface WebhookValidation {
  url: string;
  tenantId: string;
  contentType: ContentType;
  validationCode: string;
  statusCode?: number;
  error?: string;
  at: string;
}

export interface GraphPasswordCredential {
  keyId: string;
  displayName?: string;
  endDateTime: string;
}

export interface FaultBook {
  add(rule: FaultRule): void;
  clear(): void;
  pending(): FaultRule[];
}

export interface Simulator {
  /** https://127.0.0.1:<port>; the API lives at /api/v1.0/{tenantId}/activity/feed/... */
  apiBaseUrl: string;
  /** https://127.0.0.1:<port>; the Entra authority. */
  authorityHost: string;
  /** https://127.0.0.1:<port>; the slice of Microsoft Graph the secret-expiry check reads. */
  graphBaseUrl: string;
  publishContent(
    tenantId: string,
    contentType: ContentType,
    records: object[],
    options?: PublishOptions,
  ): PublishedContent;
  generateAndPublish(tenantId: string, contentType: ContentType, spec: GenerateSpec): PublishedContent[];
  notifyAgain(contents: PublishedContent[]): void;
  dropNotifications(contents: PublishedContent[]): void;
  expireContent(contentId: string): void;
  whenIdle(): Promise<void>;
  faults: FaultBook;
  setClientSecret(tenantId: string, secret: string, expiresAt?: Date): void;
  /** Uploads a certificate's public key to the app (PEM). */
  addCertificate(tenantId: string, pem: string): void;
  /** Deletes the app's certificate with this SHA-1 thumbprint (hex, any case). */
  removeCertificate(tenantId: string, thumbprint: string): void;
  addFederatedCredential(tenantId: string, credential: FederatedCredentialSpec): void;
  /**
   * Trusts the signing key of a token issuer (what Entra knows of its own managed-identity tokens,
   * or learns from an external issuer's key set). A federated assertion from an unknown issuer key
   * is refused.
   */
  trustIssuer(issuer: string, publicKeyPem: string): void;
  setGraphPassword(tenantId: string, credentials: GraphPasswordCredential[]): void;
  subscriptions(tenantId: string): SubscriptionState[];
  setWebhookState(tenantId: string, contentType: ContentType, state: 'disabled' | 'expired' | null): void;
  disableSubscriptionByAdmin(tenantId: string, contentType: ContentType): void;
  /** Switches undocumented answers from now on (see SimulatorOptions.answers). */
  setAnswers(answers: UndocumentedAnswers): void;
  /** Replaces the latency settings from the next request on. */
  setLatency(latency: LatencyOptions | undefined): void;
  requests: RecordedRequest[];
  deliveries: Delivery[];
  /** Addition: every webhook validation POST. */
  validations: WebhookValidation[];
  stop(): Promise<void>;
}
