import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ALERT_LOG_NAME,
  Alerter,
  createAlerter,
  kqlForAlerts,
  LogAlertChannel,
  WebhookAlertChannel,
  type Alert,
  type AlertChannel,
} from '../../shared/alerts/alert';
import { memoryLogger } from '../../shared/log';

const TENANT = '11111111-2222-3333-4444-555555555555';
const expiring: Alert = {
  severity: 'error',
  kind: 'secretExpiring',
  tenantId: TENANT,
  message: 'The client secret expires in 5 days',
  details: {
    daysLeft: 5,
    thresholdDays: 7,
    clientSecret: 'sup3r-s3cret-value',
    nested: { accessToken: 'eyJ.x.y' },
  },
  at: '2030-06-01T00:00:00.000Z',
};

interface Receiver {
  url: string;
  bodies: unknown[];
  status: number;
  server: Server;
}

async function startReceiver(status = 200): Promise<Receiver> {
  const r: Receiver = { url: '', bodies: [], status, server: createServer() };
  r.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.bodies.push({
        contentType: req.headers['content-type'],
        json: JSON.parse(Buffer.concat(chunks).toString()),
      });
      res.writeHead(r.status, { 'content-type': 'text/plain' });
      res.end(r.status === 200 ? '1' : 'invalid_payload');
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hooks/T000/B000/XXXXsecretpath`;
  return r;
}

function stop(r: Receiver): Promise<void> {
  return new Promise((resolve) => {
    r.server.closeAllConnections();
    r.server.close(() => resolve());
  });
}

describe('LogAlertChannel', () => {
  it('writes one line: the stable name, then the alert fields as JSON', async () => {
    const logger = memoryLogger();
    await new LogAlertChannel(logger).send(expiring);
    expect(logger.lines).toHaveLength(1);
    const { level, line } = logger.lines[0];
    expect(level).toBe('error');
    expect(line.startsWith(`${ALERT_LOG_NAME} {`)).toBe(true);
    const json = JSON.parse(line.slice(ALERT_LOG_NAME.length + 1));
    expect(json).toMatchObject({
      severity: 'error',
      kind: 'secretExpiring',
      tenantId: TENANT,
      message: 'The client secret expires in 5 days',
      details: { daysLeft: 5, thresholdDays: 7 },
      at: '2030-06-01T00:00:00.000Z',
    });
  });

  it('never writes a secret or token found under details', async () => {
    const logger = memoryLogger();
    await new LogAlertChannel(logger).send(expiring);
    const line = logger.lines[0].line;
    expect(line).not.toContain('sup3r-s3cret-value');
    expect(line).not.toContain('eyJ.x.y');
    expect(JSON.parse(line.slice(ALERT_LOG_NAME.length + 1)).details.clientSecret).toBe('[redacted]');
  });

  it.each([
    ['critical', 'error'],
    ['error', 'error'],
    ['warning', 'warn'],
    ['info', 'info'],
  ] as const)('logs a %s alert at %s level', async (severity, level) => {
    const logger = memoryLogger();
    await new LogAlertChannel(logger).send({ ...expiring, severity });
    expect(logger.lines[0].level).toBe(level);
  });
});

describe('WebhookAlertChannel', () => {
  it('posts JSON with a one-line text for Teams/Slack plus the structured fields, secrets redacted', async () => {
    const receiver = await startReceiver();
    try {
      await new WebhookAlertChannel(receiver.url).send(expiring);
      expect(receiver.bodies).toHaveLength(1);
      const { contentType, json } = receiver.bodies[0] as {
        contentType: string;
        json: Record<string, unknown>;
      };
      expect(contentType).toBe('application/json');
      expect(json).toMatchObject({
        text: `[ERROR] secretExpiring (tenant ${TENANT}): The client secret expires in 5 days`,
        source: 'm365-activity-receiver',
        severity: 'error',
        kind: 'secretExpiring',
        tenantId: TENANT,
        message: 'The client secret expires in 5 days',
        at: '2030-06-01T00:00:00.000Z',
      });
      expect(JSON.stringify(json)).not.toContain('sup3r-s3cret-value');
      expect((json.details as Record<string, unknown>).daysLeft).toBe(5);
    } finally {
      await stop(receiver);
    }
  });

  it('logs a refused delivery with the status but not the webhook URL, and does not throw', async () => {
    const receiver = await startReceiver(400);
    const logger = memoryLogger();
    try {
      await expect(new WebhookAlertChannel(receiver.url, { logger }).send(expiring)).resolves.toBeUndefined();
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0].level).toBe('warn');
      expect(logger.lines[0].line).toContain('"status":400');
      expect(logger.lines[0].line).toContain('invalid_payload');
      expect(logger.lines[0].line).not.toContain('XXXXsecretpath');
    } finally {
      await stop(receiver);
    }
  });

  it('logs an unreachable receiver and does not throw', async () => {
    const logger = memoryLogger();
    const channel = new WebhookAlertChannel('http://127.0.0.1:1/hook', { logger, timeoutMs: 5000 });
    await expect(channel.send(expiring)).resolves.toBeUndefined();
    expect(logger.lines[0].line).toContain('Alert webhook unreachable');
  });

  it('does not follow a redirect: the alert never reaches the address the receiver points to', async () => {
    const target = await startReceiver();
    const redirecting = createServer((_req, res) => {
      res.writeHead(307, { location: target.url });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', () => resolve()));
    const logger = memoryLogger();
    try {
      const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hooks/T000/B000/XXXXsecretpath`;
      await expect(new WebhookAlertChannel(url, { logger }).send(expiring)).resolves.toBeUndefined();
      expect(target.bodies).toEqual([]);
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0].line).toContain('Alert webhook unreachable');
      expect(logger.lines[0].line).not.toContain('XXXXsecretpath');
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await stop(target);
    }
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const logger = memoryLogger();
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    await new WebhookAlertChannel('https://hooks.example.test/x', {
      logger,
      fetch: hanging,
      timeoutMs: 10,
    }).send(expiring);
    expect(logger.lines[0].line).toContain('TimeoutError');
  });
});

describe('Alerter', () => {
  it('sends to every channel even when one fails, and logs the failure', async () => {
    const logger = memoryLogger();
    const received: Alert[] = [];
    const broken: AlertChannel = { send: () => Promise.reject(new Error('channel down')) };
    const working: AlertChannel = { send: async (a) => void received.push(a) };
    await new Alerter([broken, working], logger).raise(expiring);
    expect(received).toEqual([expiring]);
    expect(logger.lines.some((l) => l.level === 'error' && l.line.includes('channel down'))).toBe(true);
  });

  it('stamps the time when the alert has none', async () => {
    const received: Alert[] = [];
    const alerter = new Alerter(
      [{ send: async (a) => void received.push(a) }],
      memoryLogger(),
      () => new Date('2031-01-01T00:00:00Z'),
    );
    await alerter.raise({ severity: 'info', kind: 'subscriptionStarted', message: 'started' });
    expect(received[0].at).toBe('2031-01-01T00:00:00.000Z');
  });

  it('createAlerter logs always and posts to ALERT_WEBHOOK_URL when configured', async () => {
    const receiver = await startReceiver();
    const logger = memoryLogger();
    try {
      await createAlerter({ alerts: { webhookUrl: receiver.url } }, logger).raise(expiring);
      await createAlerter({ alerts: {} }, logger).raise(expiring);
      expect(logger.lines.filter((l) => l.line.startsWith(ALERT_LOG_NAME))).toHaveLength(2);
      expect(receiver.bodies).toHaveLength(1);
    } finally {
      await stop(receiver);
    }
  });
});

describe('kqlForAlerts', () => {
  it('finds the alert lines by their stable name and filters by severity', () => {
    const q = kqlForAlerts({ minSeverity: 'error' });
    expect(q.split('\n')[0]).toBe('traces');
    expect(q).toContain(`message startswith "${ALERT_LOG_NAME} "`);
    expect(q).toContain(`substring(message, ${ALERT_LOG_NAME.length + 1})`);
    expect(q).toContain('severity in ("error", "critical")');
  });

  it('uses the workspace table and column names for AppTraces', () => {
    const q = kqlForAlerts({ table: 'AppTraces' });
    expect(q).toContain('AppTraces\n| where Message startswith');
    expect(q).toContain('TimeGenerated');
    expect(q).toContain('severity in ("warning", "error", "critical")');
  });
});
