/**
 * The I/O around evaluateSecretExpiry: gathers what each source says about a tenant's secret, applies
 * the pure rules against the stored state, saves the state, then raises the alerts. The maintenance
 * timer calls check() on every run; RotatingClientSecretCredential calls onTokenFailure, so an expired
 * secret (AADSTS7000222) alerts at once instead of at the next timer run.
 *
 * Per credential kind: a client secret is dated by Key Vault (and Graph when asked); a certificate
 * by its own notAfter; a federated credential has nothing that expires, so it is reported as such
 * and never alerts here.
 */
import type { TokenCredential } from '@azure/identity';
import type { Alert } from '../alerts/model';
import { credentialOf, type CredentialKind, type TenantConfig } from '../config/settings';
import { isCertificateRejection, isSecretRejection } from '../entraErrors';
import type { Logger } from '../log';
import { SecretRejectedError, SecretUnavailableError } from './errors';
import { evaluateSecretExpiry, type ExpiryEvaluationInput, type ExpirySource } from './expiry';
import type { ExpiryStateStore } from './expiryStateStore';
import { readAppPasswordExpiries, selectCredentialInUse, type GraphFetch } from './graphExpiry';
import type { ClientSecret, ClientSecretProvider } from './secretProvider';
import type { ClientCertificateProvider } from './certificateProvider';
import type { TokenFailureListener } from './rotatingCredential';

export interface AlertSink {
  raise(alert: Alert): Promise<void>;
}

export interface SecretExpiryWatchOptions {
  secrets: ClientSecretProvider;
  /** Needed once a tenant uses a certificate credential. */
  certificates?: ClientCertificateProvider;
  store: ExpiryStateStore;
  alerter: AlertSink;
  logger: Logger;
  thresholdsDays: readonly number[];
  /** GRAPH_EXPIRY_CHECK: the tenant's own app credential (it is the app that needs Application.Read.All). */
  graph?: { credentialFor(tenant: TenantConfig): TokenCredential; fetch?: GraphFetch };
  clock?: () => Date;
}

export interface SecretExpiryReport {
  tenantId: string;
  credentialKind: CredentialKind;
  daysLeft?: number;
  earliestExpiry?: Date;
  sources: ExpirySource[];
  alerts: Alert[];
}

const MAX_SAVE_ATTEMPTS = 3;

export class SecretExpiryWatch {
  private readonly clock: () => Date;
  private readonly pendingFailureChecks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: SecretExpiryWatchOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** For RotatingClientSecretCredential: checks at once on a secret refusal, never throws. */
  readonly onTokenFailure: TokenFailureListener = (tenant, code) => {
    const kind = credentialOf(tenant).kind;
    const refused =
      kind === 'certificate' ? isCertificateRejection(code) : kind === 'secret' && isSecretRejection(code);
    if (!refused) return;
    // Many queue messages fail together when a secret dies: one check per tenant at a time is enough.
    if (this.pendingFailureChecks.has(tenant.tenantId)) return;
    const check = this.check(tenant, { tokenFailureCode: code })
      .catch((e: unknown) =>
        this.options.logger.error('Secret expiry check after a token refusal failed', {
          tenantId: tenant.tenantId,
          aadstsCode: code,
          reason: e instanceof Error ? e.message : String(e),
        }),
      )
      .finally(() => this.pendingFailureChecks.delete(tenant.tenantId));
    this.pendingFailureChecks.set(tenant.tenantId, check);
  };

  /** Resolves when the checks started by onTokenFailure have finished (tests, graceful shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.pendingFailureChecks.values()]);
  }

  async check(
    tenant: TenantConfig,
    options: { tokenFailureCode?: string } = {},
  ): Promise<SecretExpiryReport> {
    const credentialKind = credentialOf(tenant).kind;
    // Nothing to renew: the managed identity's assertion is fresh on every exchange.
    if (credentialKind === 'federated')
      return { tenantId: tenant.tenantId, credentialKind, sources: [], alerts: [] };
    const input: Omit<ExpiryEvaluationInput, 'state' | 'now'> = {
      tenantId: tenant.tenantId,
      credential: credentialKind,
      thresholdsDays: this.options.thresholdsDays,
      sources: [],
      tokenFailureCode: options.tokenFailureCode,
    };
    if (credentialKind === 'certificate') await this.readCertificate(tenant, input);
    else await this.readSecret(tenant, input);

    for (let attempt = 1; ; attempt += 1) {
      const stored = await this.options.store.load(tenant.tenantId);
      const result = evaluateSecretExpiry({ ...input, now: this.clock(), state: stored.state });
      if (await this.options.store.save(tenant.tenantId, result.state, stored.etag)) {
        for (const alert of result.alerts) await this.options.alerter.raise(alert);
        return {
          tenantId: tenant.tenantId,
          credentialKind,
          daysLeft: result.daysLeft,
          earliestExpiry: result.earliestExpiry,
          sources: input.sources,
          alerts: result.alerts,
        };
      }
      // Another instance evaluated meanwhile; re-read its state so an alert it sent is not sent twice.
      if (attempt >= MAX_SAVE_ATTEMPTS) {
        this.options.logger.warn('Secret expiry state kept changing; evaluation skipped this run', {
          tenantId: tenant.tenantId,
        });
        return { tenantId: tenant.tenantId, credentialKind, sources: input.sources, alerts: [] };
      }
    }
  }

  private async readSecret(
    tenant: TenantConfig,
    input: Omit<ExpiryEvaluationInput, 'state' | 'now'>,
  ): Promise<void> {
    let secret: ClientSecret | undefined;
    try {
      secret = await this.options.secrets.get(tenant);
    } catch (e) {
      if (!(e instanceof SecretUnavailableError)) throw e;
      input.secretUnavailable = { reason: e.reason, detail: e.message, code: e.innerCode ?? e.code };
    }
    if (secret?.source === 'keyVault') {
      if (secret.expiresOn) {
        input.sources.push({
          source: 'keyVault',
          expiresOn: secret.expiresOn,
          detail: `version ${secret.version ?? '?'}`,
        });
      } else {
        input.keyVaultHasNoExpiry = true;
      }
    }
    if (this.options.graph) await this.askGraph(tenant, secret, input);
  }

  /** The certificate's own notAfter is its expiry; a renewal (new version) moves it and re-arms the thresholds. */
  private async readCertificate(
    tenant: TenantConfig,
    input: Omit<ExpiryEvaluationInput, 'state' | 'now'>,
  ): Promise<void> {
    if (!this.options.certificates)
      throw new Error('the expiry watch was built without a certificate provider');
    try {
      const certificate = await this.options.certificates.get(tenant);
      input.sources.push({
        source: certificate.source === 'keyVault' ? 'keyVault' : 'certificateFile',
        expiresOn: certificate.expiresOn,
        detail: `thumbprint ${certificate.thumbprint}${certificate.version ? `, version ${certificate.version}` : ''}`,
      });
    } catch (e) {
      if (!(e instanceof SecretUnavailableError)) throw e;
      input.secretUnavailable = { reason: e.reason, detail: e.message, code: e.innerCode ?? e.code };
    }
  }

  private async askGraph(
    tenant: TenantConfig,
    secret: ClientSecret | undefined,
    input: Omit<ExpiryEvaluationInput, 'state' | 'now'>,
  ): Promise<void> {
    const graph = this.options.graph!;
    try {
      const answer = await readAppPasswordExpiries(tenant, graph.credentialFor(tenant), {
        fetch: graph.fetch,
      });
      if (answer.status === 'notGranted') {
        input.graphNotGranted = { detail: answer.detail };
        return;
      }
      input.graphChecked = true;
      const inUse = selectCredentialInUse(answer.credentials, secret?.value);
      if (inUse) {
        input.sources.push({
          source: 'graph',
          expiresOn: inUse.endDateTime,
          detail: `keyId ${inUse.keyId}${inUse.displayName ? ` (${inUse.displayName})` : ''}`,
        });
      }
    } catch (e) {
      // The Graph token itself may be refused: that is the strongest signal there is.
      if (e instanceof SecretRejectedError) {
        input.tokenFailureCode ??= e.aadstsCode;
        return;
      }
      this.options.logger.warn('Secret expiry check could not read Microsoft Graph; going on without it', {
        tenantId: tenant.tenantId,
        reason: e instanceof Error ? e.message : String(e),
      });
    }
  }
}
