/**
 * The simulated tenant and the Key Vault stand-in speak https with the project's test CA, which Node
 * only trusts when NODE_EXTRA_CA_CERTS names it at process start. Without it dozens of suites fail
 * with TLS errors; this says why instead.
 */
import path from 'node:path';

const expected = path.resolve(__dirname, '..', 'local', 'tls', 'ca.pem');
const actual = process.env.NODE_EXTRA_CA_CERTS ? path.resolve(process.env.NODE_EXTRA_CA_CERTS) : undefined;
if (actual !== expected) {
  throw new Error(
    `NODE_EXTRA_CA_CERTS must be local/tls/ca.pem (got ${actual ?? 'nothing'}): run the tests with "npm test", ` +
      'or prefix jest with NODE_EXTRA_CA_CERTS=local/tls/ca.pem',
  );
}
