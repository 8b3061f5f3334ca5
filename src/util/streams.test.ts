import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { StreamTooLargeError, readAll } from './streams.js';

test('readAll joins the chunks of a stream in order, one chunk or many', async () => {
  const one = new PassThrough();
  const a = readAll(one);
  one.end('single');
  assert.equal((await a).toString(), 'single');
  const many = new PassThrough();
  const b = readAll(many);
  for (const part of ['a', 'bc', '', 'def']) many.write(part);
  many.end();
  assert.equal((await b).toString(), 'abcdef');
});

test('readAll rejects past its limit and destroys the stream; a stream that closes early is an error', async () => {
  const big = new PassThrough();
  const a = readAll(big, 4);
  big.write('abc');
  big.write('de');
  await assert.rejects(a, (err) => err instanceof StreamTooLargeError && err.limit === 4);
  assert.equal(big.destroyed, true);
  const cut = new PassThrough();
  const b = readAll(cut);
  cut.write('partial');
  cut.destroy();
  await assert.rejects(b, /closed before it ended/);
  const broken = new PassThrough();
  const c = readAll(broken);
  broken.destroy(new Error('boom'));
  await assert.rejects(c, /boom/);
});
