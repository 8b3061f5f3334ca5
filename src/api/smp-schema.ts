/**
 * Strategic merge patch metadata for the kinds everynode serves: the `patchStrategy` /
 * `patchMergeKey` struct tags of k8s.io/api (core/v1, apps/v1, meta/v1 at API level 1.30), as a
 * small tree of {@link StructSchema}s addressed by JSON field name from the object root (rbac/v1
 * too, whose lists carry no tags).
 *
 * Only what changes patch behaviour is spelled out: lists merged element-wise, opaque fields, and
 * the structs that lead to them. Everything absent from the tree follows the defaults upstream
 * gives untagged fields: objects merge recursively, lists are atomic (replaced wholesale). Some
 * atomic lists are listed anyway (`atomic()`) so the table documents them.
 */

/** How one field of a struct is patched. */
export interface PatchMeta {
  /**
   * `'merge'`: a list merged element-wise, objects by {@link patchMergeKey}, primitives as a set.
   * Absent: a list is atomic (the patch's list replaces it); an object merges key by key.
   */
  readonly patchStrategy?: 'merge';
  /** The field identifying list elements, for `'merge'` lists of objects (`name`, `uid`, ...). */
  readonly patchMergeKey?: string;
  /**
   * The upstream `retainKeys` strategy. Informational on the server: a `$retainKeys` directive is
   * honoured wherever it appears; clients use the flag to decide when to send one.
   */
  readonly retainKeys?: boolean;
  /** Raw JSON (`runtime.RawExtension`, `FieldsV1`): replaced wholesale, directives not interpreted. */
  readonly opaque?: boolean;
  /** The struct of the field's value, or of each element for a list of objects. */
  readonly schema?: StructSchema;
}

/** The patch metadata of a struct's fields, by JSON name. Fields not listed use the defaults. */
export interface StructSchema {
  readonly fields: ReadonlyMap<string, PatchMeta>;
}

function struct(fields: Readonly<Record<string, PatchMeta>>): StructSchema {
  return Object.freeze({ fields: new Map(Object.entries(fields).map(([k, v]) => [k, Object.freeze(v)])) });
}

/** `patchStrategy:"merge" patchMergeKey:"<key>"`: a list of objects merged by `key`. */
function mergeByKey(key: string, schema?: StructSchema, opts: { retainKeys?: boolean } = {}): PatchMeta {
  return {
    patchStrategy: 'merge',
    patchMergeKey: key,
    ...(opts.retainKeys === true ? { retainKeys: true } : {}),
    ...(schema !== undefined ? { schema } : {}),
  };
}

/** `patchStrategy:"merge"` on a list of primitives: a set union. */
function mergeSet(): PatchMeta {
  return { patchStrategy: 'merge' };
}

/** A list without a patch strategy: replaced wholesale. */
function atomic(schema?: StructSchema): PatchMeta {
  return schema !== undefined ? { schema } : {};
}

/** An object field whose struct has tagged fields somewhere below. */
function nested(schema: StructSchema): PatchMeta {
  return { schema };
}

const opaque: PatchMeta = { opaque: true };

// ---------------------------------------------------------------------------------------------
// meta/v1

const managedFieldsEntry = struct({ fieldsV1: opaque });

const objectMeta = struct({
  ownerReferences: mergeByKey('uid'),
  finalizers: mergeSet(),
  managedFields: atomic(managedFieldsEntry),
});

const labelSelector = struct({
  matchExpressions: atomic(struct({ values: atomic() })),
});

// ---------------------------------------------------------------------------------------------
// core/v1 Pod

/** Container, and EphemeralContainerCommon, which carries the same tags. */
const container = struct({
  command: atomic(),
  args: atomic(),
  ports: mergeByKey('containerPort'),
  envFrom: atomic(),
  env: mergeByKey('name'),
  volumeMounts: mergeByKey('mountPath'),
  volumeDevices: mergeByKey('devicePath'),
  resizePolicy: atomic(),
  resources: nested(struct({ claims: atomic() })),
});

const podSpec = struct({
  volumes: mergeByKey('name', undefined, { retainKeys: true }),
  initContainers: mergeByKey('name', container),
  containers: mergeByKey('name', container),
  ephemeralContainers: mergeByKey('name', container),
  imagePullSecrets: mergeByKey('name'),
  tolerations: atomic(),
  hostAliases: mergeByKey('ip', struct({ hostnames: atomic() })),
  readinessGates: atomic(),
  // Upstream's list-map key is (topologyKey, whenUnsatisfiable), but the SMP tag names only
  // topologyKey: two constraints sharing a topologyKey merge into one, as upstream.
  topologySpreadConstraints: mergeByKey(
    'topologyKey',
    struct({ labelSelector: nested(labelSelector), matchLabelKeys: atomic() }),
  ),
  schedulingGates: mergeByKey('name'),
  resourceClaims: mergeByKey('name', undefined, { retainKeys: true }),
});

const podStatus = struct({
  conditions: mergeByKey('type'),
  podIPs: mergeByKey('ip'),
  hostIPs: mergeByKey('ip'),
  initContainerStatuses: atomic(),
  containerStatuses: atomic(),
  ephemeralContainerStatuses: atomic(),
  resourceClaimStatuses: mergeByKey('name', undefined, { retainKeys: true }),
});

const podTemplateSpec = struct({ metadata: nested(objectMeta), spec: nested(podSpec) });

// ---------------------------------------------------------------------------------------------
// Kinds

const pod = struct({ metadata: nested(objectMeta), spec: nested(podSpec), status: nested(podStatus) });

const daemonSet = struct({
  metadata: nested(objectMeta),
  spec: nested(
    struct({
      selector: nested(labelSelector),
      template: nested(podTemplateSpec),
      // DaemonSetUpdateStrategy carries no retainKeys tag (unlike DeploymentStrategy).
    }),
  ),
  status: nested(struct({ conditions: mergeByKey('type') })),
});

const node = struct({
  metadata: nested(objectMeta),
  spec: nested(struct({ podCIDRs: mergeSet(), taints: atomic() })),
  status: nested(
    struct({
      conditions: mergeByKey('type'),
      addresses: mergeByKey('type'),
      images: atomic(struct({ names: atomic() })),
      volumesInUse: atomic(),
      volumesAttached: atomic(),
      runtimeHandlers: atomic(),
    }),
  ),
});

const namespace = struct({
  metadata: nested(objectMeta),
  spec: nested(struct({ finalizers: atomic() })),
  status: nested(struct({ conditions: mergeByKey('type') })),
});

const controllerRevision = struct({ metadata: nested(objectMeta), data: opaque });

const metadataOnly = struct({ metadata: nested(objectMeta) });

// core/v1 ServiceAccount: `secrets` is merged by name, `imagePullSecrets` is atomic.
const serviceAccount = struct({
  metadata: nested(objectMeta),
  secrets: mergeByKey('name'),
  imagePullSecrets: atomic(),
});

// rbac/v1 carries no patch tags: rules, subjects and aggregation selectors are atomic lists.
const role = struct({ metadata: nested(objectMeta), rules: atomic() });
const clusterRole = struct({
  metadata: nested(objectMeta),
  rules: atomic(),
  aggregationRule: nested(struct({ clusterRoleSelectors: atomic() })),
});
const roleBinding = struct({ metadata: nested(objectMeta), subjects: atomic() });

const kindSchemas: ReadonlyMap<string, StructSchema> = new Map([
  ['Namespace', namespace],
  ['Node', node],
  ['Pod', pod],
  ['Event', metadataOnly],
  ['DaemonSet', daemonSet],
  ['ControllerRevision', controllerRevision],
  ['Lease', metadataOnly],
  ['PriorityClass', metadataOnly],
  ['ServiceAccount', serviceAccount],
  // core/v1 ConfigMap and Secret: their data are maps, merged key by key.
  ['ConfigMap', metadataOnly],
  ['Secret', metadataOnly],
  ['Role', role],
  ['ClusterRole', clusterRole],
  ['RoleBinding', roleBinding],
  ['ClusterRoleBinding', roleBinding],
]);

/** The patch schema of a kind (`DaemonSet`), or undefined when the kind has none. */
export function schemaForKind(kind: string): StructSchema | undefined {
  return kindSchemas.get(kind);
}

/** The kinds that have a schema, i.e. accept strategic merge patches. */
export function strategicMergePatchKinds(): readonly string[] {
  return [...kindSchemas.keys()];
}

/**
 * The patch metadata of the field at `path` (JSON names from the object root; list elements are
 * stepped through implicitly), e.g. `['spec', 'template', 'spec', 'containers', 'ports']`.
 * Undefined when the kind is unknown or no field on the way carries metadata.
 */
export function lookupPatchMeta(kind: string, path: readonly string[]): PatchMeta | undefined {
  let schema = kindSchemas.get(kind);
  let meta: PatchMeta | undefined;
  for (const name of path) {
    meta = schema?.fields.get(name);
    if (meta === undefined) return undefined;
    schema = meta.schema;
  }
  return meta;
}
