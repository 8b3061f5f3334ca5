/**
 * Reading a whole stream (an HTTP request or response body) into one buffer, with events rather
 * than an async iterator: every API request reads one, and the iterator's promises cost more than
 * the few chunks a body arrives in.
 */
import type { Readable } from 'node:stream';

/** What {@link readAll} rejects with when the stream outgrows its limit (the stream is destroyed). */
export class StreamTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the stream is larger than ${limit} bytes`);
  }
}

/** The stream's bytes once it ends; rejects on its error, on a close before the end, or past `limit`. */
export function readAll(stream: Readable, limit = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    stream.on('data', (b: Buffer) => {
      if (settled) return;
      size += b.length;
      if (size > limit) {
        fail(new StreamTooLargeError(limit));
        stream.destroy();
        return;
      }
      chunks.push(b);
    });
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    stream.on('error', fail);
    // Every stream closes, most after their end: the error (and its stack) only for an early close.
    stream.on('close', () => {
      if (!settled) fail(new Error('the stream closed before it ended'));
    });
  });
}
