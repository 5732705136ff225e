/**
 * `npm start`: the whole receiver on this machine. With no settings it starts Azurite in memory,
 * the simulated tenant and the local Functions host, subscribes the five content types with the
 * local webhook (the simulator validates it), lets the simulator push notifications, and prints a
 * live summary. Unless SINKS says otherwise, events go to NDJSON blobs (Azurite) and to NDJSON files
 * under FILE_SINK_DIR (default ./events), so they can be read with `tail`. With a real tenant configured (a client secret or Key Vault), the same command
 * runs against Microsoft; the webhook must then be reachable from the internet (README).
 */
import { randomBytes } from 'node:crypto';
import { allFunctions } from '../functions/allFunctions';
import type { BlobOutcome } from '../functions/fetchContent';
import { createServices } from '../functions/services';
import { ConfigError, loadConfig, type AppConfig } from '../shared/config/settings';
import { CONTENT_TYPES, type ContentType } from '../shared/contentTypes';
import { createLogger, type Logger } from '../shared/log';
import { runMaintenance } from '../shared/maintenance/runMaintenance';
import { startAzurite, type AzuriteInstance } from './azurite';
import { startLocalHost, type LocalHost } from './host';
import { startSimulator, type Simulator } from './simulator';
import { freePort } from './freePort';

const DEMO_TENANT_ID = '7d3c0f52-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const DEMO_CLIENT_ID = 'c0ffee00-1234-4abc-9def-001122334455';
const SUMMARY_EVERY_MS = 5000;

interface Summary {
  blobs: Record<string, number>;
  events: Record<string, number>;
  duplicates: number;
  deferred: number;
  lost: number;
  failed: number;
}

function isRealTenant(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.O365_CLIENT_SECRET || env.KEY_VAULT_URL || env.O365_TENANTS);
}

function quietLogger(verbose: boolean): Logger {
  return createLogger((level, line) => {
    if (level === 'error') process.stderr.write(`[error] ${line}\n`);
    else if (level === 'warn') process.stderr.write(`[warn] ${line}\n`);
    else if (verbose) process.stdout.write(`${line}\n`);
  }, 'debug');
}

async function startStorage(): Promise<{ azurite?: AzuriteInstance; connectionString: string }> {
  try {
    const azurite = await startAzurite({ ports: { blob: 10000, queue: 10001, table: 10002 } });
    return { azurite, connectionString: 'UseDevelopmentStorage=true' };
  } catch {
    // The standard ports are taken (often by an Azurite already running): use free ones instead.
    const azurite = await startAzurite();
    return { azurite, connectionString: azurite.connectionString };
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.PORT ?? 7071);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const verbose = env.VERBOSE === '1' || env.VERBOSE === 'true';
  const log = quietLogger(verbose);
  const real = isRealTenant(env);
  const stoppers: (() => Promise<void>)[] = [];

  const storage: { azurite?: AzuriteInstance; connectionString: string } = env.AzureWebJobsStorage
    ? { connectionString: env.AzureWebJobsStorage }
    : await startStorage();
  if (storage.azurite) stoppers.push(storage.azurite.stop);

  // 40 hex characters, as `openssl rand -hex 20` and azd make it (the configuration wants 32 or more).
  const webhookAuthId = env.WEBHOOK_AUTH_ID ?? randomBytes(20).toString('hex');
  const tenantId = (env.O365_TENANT_ID ?? DEMO_TENANT_ID).toLowerCase();
  const clientId = (env.O365_CLIENT_ID ?? DEMO_CLIENT_ID).toLowerCase();
  let sim: Simulator | undefined;
  const settings: Record<string, string | undefined> = {
    ...env,
    AzureWebJobsStorage: storage.connectionString,
    // Local runs also write plain files: no storage browser needed to see the events.
    SINKS: env.SINKS ?? 'blob,file',
  };
  if (!real) {
    const clientSecret = randomBytes(24).toString('base64url');
    sim = await startSimulator({
      tenants: [{ tenantId, clientId, clientSecret }],
      allowInsecureWebhook: true,
      startSpacingMs: 0,
      push: { retryDelaysMs: [500, 1000, 2000, 4000] },
    });
    stoppers.unshift(sim.stop);
    Object.assign(settings, {
      O365_TENANT_ID: tenantId,
      O365_CLIENT_ID: clientId,
      O365_CLIENT_SECRET: clientSecret,
      O365_API_BASE_URL: sim.apiBaseUrl,
      O365_AUTHORITY_HOST: sim.authorityHost,
      O365_GRAPH_BASE_URL: sim.graphBaseUrl,
      O365_TENANT_NAME: env.O365_TENANT_NAME ?? 'Simulated tenant',
    });
  }

  const summary: Summary = { blobs: {}, events: {}, duplicates: 0, deferred: 0, lost: 0, failed: 0 };
  const onBlobDone = (o: BlobOutcome) => {
    if (o.status === 'written') {
      const ct = o.message.contentType;
      summary.blobs[ct] = (summary.blobs[ct] ?? 0) + 1;
      summary.events[ct] = (summary.events[ct] ?? 0) + o.stats.events;
    } else if (o.status === 'duplicate') summary.duplicates += 1;
    else if (o.status === 'deferred') summary.deferred += 1;
    else if (o.status === 'lost') summary.lost += 1;
    else summary.failed += 1;
  };

  // PORT=0 asks for any free port; it must be known before the webhook address is configured.
  const listenPort = port === 0 ? await freePort() : port;
  const config: AppConfig = loadConfig({
    ...settings,
    WEBHOOK_AUTH_ID: webhookAuthId,
    // Microsoft can only call a public https address: against a real tenant without WEBHOOK_URL the
    // receiver runs on backfill alone (the maintenance timer lists content every 15 minutes).
    WEBHOOK_URL: env.WEBHOOK_URL ?? (real ? undefined : `http://127.0.0.1:${listenPort}/api/webhook`),
  });
  const services = createServices(config, { logger: log });
  const host: LocalHost = await startLocalHost(allFunctions(services, { onBlobDone }), {
    port: listenPort,
    storageConnectionString: storage.connectionString,
    logger: log,
    timers: 'schedule',
  });
  stoppers.unshift(host.stop);
  await services.ensureStorage();
  const webhookUrl = config.webhook.address ?? `${host.url}/api/webhook`;
  if (!config.webhook.address) {
    process.stdout.write(
      'note: WEBHOOK_URL is not set, so Microsoft cannot push; content is collected by backfill only ' +
        '(set WEBHOOK_URL to a public https tunnel to this port for push)\n',
    );
  }

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping...\n');
    for (const s of stoppers) await s().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  process.stdout.write(
    `m365-activity-receiver running locally (${real ? 'real tenant' : 'simulated tenant'})\n`,
  );
  process.stdout.write(`webhook: ${webhookUrl}\n`);
  process.stdout.write(`health:  ${host.url}/api/health?code=${host.functionKey}\n`);
  const where = storage.azurite
    ? `Azurite, http://127.0.0.1:${storage.azurite.blobPort}/devstoreaccount1`
    : 'the storage account in AzureWebJobsStorage';
  if (config.sinks.enabled.includes('blob')) {
    process.stdout.write(`events:  NDJSON blobs in container "${config.names.eventsContainer}" (${where})\n`);
  }
  if (config.sinks.file) {
    process.stdout.write(`events:  NDJSON files under ${config.sinks.file.dir} (one per content blob)\n`);
  }
  const others = config.sinks.enabled.filter((name) => name !== 'blob' && name !== 'file');
  if (others.length > 0) process.stdout.write(`events:  also sent to ${others.join(', ')}\n`);

  // The same path as the maintenance timer: start what is missing, repair what is not ours.
  const report = await runMaintenance(services, log, { tasks: ['subscriptions'] });
  for (const t of report.tenants) {
    const started = (t.subscriptions ?? []).map((o) => `${o.contentType}: ${o.result}`);
    process.stdout.write(`subscriptions (${t.tenantId}): ${started.join(', ') || 'none'}\n`);
  }
  if (sim) {
    const simulator = sim;
    let round = 0;
    let previous: ReturnType<Simulator['generateAndPublish']> = [];
    const publish = () => {
      const ct: ContentType = CONTENT_TYPES[round % CONTENT_TYPES.length];
      const published = simulator.generateAndPublish(tenantId, ct, {
        blobs: 1,
        recordsPerBlob: 20 + (round % 5) * 10,
        seed: round,
      });
      // Microsoft delivers some notifications twice; the ledger must make that harmless.
      // Sent a round later, so it is not folded into the same notification batch as the original.
      if (round % 4 === 3) simulator.notifyAgain(previous);
      previous = published;
      round += 1;
    };
    const publisher = setInterval(publish, 1000);
    stoppers.unshift(async () => clearInterval(publisher));
  }

  const printer = setInterval(() => {
    const types = Object.keys(summary.blobs).sort();
    const parts = types.map((ct) => `${ct} ${summary.blobs[ct]} blobs/${summary.events[ct]} events`);
    process.stdout.write(
      `[summary] ${parts.join(' | ') || 'no blobs yet'} | duplicates skipped ${summary.duplicates}` +
        ` | deferred ${summary.deferred} | lost ${summary.lost} | failed ${summary.failed}\n`,
    );
  }, SUMMARY_EVERY_MS);
  stoppers.unshift(async () => clearInterval(printer));
  process.stdout.write('Press Ctrl-C to stop.\n');
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
  else process.stderr.write(`npm start failed: ${(e as Error).message}\n`);
  process.exit(1);
});
