/** The alerts area in one import: the model, its channels, the fan-out and the Azure Monitor query. */
export * from './model';
export { LogAlertChannel } from './logAlertChannel';
export { WebhookAlertChannel, webhookBodyOf } from './webhookAlertChannel';
export type { FetchLike, WebhookAlertBody, WebhookAlertChannelOptions } from './webhookAlertChannel';
export { Alerter, createAlerter } from './alerter';
export { kqlForAlerts } from './kql';
export type { AlertQueryOptions } from './kql';
