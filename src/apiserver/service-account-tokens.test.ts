/**
 * ServiceAccount tokens on their own, with a fake clock: what a TokenRequest returns and refuses,
 * and when an issued token stops authenticating (expiry, audience, another key, the
 * ServiceAccount deleted or re-created); the signing key file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../api/errors.js';
import { resources } from '../api/resources.js';
import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import { FakeClock } from '../util/clock.js';
import {
  ServiceAccountTokens,
  generateSigningKey,
  loadOrCreateSigningKey,
} from './service-account-tokens.js';

function rejects(fn: () => Promise<unknown>, code: number, message: string): Promise<void> {
  return assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, code);
    assert.equal(err.message, message);
    return true;
  });
}

describe('ServiceAccountTokens', () => {
  const clock = new FakeClock('2026-03-01T12:00:00Z');
  let store: ObjectStore;
  let tokens: ServiceAccountTokens;

  before(() => {
    store = new ObjectStore({ clock, strategies: defaultStrategies });
    store.create(resources.namespaces, { metadata: { name: 'team' } });
    store.create(resources.serviceaccounts, { metadata: { name: 'bot', namespace: 'team' } });
    tokens = new ServiceAccountTokens({ store, clock, signingKeyPem: generateSigningKey() });
  });
  after(() => store.close());

  test('a TokenRequest returns the token, its defaults and expiry', async () => {
    const tr = await tokens.issue('team', 'bot', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: null, expirationSeconds: null, boundObjectRef: null },
    });
    assert.deepEqual(tr.metadata, {
      name: 'bot',
      namespace: 'team',
      creationTimestamp: '2026-03-01T12:00:00Z',
    });
    assert.deepEqual(tr.spec, {
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      expirationSeconds: 3600,
      boundObjectRef: null,
    });
    assert.equal(tr.status?.expirationTimestamp, '2026-03-01T13:00:00Z');
    const user = await tokens.authenticate(tr.status?.token ?? '');
    assert.deepEqual(user, {
      name: 'system:serviceaccount:team:bot',
      uid: store.get(resources.serviceaccounts, 'team', 'bot')?.metadata?.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
    });
  });

  test('refuses short or bound tokens, mismatched names and unknown ServiceAccounts as upstream', async () => {
    await rejects(
      () => tokens.issue('team', 'bot', { spec: { audiences: [], expirationSeconds: 599 } }),
      422,
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    );
    await rejects(
      () => tokens.issue('team', 'bot', { metadata: { name: 'other' }, spec: {} }),
      422,
      'TokenRequest.authentication.k8s.io "bot" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified',
    );
    await rejects(() => tokens.issue('team', 'nobody', {}), 404, 'serviceaccounts "nobody" not found');
    await assert.rejects(
      () => tokens.issue('team', 'bot', { spec: { boundObjectRef: { kind: 'Pod', name: 'p' } } }),
      (err: unknown) => err instanceof ApiError && err.code === 400,
    );
  });

  test('a token stops authenticating when it expires', async () => {
    const tr = await tokens.issue('team', 'bot', { spec: { expirationSeconds: 600 } });
    const token = tr.status?.token ?? '';
    clock.advance(599_000);
    assert.ok(await tokens.authenticate(token));
    clock.advance(1_000);
    assert.equal(await tokens.authenticate(token), undefined);
  });

  test('only the API audience, only this key, only unaltered tokens', async () => {
    const other = await tokens.issue('team', 'bot', { spec: { audiences: ['vault'] } });
    assert.equal(await tokens.authenticate(other.status?.token ?? ''), undefined);
    const foreign = new ServiceAccountTokens({ store, clock, signingKeyPem: generateSigningKey() });
    const theirs = await foreign.issue('team', 'bot', {});
    assert.equal(await tokens.authenticate(theirs.status?.token ?? ''), undefined);
    const mine = (await tokens.issue('team', 'bot', {})).status?.token ?? '';
    const [h, , s] = mine.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(mine.split('.')[1] ?? '', 'base64url').toString()),
        sub: 'admin',
      }),
    ).toString('base64url');
    assert.equal(await tokens.authenticate(`${h}.${forged}.${s}`), undefined);
    assert.equal(await tokens.authenticate('static-admin-token'), undefined);
  });

  test('deleting the ServiceAccount revokes its tokens; a new one of the same name does not revive them', async () => {
    const token = (await tokens.issue('team', 'bot', {})).status?.token ?? '';
    assert.ok(await tokens.authenticate(token), 'verified and cached');
    store.delete(resources.serviceaccounts, 'team', 'bot');
    assert.equal(await tokens.authenticate(token), undefined);
    store.create(resources.serviceaccounts, { metadata: { name: 'bot', namespace: 'team' } });
    assert.equal(await tokens.authenticate(token), undefined);
    assert.ok(await tokens.authenticate((await tokens.issue('team', 'bot', {})).status?.token ?? ''));
  });
});

describe('the signing key file', () => {
  test('is created once with mode 0600 and then reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'everynode-sa-key-'));
    try {
      const path = join(dir, 'pki', 'sa.key');
      const first = loadOrCreateSigningKey(path);
      assert.match(first, /^-----BEGIN PRIVATE KEY-----/);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(loadOrCreateSigningKey(path), first);
      assert.equal(readFileSync(path, 'utf8'), first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
