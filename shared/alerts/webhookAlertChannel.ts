import { createLogger, redact, type Logger } from '../log';
import { summarizeAlert, type Alert, type AlertChannel } from './model';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface WebhookAlertChannelOptions {
  fetch?: FetchLike;
  /** Default 10 s: an alert must never hold up the function that raised it for long. */
  timeoutMs?: number;
  logger?: Logger;
}

/** The JSON posted for each alert. */
export interface WebhookAlertBody {
  /** Teams (legacy incoming webhook / connector) and Slack incoming webhooks display `text`. */
  text: string;
  source: 'm365-activity-receiver';
  severity: Alert['severity'];
  kind: Alert['kind'];
  tenantId?: string;
  message: string;
  details?: Record<string, unknown>;
  at?: string;
}

export function webhookBodyOf(alert: Alert): WebhookAlertBody {
  return {
    text: summarizeAlert(alert),
    source: 'm365-activity-receiver',
    severity: alert.severity,
    kind: alert.kind,
    tenantId: alert.tenantId,
    message: alert.message,
    details: alert.details === undefined ? undefined : (redact(alert.details) as Record<string, unknown>),
    at: alert.at,
  };
}

/**
 * Posts alerts to ALERT_WEBHOOK_URL. Delivery failures are logged and swallowed: an unreachable chat
 * channel must not fail the ingestion or maintenance run that raised the alert (the log channel still
 * carries it). The URL itself is never logged, since incoming-webhook URLs embed their own credential.
 */
export class WebhookAlertChannel implements AlertChannel {
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly host: string;

  constructor(
    private readonly url: string,
    options: WebhookAlertChannelOptions = {},
  ) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.logger = options.logger ?? createLogger((_level, line) => console.error(line));
    this.host = hostOf(url);
  }

  async send(alert: Alert): Promise<void> {
    try {
      const response = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(webhookBodyOf(alert)),
        // A redirect would carry the alert (tenant ids, what failed) to an address nobody configured,
        // possibly over plain http: a webhook that moved must be configured anew.
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Drain the body so the connection is released; its text helps when the receiver says why.
      const text = await response.text().catch(() => '');
      if (!response.ok) {
        this.logger.warn('Alert webhook refused the alert', {
          host: this.host,
          status: response.status,
          kind: alert.kind,
          response: text.slice(0, 200),
        });
      }
    } catch (e) {
      this.logger.warn('Alert webhook unreachable', {
        host: this.host,
        kind: alert.kind,
        reason: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      });
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}
