import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ensureTls, servingCertProblem } from './tls.js';

function fetchOk(port: number, host: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path: '/', ca, servername: host === '::1' ? undefined : host },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a CA and a serving certificate for 127.0.0.1, ::1 and localhost that Node verifies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'everynode-tls-'));
  try {
    const t = await ensureTls(dir);
    assert.equal(t.createdCa, true);
    assert.equal(t.issuedServingCert, true);
    const ca = new X509Certificate(t.caCert);
    const leaf = new X509Certificate(t.cert);
    assert.ok(ca.ca, 'CA:TRUE');
    assert.ok(leaf.checkIssued(ca));
    assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(leaf.subjectAltName ?? '', /DNS:localhost/);
    assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'server.key')).mode & 0o777, 0o600);
    assert.equal(servingCertProblem(t.cert, t.caCert, Date.now()), undefined);

    const server = createServer({ key: t.key, cert: t.cert }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      assert.equal(await fetchOk(port, '127.0.0.1', t.caCert), 200);
      assert.equal(await fetchOk(port, 'localhost', t.caCert), 200);
    } finally {
      server.close();
    }

    // A restart keeps both; a broken serving cert is re-issued from the same CA.
    const again = await ensureTls(dir);
    assert.deepEqual([again.createdCa, again.issuedServingCert, again.caCert], [false, false, t.caCert]);
    writeFileSync(join(dir, 'server.crt'), 'garbage');
    const healed = await ensureTls(dir);
    assert.deepEqual([healed.createdCa, healed.issuedServingCert, healed.caCert], [false, true, t.caCert]);
    // Near expiry (a year and a half later) it is re-issued too.
    assert.equal(servingCertProblem(healed.cert, healed.caCert, Date.now() + 360 * 86_400_000), 'expiring');
    assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), t.caCert);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
