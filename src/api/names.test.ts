import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';

// Upstream's regular expressions (k8s.io/apimachinery/pkg/util/validation), which the checks
// implement without regular expressions or through a cache.
const label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const labelRe = new RegExp(`^${label}$`);
const subdomainRe = new RegExp(`^${label}(\\.${label})*$`);

/** Deterministic strings over an alphabet that hits every branch (dots, dashes, case, symbols). */
function* samples(count: number): Generator<string> {
  const alphabet = 'ab09-.A_/ é';
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let i = 0; i < count; i++) {
    const len = next() % 9;
    let s = '';
    for (let j = 0; j < len; j++) s += alphabet[next() % alphabet.length] ?? '';
    yield s;
  }
}

describe('DNS-1123 names', () => {
  test('agree with upstream regular expressions on generated strings', () => {
    for (const s of samples(20_000)) {
      assert.equal(isDNS1123Label(s).length === 0, labelRe.test(s), `label ${JSON.stringify(s)}`);
      assert.equal(isDNS1123Subdomain(s).length === 0, subdomainRe.test(s), `subdomain ${JSON.stringify(s)}`);
    }
  });

  test('messages as upstream words them', () => {
    assert.deepEqual(isDNS1123Subdomain('s1-x7k2p.1873a8b2c3d4e5f6'), []);
    assert.deepEqual(isDNS1123Subdomain('Bad_Name'), [
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    assert.deepEqual(isDNS1123Label('a.b'), [
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.deepEqual(isDNS1123Label('x'.repeat(64)), ['must be no more than 63 characters']);
  });
});

describe('qualified names and label values', () => {
  test('a value checked again gets the same answer (valid ones are remembered)', () => {
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
      assert.equal(isQualifiedName('bad key').length, 1);
      assert.deepEqual(isValidLabelValue('v1'), []);
      assert.equal(isValidLabelValue('-bad').length, 1);
    }
  });

  test('the answer for a valid value is a fresh array the caller may change', () => {
    const first = isQualifiedName('example.com/key');
    first.push('changed by the caller');
    assert.deepEqual(isQualifiedName('example.com/key'), []);
  });
});
