/** The operator commands, run in-process through local/cli.ts main() with fake streams. */
import { AzuriteInstance, startAzurite } from '../../local/azurite';
import type { Simulator } from '../../local/simulator';
import { AUTH_ID, envFor, Receiver, runCli, servicesFor, simulator, startReceiver, TENANT } from './world';

jest.setTimeout(60_000);

let azurite: AzuriteInstance;
let receiver: Receiver;
let sim: Simulator;
beforeAll(async () => {
  [azurite, receiver, sim] = await Promise.all([startAzurite(), startReceiver(), simulator()]);
});
afterAll(async () => {
  await Promise.all([azurite?.stop(), receiver?.close(), sim?.stop()]);
});

const env = () =>
  envFor(sim, azurite.connectionString, { WEBHOOK_URL: receiver.url, WEBHOOK_AUTH_ID: AUTH_ID });
const oneLineError = (stderr: string) => {
  const lines = stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(lines).toHaveLength(1);
  return lines[0];
};

describe('operator commands', () => {
  it('subscriptions ensure starts what is missing, then list shows the webhooks', async () => {
    const e = env();
    const ensured = await runCli(['subscriptions', 'ensure'], e);
    expect(ensured.code).toBe(0);
    expect(ensured.stdout).toContain(`${TENANT} Audit.SharePoint: started (missing)`);
    const listed = await runCli(['subscriptions', 'list'], e);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${TENANT} Audit.Exchange: enabled, webhook enabled ${receiver.url}`);
  });

  it('backfill shows progress as plain lines when not on a terminal and enqueues what was missed', async () => {
    const e = env();
    await runCli(['subscriptions', 'ensure'], e);
    sim.generateAndPublish(TENANT, 'Audit.Exchange', {
      blobs: 2,
      recordsPerBlob: 2,
      createdAt: new Date(Date.now() - 30 * 3600_000),
      notify: false,
    });
    const r = await runCli(['backfill', '--since', '2d', '--content-type', 'audit.exchange'], e);
    expect(r.code).toBe(0);
    const progress = r.stdout.split('\n').filter((l) => l.startsWith(`backfill ${TENANT}`));
    expect(progress.some((l) => l.includes('window 1/2'))).toBe(true);
    expect(progress.every((l) => !l.includes('\r'))).toBe(true);
    expect(progress.at(-1)).toMatch(/windows 2\/2, found 2, enqueued 2, time left ~0s/);
    expect(r.stdout).toContain('backfill finished: 2 window(s) listed, 2 blob(s) found, 2 enqueued');
    expect((await servicesFor(e).queue.depth()).queued).toBe(2);
  });

  it('backfill redraws one line on a terminal', async () => {
    const e = { ...env(), O365_CONTENT_TYPES: 'Audit.General' };
    await runCli(['subscriptions', 'ensure'], e);
    const r = await runCli(['backfill', '--since', '90m'], e, true);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\r\x1b[2Kbackfill');
  });

  it.each([
    [['backfill'], /--since is required/],
    [['backfill', '--since', 'last tuesday'], /--since must look like/],
    [['backfill', '--since', '9d'], /reaches past what the API keeps/],
    [['backfill', '--since', '1h', '--content-type', 'Audit.Teams'], /is not one of/],
    [['subscriptions', 'delete'], /usage: subscriptions/],
    [['replay-poison', '--max', 'many'], /--max must be a positive whole number/],
  ])('%j exits 2 with a one-line reason', async (argv, reason) => {
    const r = await runCli(argv, env());
    expect(r.code).toBe(2);
    expect(oneLineError(r.stderr)).toMatch(reason);
  });

  it('a configuration problem exits 2 naming the setting', async () => {
    const r = await runCli(['subscriptions', 'list'], { AzureWebJobsStorage: azurite.connectionString });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('O365_TENANT_ID');
  });

  it('exits 1 with one line when the API cannot be reached', async () => {
    const r = await runCli(['subscriptions', 'list'], {
      ...env(),
      O365_API_BASE_URL: 'https://127.0.0.1:9',
      O365_REQUEST_TIMEOUT_MS: '2000',
    });
    expect(r.code).toBe(1);
    expect(oneLineError(r.stderr)).toMatch(/could not list subscriptions/);
  });

  it('check-secret reports the token as ok, and exits 1 with one line once the secret has expired', async () => {
    const own = await simulator({}, {});
    try {
      const e = envFor(own, azurite.connectionString);
      const ok = await runCli(['check-secret'], e);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`${TENANT}: token ok`);
      own.setClientSecret(TENANT, e.O365_CLIENT_SECRET!, new Date(Date.now() - 60_000));
      const expired = await runCli(['check-secret'], e);
      expect(expired.code).toBe(1);
      expect(oneLineError(expired.stderr)).toMatch(/AADSTS7000222|expired/);
      expect(expired.stdout).toContain('token refused');
    } finally {
      await own.stop();
    }
  });

  it('replay-poison moves poison messages back and leaves unreadable ones', async () => {
    const e = env();
    const services = servicesFor(e);
    await services.ensureStorage();
    await services.queue.sendToPoison({
      tenantId: TENANT,
      contentType: 'Audit.General',
      contentId: 'x1',
      contentUri: `${sim.apiBaseUrl}/api/v1.0/${TENANT}/activity/feed/audit/x1`,
      source: 'webhook',
      enqueuedAt: new Date().toISOString(),
    });
    await services.queue.sendToPoison('not json at all');
    const r = await runCli(['replay-poison'], e);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('replayed 1 message(s); 1 unreadable left in the poison queue');
    expect(await services.queue.depth()).toEqual({ queued: 1, poison: 1 });
  });
});
