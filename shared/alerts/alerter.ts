import type { Logger } from '../log';
import { LogAlertChannel } from './logAlertChannel';
import type { Alert, AlertChannel } from './model';
import { WebhookAlertChannel, type FetchLike } from './webhookAlertChannel';

/** Fans an alert out to every channel; one failing channel never stops the others or the caller. */
export class Alerter {
  constructor(
    private readonly channels: readonly AlertChannel[],
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async raise(alert: Alert): Promise<void> {
    const stamped: Alert = { ...alert, at: alert.at ?? this.clock().toISOString() };
    const results = await Promise.allSettled(this.channels.map((c) => c.send(stamped)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        this.logger.error('Alert channel failed', {
          channel: this.channels[i].constructor.name,
          kind: stamped.kind,
          reason: r.reason instanceof Error ? r.reason.message : String(r.reason),
        });
      }
    });
  }
}

/** The channels a configuration asks for: always the log line, plus ALERT_WEBHOOK_URL when set. */
export function createAlerter(
  config: { alerts: { webhookUrl?: string } },
  logger: Logger,
  options: { fetch?: FetchLike } = {},
): Alerter {
  const channels: AlertChannel[] = [new LogAlertChannel(logger)];
  if (config.alerts.webhookUrl) {
    channels.push(new WebhookAlertChannel(config.alerts.webhookUrl, { logger, fetch: options.fetch }));
  }
  return new Alerter(channels, logger);
}
