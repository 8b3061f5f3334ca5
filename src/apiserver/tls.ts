/**
 * The local certificate authority of an `everynode up` data dir: an ECDSA P-256 CA, created once
 * and kept, and a serving certificate for 127.0.0.1, ::1 and localhost, re-issued from the same
 * CA whenever it is missing, expiring, or no longer matches (so kubeconfigs keep working).
 * Files are written to a temporary name and renamed, so a crash never leaves half a CA.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SERVING_VALIDITY_MS = 365 * DAY;
const RENEW_BEFORE_MS = 30 * DAY;
export const SERVING_SANS = ['127.0.0.1', '::1', 'localhost'] as const;

export interface TlsMaterial {
  /** PEM of the CA certificate: what kubeconfigs carry as certificate-authority-data. */
  readonly caCert: string;
  /** PEM of the serving certificate and its PKCS#8 key, for node:https. */
  readonly cert: string;
  readonly key: string;
  /** Whether the CA was created now (kubeconfigs must be rewritten) and whether the leaf was re-issued. */
  readonly createdCa: boolean;
  readonly issuedServingCert: boolean;
}

function writeAtomic(path: string, content: string, mode: number): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
  chmodSync(path, mode);
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  if (!der) throw new Error('no key in PEM');
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

async function createCa(now: number): Promise<{ cert: string; key: string }> {
  const keys: CryptoKeyPair = await webcrypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  );
  const id = randomBytes(4).toString('hex');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=everynode local CA ${new Date(now).toISOString().slice(0, 10)} ${id}`,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

async function issueServingCert(
  caCertPem: string,
  caKeyPem: string,
  now: number,
): Promise<{ cert: string; key: string }> {
  const caCert = new x509.X509Certificate(caCertPem);
  const caKey = await importKey(caKeyPem);
  const keys: CryptoKeyPair = await webcrypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  );
  const sans: x509.JsonGeneralNames = [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
    { type: 'dns', value: 'localhost' },
  ];
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost',
    issuer: caCert.subject,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + SERVING_VALIDITY_MS),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension(sans),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** Why the serving certificate must be re-issued, or undefined if it is good. */
export function servingCertProblem(certPem: string, caPem: string, now: number): string | undefined {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
  } catch {
    return 'unreadable';
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not issued by the current CA';
  if (Date.parse(cert.validTo) - now < RENEW_BEFORE_MS) return 'expiring';
  if (Date.parse(cert.validFrom) > now) return 'not yet valid';
  const sans = (cert.subjectAltName ?? '').split(', ').map((s) => s.replace(/^(IP Address|DNS):/, ''));
  const want = ['127.0.0.1', '0:0:0:0:0:0:0:1', 'localhost'];
  if (want.some((w) => !sans.includes(w))) return 'subject alternative names changed';
  return undefined;
}

function readIf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Loads or creates the CA and serving certificate in `dir` (`ca.crt`, `ca.key`, `server.crt`,
 * `server.key`; keys mode 0600, the directory 0700).
 */
export async function ensureTls(dir: string, now = Date.now()): Promise<TlsMaterial> {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caCrtPath = join(dir, 'ca.crt');
  const caKeyPath = join(dir, 'ca.key');
  let caCert = readIf(caCrtPath);
  let caKey = readIf(caKeyPath);
  let createdCa = false;
  let caUsable = caCert !== undefined && caKey !== undefined;
  if (caUsable) {
    try {
      new X509Certificate(caCert ?? '');
      await importKey(caKey ?? '');
    } catch {
      caUsable = false;
    }
  }
  if (!caUsable || !caCert || !caKey) {
    const ca = await createCa(now);
    writeAtomic(caKeyPath, ca.key, 0o600);
    writeAtomic(caCrtPath, ca.cert, 0o644);
    caCert = ca.cert;
    caKey = ca.key;
    createdCa = true;
  }
  const crtPath = join(dir, 'server.crt');
  const keyPath = join(dir, 'server.key');
  let cert = readIf(crtPath);
  let key = readIf(keyPath);
  let issued = false;
  if (!cert || !key || servingCertProblem(cert, caCert, now) !== undefined) {
    const leaf = await issueServingCert(caCert, caKey, now);
    writeAtomic(keyPath, leaf.key, 0o600);
    writeAtomic(crtPath, leaf.cert, 0o644);
    cert = leaf.cert;
    key = leaf.key;
    issued = true;
  }
  return { caCert, cert, key, createdCa, issuedServingCert: issued };
}
