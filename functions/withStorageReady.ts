import type {
  FunctionDefinition,
  HttpFunctionDefinition,
  QueueFunctionDefinition,
  TimerFunctionDefinition,
} from './definition';
import { loggerFromContext } from '../shared/log';
import { describeError } from '../shared/maintenance/describeError';

/**
 * Makes every invocation wait until the storage it needs exists. The first call creates it (infra/
 * normally has); later calls reuse the settled promise, so the cost is one await. Each function is
 * given only what it needs: the webhook only the queue, so a Table or Blob outage never turns
 * Microsoft's deliveries into failures (which would end with the webhook disabled).
 */
export function withStorageReady(def: FunctionDefinition, ensure: () => Promise<void>): FunctionDefinition {
  switch (def.kind) {
    case 'http': {
      const wrapped: HttpFunctionDefinition = {
        ...def,
        handler: async (request, context) => {
          try {
            await ensure();
          } catch (error) {
            // A 503 says "later" to any caller (Microsoft retries a delivery); a thrown error is a 500.
            const reason = describeError(error);
            loggerFromContext(context).error('storage is not ready; answering 503', {
              functionName: def.name,
              reason,
            });
            return {
              status: 503,
              body: 'storage is unavailable; retry later',
              headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30' },
            };
          }
          return def.handler(request, context);
        },
      };
      return wrapped;
    }
    case 'queue': {
      const wrapped: QueueFunctionDefinition = {
        ...def,
        handler: async (message, context) => (await ensure(), def.handler(message, context)),
      };
      return wrapped;
    }
    case 'timer': {
      const wrapped: TimerFunctionDefinition = {
        ...def,
        handler: async (timer, context) => (await ensure(), def.handler(timer, context)),
      };
      return wrapped;
    }
  }
}
