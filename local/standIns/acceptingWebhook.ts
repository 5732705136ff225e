/**
 * A webhook that answers 200 to everything, validation handshakes and notifications alike: what
 * /subscriptions/start needs to reach when a test or benchmark only cares about the subscriptions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AcceptingWebhook {
  url: string;
  close(): Promise<void>;
}

export async function startAcceptingWebhook(): Promise<AcceptingWebhook> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
