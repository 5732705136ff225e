/**
 * The state of the simulated tenants: each tenant's app secret, its subscriptions and the content
 * blobs published into it. Listeners and the pusher read and change it; nothing here does I/O.
 */
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import type { ContentType } from '../../shared/contentTypes';
import type {
  FederatedCredentialSpec,
  GraphPasswordCredential,
  NotificationItem,
  SimulatedTenantSpec,
} from './model';
import type { Subscription } from './subscriptionRules';
import { newContentId } from './contentIds';

const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface StoredContent {
  tenantId: string;
  clientId: string;
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  createdMs: number;
  contentCreated: string;
  contentExpiration: string;
  expirationMs: number;
  /** The records, serialised once at publish time so fetches are cheap. */
  body: string;
  recordCount: number;
  expiredByHand: boolean;
  /**
   * Published while the subscription was stopped. The docs: content from a stopped period can never
   * be retrieved, even after a new start.
   */
  lost: boolean;
  neverNotify: boolean;
}

export interface NotificationLogEntry {
  content: StoredContent;
  notificationSent: string;
  notificationStatus: 'success' | 'failed';
}

/** A certificate key credential of the app, with the thumbprints a client assertion names it by. */
export interface RegisteredCertificate {
  certificate: X509Certificate;
  /** base64url of the SHA-1 and SHA-256 of the DER: the `x5t` and `x5t#S256` header values. */
  x5t: string;
  x5tS256: string;
  notBefore: Date;
  notAfter: Date;
}

export function registerCertificate(pem: string): RegisteredCertificate {
  const block = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!block) throw new Error('no -----BEGIN CERTIFICATE----- block in the PEM');
  const certificate = new X509Certificate(block);
  return {
    certificate,
    x5t: createHash('sha1').update(certificate.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(certificate.raw).digest('base64url'),
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
}

export class SimulatedTenant {
  readonly tenantId: string;
  readonly clientId: string;
  secret: string;
  secretExpiresAt?: Date;
  secretCreatedAt: Date;
  secretKeyId: string = randomUUID();
  graphPermissionGranted: boolean;
  graphOverride?: GraphPasswordCredential[];
  readonly certificates: RegisteredCertificate[];
  readonly federatedCredentials: FederatedCredentialSpec[];
  readonly subscriptions = new Map<ContentType, Subscription>();
  /** Per content type, ordered by contentCreated (then by publish order). */
  readonly contentByType = new Map<ContentType, StoredContent[]>();
  readonly notificationLog = new Map<ContentType, NotificationLogEntry[]>();

  constructor(spec: SimulatedTenantSpec, now: Date) {
    this.tenantId = spec.tenantId.toLowerCase();
    this.clientId = spec.clientId.toLowerCase();
    this.secret = spec.clientSecret;
    this.secretExpiresAt = spec.secretExpiresAt;
    this.secretCreatedAt = now;
    this.graphPermissionGranted = spec.graphPermissionGranted ?? false;
    this.certificates = (spec.certificates ?? []).map(registerCertificate);
    this.federatedCredentials = (spec.federatedCredentials ?? []).map((f) => ({
      ...f,
      audiences: [...f.audiences],
    }));
  }

  rotateSecret(secret: string, expiresAt: Date | undefined, now: Date): void {
    this.secret = secret;
    this.secretExpiresAt = expiresAt;
    this.secretCreatedAt = now;
    this.secretKeyId = randomUUID();
  }

  contentOf(contentType: ContentType): StoredContent[] {
    let list = this.contentByType.get(contentType);
    if (!list) {
      list = [];
      this.contentByType.set(contentType, list);
    }
    return list;
  }
}

export class TenantDirectory {
  private readonly tenants = new Map<string, SimulatedTenant>();
  private readonly contentById = new Map<string, StoredContent>();
  private sequence = 0;

  constructor(
    specs: readonly SimulatedTenantSpec[],
    private readonly apiBaseUrl: string,
    now: Date,
  ) {
    for (const spec of specs) {
      const tenant = new SimulatedTenant(spec, now);
      if (this.tenants.has(tenant.tenantId)) throw new Error(`tenant ${tenant.tenantId} is listed twice`);
      this.tenants.set(tenant.tenantId, tenant);
    }
  }

  find(tenantId: string): SimulatedTenant | undefined {
    return this.tenants.get(tenantId.toLowerCase());
  }

  require(tenantId: string): SimulatedTenant {
    const tenant = this.find(tenantId);
    if (!tenant) throw new Error(`the simulator has no tenant ${tenantId}`);
    return tenant;
  }

  all(): SimulatedTenant[] {
    return [...this.tenants.values()];
  }

  findContent(contentId: string): StoredContent | undefined {
    return this.contentById.get(contentId);
  }

  publish(
    tenant: SimulatedTenant,
    contentType: ContentType,
    body: string,
    recordCount: number,
    created: Date,
  ): StoredContent {
    const createdMs = created.getTime();
    const contentId = newContentId(tenant.tenantId, contentType, created, this.sequence++);
    const subscription = tenant.subscriptions.get(contentType);
    const content: StoredContent = {
      tenantId: tenant.tenantId,
      clientId: tenant.clientId,
      contentType,
      contentId,
      contentUri: `${this.apiBaseUrl}/api/v1.0/${tenant.tenantId}/activity/feed/audit/${contentId}`,
      createdMs,
      contentCreated: created.toISOString(),
      contentExpiration: new Date(createdMs + RETENTION_MS).toISOString(),
      expirationMs: createdMs + RETENTION_MS,
      body,
      recordCount,
      expiredByHand: false,
      lost: subscription !== undefined && subscription.status === 'disabled' && !subscription.disabledByAdmin,
      neverNotify: false,
    };
    insertByCreated(tenant.contentOf(contentType), content);
    this.contentById.set(contentId, content);
    return content;
  }

  logNotification(content: StoredContent, sent: Date, status: 'success' | 'failed'): void {
    const tenant = this.require(content.tenantId);
    let log = tenant.notificationLog.get(content.contentType);
    if (!log) {
      log = [];
      tenant.notificationLog.set(content.contentType, log);
    }
    log.push({ content, notificationSent: sent.toISOString(), notificationStatus: status });
  }
}

function insertByCreated(list: StoredContent[], content: StoredContent): void {
  if (list.length === 0 || list[list.length - 1].createdMs <= content.createdMs) {
    list.push(content);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].createdMs <= content.createdMs) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, content);
}

export function notificationItemOf(content: StoredContent): NotificationItem {
  return {
    tenantId: content.tenantId,
    clientId: content.clientId,
    contentType: content.contentType,
    contentId: content.contentId,
    contentUri: content.contentUri,
    contentCreated: content.contentCreated,
    contentExpiration: content.contentExpiration,
  };
}
