/**
 * Entry point the Azure Functions host loads (package.json "main"). Settings are read and checked
 * once here; an invalid configuration stops the app from loading, with every problem named.
 */
import { ConfigError, loadConfigFromEnvironment } from '../shared/config/settings';
import { createLogger } from '../shared/log';
import { allFunctions } from './allFunctions';
import { registerWithAzure } from './registerWithAzure';
import { createServices } from './services';

// Outside an invocation the host captures console output as traces; handlers log through their context.
const logger = createLogger((level, line) => (level === 'error' ? console.error(line) : console.log(line)));

try {
  const services = createServices(loadConfigFromEnvironment(), { logger });
  registerWithAzure(allFunctions(services));
} catch (e) {
  if (e instanceof ConfigError) logger.error(`m365-activity-receiver cannot start: ${e.message}`);
  throw e;
}
