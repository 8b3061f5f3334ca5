/**
 * Which components an embedded cluster runs, chosen with kube-controller-manager's `--controllers`
 * syntax: `*` is every component enabled by default, `name` enables one, `-name` disables one.
 */
import { BadRequestError } from '../api/errors.js';

export const COMPONENTS = [
  'scheduler',
  'kubelet',
  'nodelifecycle',
  'taint-eviction',
  'podgc',
  'garbagecollector',
  'clusterrole-aggregation',
  'daemonset',
] as const;

export type ComponentName = (typeof COMPONENTS)[number];

/** Resolves `['*', '-podgc']` (or a comma-separated string) to the set of enabled components. */
export function resolveControllers(spec: readonly string[] | string): Set<ComponentName> {
  const items = (typeof spec === 'string' ? spec.split(',') : spec.flatMap((s) => s.split(',')))
    .map((s) => s.trim())
    .filter(Boolean);
  const enabled = new Set<ComponentName>();
  const known = new Set<string>(COMPONENTS);
  const star = items.includes('*');
  if (star) for (const c of COMPONENTS) enabled.add(c);
  for (const item of items) {
    if (item === '*') continue;
    const off = item.startsWith('-');
    const name = off ? item.slice(1) : item;
    if (!known.has(name)) {
      throw new BadRequestError(`unknown controller "${name}"; known: ${COMPONENTS.join(', ')}`);
    }
    if (off) enabled.delete(name as ComponentName);
    else enabled.add(name as ComponentName);
  }
  return enabled;
}
