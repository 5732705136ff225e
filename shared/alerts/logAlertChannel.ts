import type { Logger } from '../log';
import { ALERT_LOG_NAME, type Alert, type AlertChannel } from './model';

/**
 * Writes each alert as one trace line: `M365ReceiverAlert {"severity":…,"kind":…,…}`. Application
 * Insights stores it in `traces.message` (`AppTraces.Message` in a workspace), where the alert rule
 * from kqlForAlerts() parses the JSON after the name. The logger's formatter redacts secret-looking keys.
 */
export class LogAlertChannel implements AlertChannel {
  constructor(private readonly logger: Logger) {}

  async send(alert: Alert): Promise<void> {
    const fields = {
      severity: alert.severity,
      kind: alert.kind,
      tenantId: alert.tenantId,
      message: alert.message,
      details: alert.details,
      at: alert.at,
    };
    if (alert.severity === 'critical' || alert.severity === 'error')
      this.logger.error(ALERT_LOG_NAME, fields);
    else if (alert.severity === 'warning') this.logger.warn(ALERT_LOG_NAME, fields);
    else this.logger.info(ALERT_LOG_NAME, fields);
  }
}
