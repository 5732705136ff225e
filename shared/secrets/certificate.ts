/**
 * Reading an app certificate as ClientCertificateCredential needs it: one PEM text holding the
 * private key and the certificate. Pure: it checks the text and reads the facts the expiry watch
 * and the logs need (dates, thumbprint, subject) with Node's own X.509 parser.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { SecretUnavailableError } from './errors';

export interface ClientCertificate {
  /** Private key and certificate (chain), PEM, exactly as stored. */
  pem: string;
  /** notAfter of the certificate (the first one in the text). */
  expiresOn: Date;
  notBefore: Date;
  /** SHA-1 thumbprint, upper-case hex without colons: what Entra's Certificates & secrets page shows. */
  thumbprint: string;
  subject: string;
  /** Key Vault version of the certificate's secret, when read from Key Vault. */
  version?: string;
  source: 'keyVault' | 'file';
}

const PKCS12 = 'application/x-pkcs12';
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/;

/**
 * Parses the PEM of item `name`. A Key Vault certificate created with the default policy is stored
 * as PKCS#12, which @azure/identity cannot use: the message says how to create it as PEM instead.
 */
export function parseCertificatePem(
  name: string,
  text: string,
  meta: { contentType?: string; version?: string; source: ClientCertificate['source'] },
): ClientCertificate {
  const wrong = (why: string): SecretUnavailableError =>
    new SecretUnavailableError(name, 'wrongFormat', `Certificate "${name}" ${why}`);
  if (meta.contentType === PKCS12 || !text.includes('-----BEGIN')) {
    throw wrong(
      'is stored as PKCS#12 (PFX); the receiver needs PEM: create the Key Vault certificate with the policy ' +
        'content type application/x-pem-file (see README, "Use a certificate")',
    );
  }
  const block = CERTIFICATE_BLOCK.exec(text)?.[0];
  if (!block) throw wrong('holds no -----BEGIN CERTIFICATE----- block');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(block);
  } catch (e) {
    throw wrong(`holds a certificate that cannot be read: ${(e as Error).message}`);
  }
  let privateKeyMatches: boolean;
  try {
    privateKeyMatches = certificate.checkPrivateKey(createPrivateKey(text));
  } catch {
    throw wrong(
      'holds no readable private key (an unencrypted PEM private key must come with the certificate)',
    );
  }
  if (!privateKeyMatches) throw wrong("holds a private key that is not the certificate's");
  return {
    pem: text,
    expiresOn: new Date(certificate.validTo),
    notBefore: new Date(certificate.validFrom),
    thumbprint: certificate.fingerprint.replace(/:/g, '').toUpperCase(),
    subject: certificate.subject.replace(/\n/g, ', '),
    version: meta.version,
    source: meta.source,
  };
}
