/** The one alert per content blob and sink that refused events for good (never per event). */
import type { Alert } from '../../alerts/model';
import type { ContentBlobRef } from '../sink';
import type { SinkBlobOutcome } from './model';

export function sinkRejectedAlert(blob: ContentBlobRef, outcome: SinkBlobOutcome): Alert | undefined {
  if (outcome.deadLettered === 0) return undefined;
  return {
    severity: 'warning',
    kind: 'sinkRejected',
    tenantId: blob.tenantId,
    message: `${outcome.sink} refused ${outcome.deadLettered} event(s) of a content blob for good; they are in the dead letter with the reason`,
    details: {
      sink: outcome.sink,
      contentId: blob.contentId,
      contentType: blob.contentType,
      deadLettered: outcome.deadLettered,
      deadLetter: outcome.deadLetterLocation,
    },
  };
}
