import { ALERT_LOG_NAME } from './model';

export interface AlertQueryOptions {
  /**
   * `traces` for a classic Application Insights query, `AppTraces` for a workspace-based resource
   * queried from Log Analytics (scheduled query rules in infra/ use the workspace).
   */
  table?: 'traces' | 'AppTraces';
  /** Lowest severity the rule fires on (default warning). */
  minSeverity?: 'info' | 'warning' | 'error' | 'critical';
}

/** The query an Azure Monitor scheduled-query alert rule runs to find our alert lines. */
export function kqlForAlerts(options: AlertQueryOptions = {}): string {
  const table = options.table ?? 'traces';
  const column = table === 'traces' ? 'message' : 'Message';
  const time = table === 'traces' ? 'timestamp' : 'TimeGenerated';
  const levels = ['info', 'warning', 'error', 'critical'];
  const wanted = levels.slice(levels.indexOf(options.minSeverity ?? 'warning'));
  const prefix = `${ALERT_LOG_NAME} `;
  return [
    table,
    `| where ${column} startswith "${prefix}"`,
    `| extend alert = parse_json(substring(${column}, ${prefix.length}))`,
    `| extend severity = tostring(alert.severity), kind = tostring(alert.kind), tenantId = tostring(alert.tenantId)`,
    `| where severity in (${wanted.map((l) => `"${l}"`).join(', ')})`,
    `| project ${time}, severity, kind, tenantId, alertMessage = tostring(alert.message), details = alert.details`,
  ].join('\n');
}
