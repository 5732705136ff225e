/**
 * Self-signed app certificates made at test time (node-forge signs; Node generates the RSA key, which
 * is much faster than forge's pure-JS key generation), with the dates a test needs.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface TestCertificate {
  /** Private key + certificate: what Key Vault serves for a PEM certificate, and what the receiver reads. */
  pem: string;
  /** The certificate alone: what is uploaded to the app registration. */
  certificatePem: string;
  privateKeyPem: string;
  /** SHA-1 thumbprint, upper-case hex. */
  thumbprint: string;
  /** base64url SHA-1 and SHA-256 of the DER (the JWT x5t and x5t#S256 headers). */
  x5t: string;
  x5tS256: string;
  notBefore: Date;
  notAfter: Date;
}

let serial = 1;

export function makeCertificate(options: {
  notBefore?: Date;
  notAfter: Date;
  commonName?: string;
}): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(
    publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  certificate.serialNumber = (serial++).toString(16).padStart(2, '0');
  const notBefore = options.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
  certificate.validity.notBefore = notBefore;
  certificate.validity.notAfter = options.notAfter;
  const name = [{ name: 'commonName', value: options.commonName ?? 'm365-activity-receiver test' }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(certificate);
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
  return {
    pem: `${privateKeyPem}${certificatePem}`,
    certificatePem,
    privateKeyPem,
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    // X.509 keeps whole seconds.
    notBefore: new Date(Math.floor(notBefore.getTime() / 1000) * 1000),
    notAfter: new Date(Math.floor(options.notAfter.getTime() / 1000) * 1000),
  };
}
