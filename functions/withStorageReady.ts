import type {
  FunctionDefinition,
  HttpFunctionDefinition,
  QueueFunctionDefinition,
  TimerFunctionDefinition,
} from './definition';

/**
 * Makes every invocation wait until the queues, tables and container exist. The first call creates
 * them (infra/ normally has); later calls reuse the settled promise, so the cost is one await.
 */
export function withStorageReady(def: FunctionDefinition, ensure: () => Promise<void>): FunctionDefinition {
  switch (def.kind) {
    case 'http': {
      const wrapped: HttpFunctionDefinition = {
        ...def,
        handler: async (request, context) => (await ensure(), def.handler(request, context)),
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
