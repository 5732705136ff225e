import type { CatalogOptions } from './catalog';
import { defineReceiverFunctions } from './catalog';
import type { FunctionDefinition } from './definition';
import { defineHealth } from './health';
import { defineMaintenance } from './maintenance';
import type { ReceiverServices } from './services';
import { withStorageReady } from './withStorageReady';

/** The full list, as registered in Azure and in the local host. */
export function allFunctions(services: ReceiverServices, options: CatalogOptions = {}): FunctionDefinition[] {
  const definitions: FunctionDefinition[] = [
    ...defineReceiverFunctions(services, options),
    defineMaintenance(services, { now: options.now }),
    defineHealth(services, { now: options.now }),
  ];
  // The webhook only enqueues: it must keep answering 200 through a Table or Blob outage.
  return definitions.map((d) =>
    withStorageReady(d, d.name === 'webhook' ? services.ensureQueue : services.ensureStorage),
  );
}
