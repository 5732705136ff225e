/**
 * The function the pipeline calls for one content blob: streams its events once into every sink it
 * names, each at its own pace, and answers one outcome per sink. One sink failing or being put off
 * does not stop the others; the caller records each completed sink, so a retry of the blob goes only
 * to the sinks that have not finished. An error of the event stream itself (the content fetch) is
 * thrown unchanged once every sink has stopped, so the caller classifies it as before.
 */
import type { ContentBlobRef } from '../sink';
import { broadcast } from './broadcast';
import type { ContentSink, SinkBlobOutcome } from './model';

export async function deliverToSinks(
  sinks: readonly ContentSink[],
  blob: ContentBlobRef,
  events: AsyncIterable<object>,
  options: { bufferEvents?: number } = {},
): Promise<SinkBlobOutcome[]> {
  const fanOut = broadcast(events, sinks.length, options.bufferEvents);
  const settled = await Promise.allSettled(
    sinks.map((sink, i) =>
      sink.deliver(blob, fanOut.streams[i]).finally(() => {
        fanOut.detach(i);
      }),
    ),
  );
  if (fanOut.sourceFailed) throw fanOut.sourceError;
  return settled.map((result, i) =>
    result.status === 'fulfilled'
      ? result.value
      : {
          sink: sinks[i].name,
          status: 'failed',
          events: 0,
          written: 0,
          alreadyPresent: 0,
          deadLettered: 0,
          requests: 0,
          error: result.reason instanceof Error ? result.reason : new Error(String(result.reason)),
        },
  );
}

/** The sinks of `all` not among those that `finished` the blob, in configuration order (a retry's). */
export function sinksStillOwed(
  all: readonly ContentSink[],
  finished: Readonly<Record<string, unknown>>,
): ContentSink[] {
  return all.filter((s) => !Object.hasOwn(finished, s.name));
}
