import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, parseTimestamp, translateTimestampSince } from './duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

void describe('humanDuration', () => {
  void it('renders each range and its boundaries as upstream HumanDuration', () => {
    const cases: [number, string][] = [
      // the past, with tolerated skew
      [-2 * S, '<invalid>'],
      [-1999, '0s'],
      [-1 * S, '0s'],
      [-1, '0s'],
      [0, '0s'],
      [999, '0s'],
      [1 * S, '1s'],
      // seconds below 2 minutes
      [59 * S, '59s'],
      [60 * S, '60s'],
      [119 * S + 999, '119s'],
      // minutes and seconds below 10 minutes
      [2 * M, '2m'],
      [2 * M + 1 * S, '2m1s'],
      [5 * M + 30 * S, '5m30s'],
      [10 * M - 1, '9m59s'],
      // minutes below 3 hours
      [10 * M, '10m'],
      [10 * M + 59 * S, '10m'],
      [3 * H - 1, '179m'],
      // hours and minutes below 8 hours
      [3 * H, '3h'],
      [3 * H + 30 * M, '3h30m'],
      [8 * H - 1, '7h59m'],
      // hours below 48 hours
      [8 * H, '8h'],
      [8 * H + 59 * M, '8h'],
      [48 * H - 1, '47h'],
      // days and hours below 8 days
      [2 * D, '2d'],
      [2 * D + 1 * H, '2d1h'],
      [8 * D - 1, '7d23h'],
      // days below 2 years
      [8 * D, '8d'],
      [2 * Y - 1, '729d'],
      // years and days below 8 years
      [2 * Y, '2y'],
      [2 * Y + 1 * D, '2y1d'],
      [8 * Y - 1, '7y364d'],
      // years
      [8 * Y, '8y'],
      [100 * Y + 200 * D, '100y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
  });

  void it('calls a non-finite duration invalid', () => {
    assert.equal(humanDuration(Number.NaN), '<invalid>');
    assert.equal(humanDuration(Number.POSITIVE_INFINITY), '<invalid>');
  });
});

void describe('translateTimestampSince', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  void it('renders the age of an RFC 3339 timestamp', () => {
    assert.equal(translateTimestampSince('2024-05-01T11:58:00Z', now), '2m');
    assert.equal(translateTimestampSince('2024-05-01T11:59:50Z', now), '10s');
    assert.equal(translateTimestampSince('2024-04-26T12:00:00Z', now), '5d');
    assert.equal(translateTimestampSince('2024-05-01T11:59:59.500000Z', now), '0s');
  });

  void it('is <unknown> for a missing or unparsable timestamp', () => {
    assert.equal(translateTimestampSince(undefined, now), '<unknown>');
    assert.equal(translateTimestampSince(null, now), '<unknown>');
    assert.equal(translateTimestampSince('', now), '<unknown>');
    assert.equal(translateTimestampSince('yesterday', now), '<unknown>');
  });

  void it('tolerates a second of skew into the future, and no more', () => {
    assert.equal(translateTimestampSince('2024-05-01T12:00:01Z', now), '0s');
    assert.equal(translateTimestampSince('2024-05-01T12:00:01.999Z', now), '0s');
    assert.equal(translateTimestampSince('2024-05-01T12:00:02Z', now), '<invalid>');
    assert.equal(translateTimestampSince('2025-05-01T12:00:00Z', now), '<invalid>');
  });

  void it('parses timestamps to epoch milliseconds', () => {
    assert.equal(parseTimestamp('2024-05-01T12:00:00Z'), now);
    assert.equal(parseTimestamp(undefined), undefined);
    assert.equal(parseTimestamp('not a time'), undefined);
  });
});
