/**
 * Discovery documents: the legacy `/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>` lists and the
 * aggregated `APIGroupDiscoveryList` (v2 and v2beta1, as the Accept header asks), built from the
 * served resource types and the create-only self-review APIs.
 */
import type { ResourceType } from '../api/resources.js';
import { allResources } from '../api/resources.js';
import { reviewResources } from './access-review.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '30',
  gitVersion: 'v1.30.0-everynode',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.22.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface Sub {
  readonly name: string;
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  readonly verbs: readonly string[];
}

export function subresourcesOf(t: ResourceType): Sub[] {
  const subs: Sub[] = [];
  const self = { kind: t.kind, group: t.group, version: t.version };
  if (t.hasStatus) subs.push({ name: 'status', ...self, verbs: ['get', 'patch', 'update'] });
  if (t.resource === 'pods') {
    subs.push({ name: 'binding', kind: 'Binding', group: '', version: 'v1', verbs: ['create'] });
    subs.push({ name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] });
    subs.push({ name: 'log', kind: 'Pod', group: '', version: 'v1', verbs: ['get'] });
  }
  if (t.resource === 'serviceaccounts') {
    subs.push({
      name: 'token',
      kind: 'TokenRequest',
      group: 'authentication.k8s.io',
      version: 'v1',
      verbs: ['create'],
    });
  }
  return subs;
}

/** One resource as discovery lists it: a stored type, or a create-only review API. */
interface Entry {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  readonly subresources: readonly Sub[];
}

function entries(): Entry[] {
  return [
    ...allResources.map((t) => ({ ...t, verbs: ALL_VERBS, subresources: subresourcesOf(t) })),
    ...reviewResources.map((r) => ({
      ...r,
      singular: r.kind.toLowerCase(),
      namespaced: false,
      shortNames: [],
      categories: [],
      verbs: ['create'],
      subresources: [],
    })),
  ];
}

function groups(): Map<string, Entry[]> {
  const m = new Map<string, Entry[]>();
  for (const t of entries()) {
    const list = m.get(t.group) ?? [];
    list.push(t);
    m.set(t.group, list);
  }
  return m;
}

/** `GET /api`. */
export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `GET /apis`. */
export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups().keys()]
      .filter((g) => g !== '')
      .map((name) => {
        const gv = { groupVersion: `${name}/v1`, version: 'v1' };
        return { name, versions: [gv], preferredVersion: gv };
      }),
  };
}

/** `GET /api/v1` or `/apis/<g>/<v>`; undefined for unknown group versions. */
export function apiResourceList(group: string, version: string): object | undefined {
  const types = entries().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: object[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    });
    for (const s of t.subresources) {
      resources.push({
        name: `${t.resource}/${s.name}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(s.group !== t.group ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

/** The aggregated discovery document for `/api` (core) or `/apis` (named groups). */
export function aggregatedDiscovery(which: 'api' | 'apis', version: 'v2' | 'v2beta1'): object {
  const items: object[] = [];
  for (const [group, types] of groups()) {
    if ((which === 'api') !== (group === '')) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: [
        {
          version: 'v1',
          freshness: 'Current',
          resources: types.map((t) => ({
            resource: t.resource,
            responseKind: { group: t.group, version: t.version, kind: t.kind },
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: t.verbs,
            ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
            ...(t.categories.length > 0 ? { categories: t.categories } : {}),
            subresources: t.subresources.map((s) => ({
              subresource: s.name,
              responseKind: { group: s.group, version: s.version, kind: s.kind },
              verbs: s.verbs,
            })),
          })),
        },
      ],
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
