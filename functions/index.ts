/**
 * Entry point the Azure Functions host loads (package.json "main"). Settings are read and checked
 * once here; an invalid configuration stops the app from loading, with every problem named. Tenants
 * may come from the settings or only from the tenant registry (added with `tenants add`), so a
 * deployment without O365_TENANT_ID/O365_TENANTS loads and serves the registry's tenants.
 */
import { ConfigError, loadConfigFromEnvironment } from '../shared/config/settings';
import { createLogger } from '../shared/log';
import { allFunctions } from './allFunctions';
import { registerWithAzure } from './registerWithAzure';
import { createServices } from './services';

// Outside an invocation the host captures console output as traces; handlers log through their context.
const logger = createLogger((level, line) => (level === 'error' ? console.error(line) : console.log(line)));

try {
  const services = createServices(loadConfigFromEnvironment({ requireTenants: false }), { logger });
  registerWithAzure(allFunctions(services));
} catch (e) {
  if (e instanceof ConfigError) logger.error(`m365-activity-receiver cannot start: ${e.message}`);
  throw e;
}
