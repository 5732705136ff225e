/**
 * The client under each answer Microsoft's documentation leaves open (local/simulator/README.md,
 * "What the documentation says"). Where the docs are silent, every possible answer gets a test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator } from '../../local/simulator';
import type { Simulator } from '../../local/simulator/model';
import { apiErrorFromAnswer } from '../../shared/managementApi/responseFailure';
import {
  createClientSecretCredential,
  ManagementActivityClient,
  ManagementApiError,
  type ManagementActivityClientOptions,
} from '../../shared/managementApi';

const tenantId = '5d2c7e10-8a4b-4c3d-9e2f-10a2b3c4d5e6';
const clientId = '6e3d8f21-9b5c-4d4e-8f30-21b3c4d5e6f7';
const secret = 'undocumented-answers-secret';

let sim: Simulator;
let webhook: http.Server;
let webhookAddress: string;

beforeAll(async () => {
  webhook = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookAddress = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  sim = await startSimulator({
    tenants: [{ tenantId, clientId, clientSecret: secret }],
    startSpacingMs: 0,
    allowInsecureWebhook: true,
    push: { autoPush: false },
  });
});

afterAll(async () => {
  await sim?.stop();
  await new Promise((resolve) => webhook?.close(resolve));
});

beforeEach(() => {
  sim.faults.clear();
  sim.setAnswers({
    dateHeader: true,
    startOnDisabledWebhook: 'reenable',
    startOnAdminDisabled: 'AF20023',
  });
});

function clientFor(options: ManagementActivityClientOptions = {}) {
  const tenant = {
    tenantId,
    clientId,
    publisherId: tenantId,
    endpoints: {
      apiBaseUrl: sim.apiBaseUrl,
      authorityHost: sim.authorityHost,
      tokenScope: `${sim.apiBaseUrl}/.default`,
      graphBaseUrl: sim.graphBaseUrl,
    },
  };
  const waits: number[] = [];
  const client = new ManagementActivityClient(tenant, createClientSecretCredential(tenant, secret), {
    sleep: async (ms) => void waits.push(ms),
    retryDelay: { baseMs: 100, maxMs: 1000 },
    ...options,
  });
  return { client, waits };
}

async function failureOf(promise: Promise<unknown>): Promise<ManagementApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ManagementApiError)) throw new Error(`expected a ManagementApiError, got ${error}`);
  return error;
}

const HOUR = 3600_000;

describe('throttling as HTTP 403 with AF429 (documented), with or without Retry-After (not documented)', () => {
  it.each([
    ['with Retry-After: waits what the server says', 7, [7000]],
    ['without Retry-After: backs off with jitter under the doubling ceiling', undefined, [50, 100]],
  ])('%s', async (_name, retryAfterSeconds, expectedWaits) => {
    sim.faults.add({
      operation: 'list',
      kind: 'throttle-403',
      retryAfterSeconds,
      times: expectedWaits.length,
    });
    const { client, waits } = clientFor({ random: () => 0.5 });
    expect(Array.isArray(await client.listSubscriptions())).toBe(true);
    expect(waits).toEqual(expectedWaits);
  });
});

describe('a refused listing window (AF20030), with or without a Date header (not documented)', () => {
  const refusedWindow = () => {
    const now = Date.now();
    return { startTime: new Date(now - 8 * 24 * HOUR), endTime: new Date(now - 8 * 24 * HOUR + HOUR) };
  };

  beforeAll(() => clientFor().client.startSubscription('Audit.General'));

  it.each([true, false])(
    'Date header %s: the error keeps the arrival time and any server clock',
    async (dateHeader) => {
      sim.setAnswers({ dateHeader });
      const { client } = clientFor();
      const before = Date.now();
      const error = await failureOf(
        (async () => {
          for await (const page of client.listContent('Audit.General', refusedWindow()).byPage()) void page;
        })(),
      );
      expect(error).toMatchObject({ code: 'AF20030', classification: 'badWindow' });
      expect(error.receivedAt!.getTime()).toBeGreaterThanOrEqual(before);
      expect(error.receivedAt!.getTime()).toBeLessThanOrEqual(Date.now());
      if (dateHeader) expect(error.serverDate).toBeInstanceOf(Date);
      else expect(error.serverDate).toBeUndefined();
    },
  );
});

describe('AF20051 for expired content (documented code, undocumented HTTP status)', () => {
  it.each([400, 404, 410])('reads AF20051 as expired content under HTTP %s', (statusCode) => {
    const error = apiErrorFromAnswer({
      operation: 'streamContent',
      statusCode,
      headers: new Headers(),
      bodyText: JSON.stringify({
        error: { code: 'AF20051', message: 'Content requested with the key x has already expired.' },
      }),
      now: new Date(),
    });
    expect(error.classification).toBe('expired');
  });

  it('gets AF20051 from the simulated tenant for an expired blob', async () => {
    await clientFor().client.startSubscription('Audit.General');
    const [blob] = sim.generateAndPublish(tenantId, 'Audit.General', { blobs: 1, recordsPerBlob: 1 });
    sim.expireContent(blob!.contentId);
    const error = await failureOf(clientFor().client.fetchContent(blob!.contentUri));
    expect(error).toMatchObject({ code: 'AF20051', classification: 'expired' });
  });
});

describe('/start on a webhook Microsoft disabled (documented to re-enable; the answer is not)', () => {
  it.each([
    ['reenable', 'enabled'],
    ['leaveDisabled', 'disabled'],
    ['alreadyEnabled', 'disabled'],
  ] as const)('%s: the client returns the webhook as the API has it (%s)', async (mode, expected) => {
    sim.setAnswers({ startOnDisabledWebhook: mode });
    const { client } = clientFor();
    const webhook = { address: webhookAddress, authId: 'auth-id-for-this-test' };
    await client.startSubscription('Audit.Exchange', { webhook });
    sim.setWebhookState(tenantId, 'Audit.Exchange', 'disabled');
    const answer = await client.startSubscription('Audit.Exchange', { webhook });
    expect(answer.webhook?.status).toBe(expected);
  });
});

describe('AF20023 for an admin-disabled subscription (documented code, undocumented operation)', () => {
  it.each([
    ['AF20023', 'the start fails as disabledByAdmin'],
    ['unchanged', 'the start answers it still disabled'],
  ] as const)('%s: %s, and listing content says AF20023', async (mode, _outcome) => {
    sim.setAnswers({ startOnAdminDisabled: mode });
    const { client } = clientFor();
    await client.startSubscription('Audit.SharePoint');
    sim.disableSubscriptionByAdmin(tenantId, 'Audit.SharePoint');
    if (mode === 'AF20023') {
      const error = await failureOf(client.startSubscription('Audit.SharePoint'));
      expect(error.classification).toBe('disabledByAdmin');
    } else {
      expect((await client.startSubscription('Audit.SharePoint')).status).toBe('disabled');
    }
    const now = Date.now();
    const listing = await failureOf(
      (async () => {
        const window = { startTime: new Date(now - HOUR), endTime: new Date(now) };
        for await (const page of client.listContent('Audit.SharePoint', window).byPage()) void page;
      })(),
    );
    expect(listing).toMatchObject({ code: 'AF20023', classification: 'disabledByAdmin' });
  });
});
