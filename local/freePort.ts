import { createServer } from 'node:net';

/**
 * A loopback port that nothing listens on right now: bind to port 0, note the port, close. Used to
 * choose a port before a server's address must be known, and as a "closed port" in failure tests.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
