/**
 * One event as an HEC event object: `{"time":…,"sourcetype":…,"index":…,"source":…,"event":<ECS event>}`.
 * Batches are these objects one after another (HEC takes concatenated objects, no array). `time` is
 * the event's @timestamp in epoch seconds with milliseconds, so Splunk's _time is when the activity
 * happened, not when it arrived; without a readable @timestamp HEC uses the arrival time.
 */
import type { EncodedEvent, SinkEvent } from '../delivery/model';
import type { ContentBlobRef } from '../sink';

export interface HecEnvelope {
  sourcetype: string;
  index?: string;
}

export function epochSecondsOf(timestamp: unknown): string | undefined {
  if (typeof timestamp !== 'string') return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : (ms / 1000).toFixed(3);
}

export function encodeHecEvent(event: SinkEvent, blob: ContentBlobRef, envelope: HecEnvelope): EncodedEvent {
  const time = epochSecondsOf((event.event as { '@timestamp'?: unknown })['@timestamp']);
  const head = JSON.stringify({
    sourcetype: envelope.sourcetype,
    source: blob.contentType,
    ...(envelope.index ? { index: envelope.index } : {}),
  });
  const payload = `{${time !== undefined ? `"time":${time},` : ''}${head.slice(1, -1)},"event":${event.json}}\n`;
  return { source: event, payload, bytes: Buffer.byteLength(payload) };
}
