/**
 * `--equal-budget`: the in-process controller's client held to upstream's kube-controller-manager
 * budget (client-go token bucket, 20 QPS, burst 30) on every request, reads included, as
 * client-go does. Over HTTP the controller process gets `--qps 20 --burst 30` instead.
 */
import type { Client } from '../../src/client/types.js';
import { ClientRateLimiter } from '../../src/client/client-rate-limiter.js';
import { RealClock } from '../../src/util/clock.js';

export function rateLimitedClient(inner: Client, qps: number, burst: number): Client {
  const limiter = new ClientRateLimiter({ clock: new RealClock(), qps, burst });
  return new Proxy(inner, {
    get(target, prop, receiver): unknown {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]): Promise<unknown> => {
        await limiter.wait();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
