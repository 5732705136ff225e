/**
 * One small alert model shared by every part of the receiver: the secret-expiry watch, the content
 * pipeline (lost content, poison messages) and the subscription keeper all raise the same shape, so
 * one Azure Monitor rule and one incoming webhook see all of them.
 */
export type AlertSeverity = 'info' | 'warning' | 'error' | 'critical';

export type AlertKind =
  | 'secretExpiring'
  | 'secretExpired'
  | 'secretWithoutExpiry'
  | 'secretRejected'
  | 'secretUnavailable'
  | 'certificateExpiring'
  | 'certificateExpired'
  | 'certificateRejected'
  | 'certificateUnavailable'
  | 'graphNotGranted'
  | 'contentLost'
  | 'poisonMessage'
  | 'webhookRejected'
  | 'subscriptionDisabledByAdmin'
  | 'backfillGapLost'
  | 'webhookReenabled'
  | 'subscriptionStarted'
  | 'sinkRejected';

export interface Alert {
  severity: AlertSeverity;
  kind: AlertKind;
  tenantId?: string;
  /** One human sentence; never a secret value or token. */
  message: string;
  /**
   * Extra fields for queries. Keys that look secret (secret, token, password, …) are redacted by the
   * channels, so name facts neutrally: `keyVaultItem`, not `secretName`.
   */
  details?: Record<string, unknown>;
  /** ISO time the condition was observed; the Alerter fills it in when absent. */
  at?: string;
}

/** Stable name the Azure Monitor / Log Analytics alert rules look for at the start of a trace. */
export const ALERT_LOG_NAME = 'M365ReceiverAlert';

export interface AlertChannel {
  send(alert: Alert): Promise<void>;
}

export const SEVERITY_ORDER: Readonly<Record<AlertSeverity, number>> = {
  info: 0,
  warning: 1,
  error: 2,
  critical: 3,
};

/** `[CRITICAL] secretExpired (tenant 1111…): message` — the one line chat webhooks display. */
export function summarizeAlert(alert: Alert): string {
  const tenant = alert.tenantId ? ` (tenant ${alert.tenantId})` : '';
  return `[${alert.severity.toUpperCase()}] ${alert.kind}${tenant}: ${alert.message}`;
}
