/**
 * HttpClient's throttling and retry policy against a scripted node:http server on 127.0.0.1. Waits
 * run on injected clocks: a recording clock that fires at once (retries) or a FakeClock stepped by
 * hand (spacing), so nothing here depends on wall time.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import { resources } from '../api/resources.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { FakeClock } from '../util/clock.js';
import type { HttpClientOptions, HttpResponseInfo } from './http-client.js';
import { HttpClient, MAX_REQUEST_CONNECTIONS, isRetryable, retryDelayMs } from './http-client.js';

/** A clock whose timers fire on the next turn while time jumps ahead; it records every wait. */
class RecordingClock implements Clock {
  readonly waits: number[] = [];
  private current = 0;
  now(): number {
    return this.current;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.waits.push(ms);
    const immediate = setImmediate(() => {
      this.current += ms;
      fn();
    });
    return { cancel: () => clearImmediate(immediate) };
  }
}

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

const status = (code: number, reason: string, extra: object = {}): Reply => {
  return (_req, res) => {
    const body = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason,
      message: `${reason} from the test server`,
      code,
      ...extra,
    });
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(body);
  };
};
const withRetryAfter = (seconds: number, reply: Reply): Reply => {
  return (req, res) => {
    res.setHeader('Retry-After', String(seconds));
    reply(req, res);
  };
};
const ok = (body: object = { kind: 'Pod', metadata: { name: 'p', namespace: 'default' } }): Reply => {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
};
/** Drops the connection without an answer: the client sees ECONNRESET ("socket hang up"). */
const hangUp: Reply = (req) => req.socket.destroy();

interface Received {
  readonly method: string;
  readonly url: string;
}

/** A server answering from a script (the last reply repeats); it records what it received. */
class ScriptedServer {
  readonly received: Received[] = [];
  private script: Reply[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.received.push({ method: req.method ?? '', url: req.url ?? '' });
      req.resume();
      req.on('end', () => {
        const reply = this.script.length > 1 ? this.script.shift() : this.script[0];
        (reply ?? ok())(req, res);
      });
      this.waiters = this.waiters.filter((w) => {
        if (this.received.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  answer(...replies: Reply[]): void {
    this.script = replies;
    this.received.length = 0;
  }

  /** Resolves once `count` requests have arrived since the last `answer`. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function kubeConfig(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

const pod: Pod = {
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'i:1' }] },
};

async function expectApiError(p: Promise<unknown>, reason: string, code: number): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected ${reason}`);
}

describe('HttpClient retries and throttling', async () => {
  const server = new ScriptedServer();
  const port = await server.listen();
  const clients: HttpClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  /** A client without throttling whose waits are recorded; jitter fixed at its minimum. */
  const retrying = (options: Partial<HttpClientOptions> = {}) => {
    const clock = new RecordingClock();
    const responses: HttpResponseInfo[] = [];
    const client = new HttpClient({
      kubeConfig: kubeConfig(port),
      qps: 0,
      clock,
      random: () => 0,
      onResponse: (info) => responses.push(info),
      ...options,
    });
    clients.push(client);
    return { client, clock, responses };
  };

  test('a GET is retried on 500 and 503 with exponential backoff, and every attempt is observed', async () => {
    const { client, clock, responses } = retrying();
    server.answer(status(500, 'InternalError'), status(503, 'ServiceUnavailable'), ok());
    const got = await client.get(resources.pods, 'default', 'p');
    assert.equal(got.metadata?.name, 'p');
    assert.equal(server.received.length, 3);
    assert.deepEqual(clock.waits, [100, 200]);
    assert.deepEqual(
      responses.map((r) => `${r.method} ${r.path} ${r.code}`),
      [
        'GET /api/v1/namespaces/default/pods/p 500',
        'GET /api/v1/namespaces/default/pods/p 503',
        'GET /api/v1/namespaces/default/pods/p 200',
      ],
    );
    assert.equal(client.stats().retries, 2);
  });

  test('Retry-After is honoured, from the header or else from the Status details', async () => {
    const { client, clock } = retrying();
    server.answer(
      withRetryAfter(3, status(429, 'TooManyRequests')),
      status(429, 'TooManyRequests', { details: { retryAfterSeconds: 2 } }),
      ok({ kind: 'PodList', metadata: { resourceVersion: '7' }, items: [] }),
    );
    const list = await client.list(resources.pods);
    assert.equal(list.resourceVersion, '7');
    assert.deepEqual(clock.waits, [3000, 2000]);
  });

  test('a POST is not retried on a 500 without Retry-After: the error propagates as its Status', async () => {
    const { client } = retrying();
    server.answer(status(500, 'InternalError'), ok());
    const err = await expectApiError(client.create(resources.pods, pod), 'InternalError', 500);
    assert.equal(err.message, 'InternalError from the test server');
    assert.equal(server.received.length, 1);
  });

  test('a POST is retried on 429, and on 5xx only when the server sent Retry-After', async () => {
    const { client, clock } = retrying();
    server.answer(
      status(429, 'TooManyRequests'),
      withRetryAfter(1, status(503, 'ServiceUnavailable')),
      ok({ kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' } }),
    );
    const created = await client.create(resources.pods, pod);
    assert.equal(created.metadata?.uid, 'u1');
    assert.deepEqual(
      server.received.map((r) => r.method),
      ['POST', 'POST', 'POST'],
    );
    assert.deepEqual(clock.waits, [100, 1000]);
  });

  test('binding and eviction are POSTs too: not retried on a 503 without Retry-After', async () => {
    const { client } = retrying();
    server.answer(status(503, 'ServiceUnavailable'));
    await expectApiError(client.bind('default', 'p', 'n1'), 'ServiceUnavailable', 503);
    await expectApiError(client.evict('default', 'p'), 'ServiceUnavailable', 503);
    assert.equal(server.received.length, 2);
  });

  test('retries are bounded by maxRetries; the last error is the one thrown', async () => {
    const { client, clock } = retrying({ maxRetries: 3 });
    server.answer(status(503, 'ServiceUnavailable'));
    await expectApiError(client.get(resources.pods, 'default', 'p'), 'ServiceUnavailable', 503);
    assert.equal(server.received.length, 4);
    assert.deepEqual(clock.waits, [100, 200, 400]);

    server.answer(withRetryAfter(1, status(429, 'TooManyRequests')));
    await expectApiError(client.create(resources.pods, pod), 'TooManyRequests', 429);
    assert.equal(server.received.length, 4);
  });

  test('PUT, PATCH and DELETE are retried on 5xx; 4xx answers are final', async () => {
    const { client } = retrying();
    server.answer(status(502, 'InternalError'), ok());
    await client.update(resources.pods, pod);
    server.answer(status(500, 'InternalError'), ok());
    await client.patch(resources.pods, 'default', 'p', 'merge', { metadata: { labels: { a: 'b' } } });
    server.answer(status(504, 'Timeout'), ok());
    await client.delete(resources.pods, 'default', 'p');
    assert.equal(server.received.length, 2);

    server.answer(status(409, 'Conflict'), ok());
    await expectApiError(client.update(resources.pods, pod), 'Conflict', 409);
    server.answer(status(404, 'NotFound'), ok());
    await expectApiError(client.get(resources.pods, 'default', 'p'), 'NotFound', 404);
    assert.equal(server.received.length, 1);
  });

  test('an answer that is not a Status gets the reason of its HTTP code', async () => {
    const { client } = retrying({ maxRetries: 1 });
    server.answer((_req, res) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('upstream busy'));
    const err = await expectApiError(client.get(resources.pods, 'default', 'p'), 'ServiceUnavailable', 503);
    assert.equal(err.message, 'upstream busy');
    assert.equal(server.received.length, 2);
  });

  test('a dropped connection is retried for a GET but never for a POST', async () => {
    const { client, responses } = retrying();
    server.answer(hangUp, ok());
    const got = await client.get(resources.pods, 'default', 'p');
    assert.equal(got.metadata?.name, 'p');
    assert.equal(server.received.length, 2);
    assert.deepEqual(
      responses.map((r) => r.code),
      [0, 200],
    );

    server.answer(hangUp, ok());
    await assert.rejects(client.create(resources.pods, pod), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'ECONNRESET');
      return true;
    });
    assert.equal(server.received.length, 1);
  });

  test('a refused connection is retried for every method (nothing was sent), then propagates', async () => {
    const closed = new ScriptedServer();
    const closedPort = await closed.listen();
    await closed.close();
    const clock = new RecordingClock();
    const responses: HttpResponseInfo[] = [];
    const client = new HttpClient({
      kubeConfig: kubeConfig(closedPort),
      qps: 0,
      maxRetries: 2,
      clock,
      random: () => 0,
      onResponse: (info) => responses.push(info),
    });
    clients.push(client);
    for (const call of [
      () => client.get(resources.pods, 'default', 'p'),
      () => client.create(resources.pods, pod),
    ]) {
      responses.length = 0;
      await assert.rejects(call(), (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, 'ECONNREFUSED');
        return true;
      });
      assert.deepEqual(
        responses.map((r) => r.code),
        [0, 0, 0],
      );
    }
  });

  test('a watch open is retried like a GET, then streams', async () => {
    const { client } = retrying();
    server.answer(withRetryAfter(1, status(429, 'TooManyRequests')), (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const event = JSON.stringify({
        type: 'ADDED',
        object: { metadata: { name: 'w', namespace: 'default' } },
      });
      // One event split across writes, then two in one write.
      res.write(event.slice(0, 10));
      res.write(`${event.slice(10)}\n${event}\n`);
      res.end(`${event}\n`);
    });
    const names: string[] = [];
    let closed!: () => void;
    const ended = new Promise<void>((resolve) => (closed = resolve));
    await client.watch(
      resources.pods,
      {},
      { onEvent: (e) => names.push(e.object.metadata?.name ?? ''), onClose: () => closed() },
    );
    await ended;
    assert.deepEqual(names, ['w', 'w', 'w']);
    assert.equal(server.received.length, 2);
    assert.match(server.received[1]?.url ?? '', /watch=true/);
  });

  test('qps 5 / burst 2 lets two requests through at once, then one per 200 ms of the clock', async () => {
    const clock = new FakeClock(0);
    const waits: number[] = [];
    const client = new HttpClient({
      kubeConfig: kubeConfig(port),
      qps: 5,
      burst: 2,
      clock,
      onThrottle: (info) => waits.push(info.ms),
    });
    clients.push(client);
    server.answer(ok());
    const calls = Array.from({ length: 6 }, () => client.get(resources.pods, 'default', 'p'));
    await server.waitFor(2);
    assert.equal(clock.pending(), 4, 'four requests wait for a token');
    for (let n = 3; n <= 6; n++) {
      clock.advance(199);
      assert.equal(clock.pending(), 7 - n, `request ${n} still waits at 199 ms`);
      clock.advance(1);
      assert.equal(clock.pending(), 6 - n, `request ${n} released at 200 ms`);
      await server.waitFor(n);
    }
    await Promise.all(calls);
    assert.equal(server.received.length, 6);
    assert.deepEqual(waits, [0, 0, 200, 400, 600, 800]);
    assert.deepEqual(client.stats(), {
      throttledRequests: 4,
      throttledMs: 200 + 400 + 600 + 800,
      retries: 0,
    });
  });
});

describe('retry policy', () => {
  test('which failures are retried, per method', () => {
    const s = (code: number, retryAfterSeconds?: number) =>
      retryAfterSeconds === undefined
        ? ({ kind: 'status', code } as const)
        : ({ kind: 'status', code, retryAfterSeconds } as const);
    const c = (errorCode: string) => ({ kind: 'connection', errorCode }) as const;
    for (const m of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      for (const f of [
        s(429),
        s(500),
        s(502),
        s(503),
        s(504),
        c('ECONNREFUSED'),
        c('ECONNRESET'),
        c('EPIPE'),
      ])
        assert.equal(isRetryable(m, f), true, `${m} ${JSON.stringify(f)}`);
      for (const f of [
        s(400),
        s(401),
        s(403),
        s(404),
        s(409),
        s(410),
        s(422),
        c('ENOTFOUND'),
        c('CERT_HAS_EXPIRED'),
      ])
        assert.equal(isRetryable(m, f), false, `${m} ${JSON.stringify(f)}`);
    }
    for (const f of [s(429), s(500, 1), s(503, 0), c('ECONNREFUSED'), c('EHOSTUNREACH')])
      assert.equal(isRetryable('POST', f), true, JSON.stringify(f));
    for (const f of [s(500), s(503), s(504), s(409), c('ECONNRESET'), c('EPIPE'), c('ETIMEDOUT')])
      assert.equal(isRetryable('POST', f), false, JSON.stringify(f));
  });

  test('backoff doubles from 200 ms with equal jitter, capped at 5 s; Retry-After wins, capped at 60 s', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 10].map((n) => retryDelayMs(n, undefined, () => 0)),
      [100, 200, 400, 800, 1600, 2500, 2500],
    );
    assert.deepEqual(
      [0, 1, 5].map((n) => retryDelayMs(n, undefined, () => 0.999999)).map(Math.round),
      [200, 400, 5000],
    );
    assert.equal(
      retryDelayMs(4, 7, () => 0.5),
      7000,
    );
    assert.equal(retryDelayMs(0, 0), 0);
    assert.equal(retryDelayMs(0, 3600), 60_000);
  });

  test('invalid options are refused at construction', () => {
    const kc = kubeConfig(1);
    assert.throws(() => new HttpClient({ kubeConfig: kc, maxRetries: -1 }), /maxRetries/);
    assert.throws(() => new HttpClient({ kubeConfig: kc, qps: 10, burst: 0 }), /burst/);
  });
});

describe('HttpClient connections', () => {
  test('a burst of 200 requests shares a bounded pool of connections, and a watch still opens while every one is busy', async () => {
    const held: ServerResponse[] = [];
    const sockets = new Set<object>();
    let requestsSeen = 0;
    let notify: () => void = () => {};
    const server = createServer((req, res) => {
      sockets.add(req.socket);
      if ((req.url ?? '').includes('watch=true')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(
          `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'w', namespace: 'default' } } })}\n`,
        );
        return; // the watch stays open
      }
      requestsSeen++;
      held.push(res);
      notify();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = new HttpClient({ kubeConfig: kubeConfig(port), qps: 0 });
    try {
      const gets = Array.from({ length: 200 }, (_, i) => client.get(resources.pods, 'default', `p${i}`));
      // Every connection of the pool is now waiting for an answer; the rest of the burst queues.
      while (requestsSeen < MAX_REQUEST_CONNECTIONS) await new Promise<void>((r) => (notify = r));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(requestsSeen, MAX_REQUEST_CONNECTIONS, 'no more requests in flight than connections');
      const watched = new Promise<string>((resolve, reject) => {
        client
          .watch(
            resources.pods,
            {},
            { onEvent: (e) => resolve(e.object.metadata?.name ?? ''), onClose: () => {} },
          )
          .catch(reject);
      });
      assert.equal(await watched, 'w', 'the watch streams while the request connections are busy');
      // Answer everything (the queued requests reuse the pool's connections as they free up).
      const answer = (res: ServerResponse): void => {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(pod));
      };
      for (const res of held.splice(0)) answer(res);
      notify = () => {
        for (const res of held.splice(0)) answer(res);
      };
      const answers = await Promise.all(gets);
      assert.equal(answers.length, 200);
      assert.equal(requestsSeen, 200);
      assert.equal(
        sockets.size,
        MAX_REQUEST_CONNECTIONS + 1,
        'the pool and the watch, no connection per request',
      );
    } finally {
      client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
