/**
 * Hands our function definitions to the Azure Functions host. Outside that host @azure/functions
 * skips registrations (it switches to "test mode"), which is why the local host keeps its own list.
 */
import { app } from '@azure/functions';
import type { FunctionDefinition } from './definition';

export function registerWithAzure(
  definitions: readonly FunctionDefinition[],
  connection = 'AzureWebJobsStorage',
): void {
  for (const def of definitions) {
    switch (def.kind) {
      case 'http':
        app.http(def.name, {
          route: def.route,
          methods: def.methods,
          authLevel: def.authLevel,
          handler: def.handler,
        });
        break;
      case 'queue':
        app.storageQueue(def.name, { queueName: def.queueName, connection, handler: def.handler });
        break;
      case 'timer':
        app.timer(def.name, { schedule: def.schedule, runOnStartup: false, handler: def.handler });
        break;
    }
  }
}
