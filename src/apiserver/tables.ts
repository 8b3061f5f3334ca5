/**
 * Server-side Table printers: what `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns, cell types and formatting follow
 * upstream pkg/printers/internalversion/printers.go; kubectl only upper-cases the column names,
 * hides priority-1 columns unless `-o wide`, and lays out the cells.
 *
 * Like the upstream API server (which always prints with `Wide: true`), every row carries the
 * priority-1 cells too. Kinds without a printer get upstream's default table (`Name`, `Created At`).
 * Pure functions: no clock but `options.now`, no I/O. Describe is client-side in kubectl and has
 * no counterpart here.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type {
  Namespace,
  Node,
  Pod,
  Event,
  ContainerStatus,
  PodCondition,
  ServiceAccount,
  ConfigMap,
  Secret,
} from 'kubernetes-types/core/v1.js';
import type { DaemonSet, ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { ClusterRoleBinding, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { formatLabelSelector, labelsToString } from '../api/labels.js';
import { allResources, controllerOf } from '../api/resources.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './duration.js';

// ---------------------------------------------------------------------------------------------
// meta.k8s.io/v1 Table

/** What a row's `object` holds: `?includeObject=` of the request. */
export type IncludeObjectPolicy = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The current time in ms since the epoch: every age (AGE, RESTARTS, LAST SEEN…) is relative to it. */
  readonly now: number;
  /**
   * `Metadata` (default): each row's `object` is a `PartialObjectMetadata` with the object's
   * metadata (what `--show-labels` and `-L` read); `Object`: the full object (what `--sort-by`
   * needs); `None`: no `object`.
   */
  readonly includeObject?: IncludeObjectPolicy;
  /** Copied to the table's `metadata.resourceVersion` (the list's, or the single object's). */
  readonly resourceVersion?: string;
  /** Copied to the table's `metadata.continue` (paginated lists). */
  readonly continue?: string;
  /** Leave `columnDefinitions` empty, as upstream does for watch events after the first. Default false. */
  readonly noHeaders?: boolean;
}

/** The types upstream uses for table columns (OpenAPI type names). */
export type TableColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface TableColumnDefinition {
  /** Human-readable name; kubectl prints it upper-cased as the header. */
  readonly name: string;
  readonly type: TableColumnType;
  /** `name` for the column holding the object's name, otherwise empty. */
  readonly format: string;
  readonly description: string;
  /** 0: always shown; 1: only with `-o wide`. */
  readonly priority: number;
}

/** A cell: integers as numbers, booleans as booleans, everything else pre-formatted text. */
export type TableCell = string | number | boolean;

/** Upstream marks finished pods with a `Completed` row condition. */
export interface TableRowCondition {
  readonly type: 'Completed';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
}

export interface PartialObjectMetadata {
  readonly kind: 'PartialObjectMetadata';
  readonly apiVersion: 'meta.k8s.io/v1';
  readonly metadata: ObjectMeta;
}

export interface TableRow {
  /** One cell per column definition, in the same order. */
  readonly cells: readonly TableCell[];
  readonly conditions?: readonly TableRowCondition[];
  /** Per {@link TableOptions.includeObject}; absent with `None`. */
  readonly object?: PartialObjectMetadata | object;
}

export interface Table {
  readonly kind: 'Table';
  readonly apiVersion: 'meta.k8s.io/v1';
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string };
  readonly columnDefinitions: readonly TableColumnDefinition[];
  readonly rows: readonly TableRow[];
}

// ---------------------------------------------------------------------------------------------
// Column definitions (names, types and descriptions as upstream's; descriptions are the field docs)

function column(
  name: string,
  type: TableColumnType,
  description: string,
  more: { format?: string; priority?: number } = {},
): TableColumnDefinition {
  return Object.freeze({ name, type, format: more.format ?? '', description, priority: more.priority ?? 0 });
}

const doc = {
  name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  creationTimestamp:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  containers: 'Names of each container in the template.',
  images: 'Images referenced by each container in the template.',
} as const;

const nameColumn = column('Name', 'string', doc.name, { format: 'name' });
const ageColumn = column('Age', 'string', doc.creationTimestamp);
const wide = { priority: 1 } as const;

const namespaceColumns = [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn];

const nodeAddressesDoc =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

const nodeColumns = [
  nameColumn,
  column('Status', 'string', 'The status of the node'),
  column('Roles', 'string', 'The roles of the node'),
  ageColumn,
  column('Version', 'string', 'Kubelet Version reported by the node.'),
  column('Internal-IP', 'string', nodeAddressesDoc, wide),
  column('External-IP', 'string', nodeAddressesDoc, wide),
  column(
    'OS-Image',
    'string',
    'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
    wide,
  ),
  column(
    'Kernel-Version',
    'string',
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    wide,
  ),
  column(
    'Container-Runtime',
    'string',
    'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
    wide,
  ),
];

const podColumns = [
  nameColumn,
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  ageColumn,
  column(
    'IP',
    'string',
    'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    wide,
  ),
  column(
    'Node',
    'string',
    'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.',
    wide,
  ),
  column(
    'Nominated Node',
    'string',
    'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
    wide,
  ),
  column(
    'Readiness Gates',
    'string',
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    wide,
  ),
];

// Upstream's order: the priority-1 columns are interleaved, and Name comes last.
const eventColumns = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column(
    'Reason',
    'string',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column('Object', 'string', 'The object that this event is about.'),
  column(
    'Subobject',
    'string',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    wide,
  ),
  column(
    'Source',
    'string',
    'The component reporting this event. Should be a short machine understandable string.',
    wide,
  ),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column(
    'First Seen',
    'string',
    'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    wide,
  ),
  column('Count', 'string', 'The number of times this event has occurred.', wide),
  column('Name', 'string', doc.name, { format: 'name', priority: 1 }),
];

const dsDocsMore = 'More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/';
const daemonSetColumns = [
  nameColumn,
  column(
    'Desired',
    'integer',
    `The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). ${dsDocsMore}`,
  ),
  column(
    'Current',
    'integer',
    `The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. ${dsDocsMore}`,
  ),
  column(
    'Ready',
    'integer',
    'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
  ),
  column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
  column(
    'Available',
    'integer',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
  ),
  column(
    'Node Selector',
    'string',
    "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
  ),
  ageColumn,
  column('Containers', 'string', doc.containers, wide),
  column('Images', 'string', doc.images, wide),
  column(
    'Selector',
    'string',
    "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    wide,
  ),
];

// Upstream declares REVISION as a string column although its cells are integers.
const controllerRevisionColumns = [
  nameColumn,
  column('Controller', 'string', 'Controller of the object'),
  column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
  ageColumn,
];

const leaseColumns = [
  nameColumn,
  column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'),
  ageColumn,
];

// Upstream: PreemptionPolicy is priority 0 (shown without -o wide) and printed only in wide mode,
// which the API server always uses.
const priorityClassColumns = [
  nameColumn,
  column(
    'Value',
    'integer',
    'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.',
  ),
  column(
    'Global-Default',
    'boolean',
    'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
  ),
  ageColumn,
  column(
    'PreemptionPolicy',
    'string',
    'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.',
  ),
];

const configMapColumns = [
  nameColumn,
  column(
    'Data',
    'string',
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
  ),
  ageColumn,
];

const secretColumns = [
  nameColumn,
  column(
    'Type',
    'string',
    'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
  ),
  column(
    'Data',
    'string',
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
  ),
  ageColumn,
];

const serviceAccountColumns = [
  nameColumn,
  column(
    'Secrets',
    'string',
    'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
  ),
  ageColumn,
];

// Upstream describes ROLE with the rbac/v1beta1 field docs. Roles and ClusterRoles have no
// printer upstream: they get the default table (Name, Created At).
function bindingColumns(
  kind: 'roleBinding' | 'clusterRoleBinding',
  roleRefDoc: string,
): TableColumnDefinition[] {
  return [
    nameColumn,
    column('Role', 'string', roleRefDoc),
    ageColumn,
    column('Users', 'string', `Users in the ${kind}`, wide),
    column('Groups', 'string', `Groups in the ${kind}`, wide),
    column('ServiceAccounts', 'string', `ServiceAccounts in the ${kind}`, wide),
  ];
}

const roleBindingColumns = bindingColumns(
  'roleBinding',
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
);
const clusterRoleBindingColumns = bindingColumns(
  'clusterRoleBinding',
  'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
);

/** Upstream's default table (rest.NewDefaultTableConvertor) for kinds without a printer. */
const defaultColumns = [nameColumn, column('Created At', 'date', doc.creationTimestamp)];

// ---------------------------------------------------------------------------------------------
// Printers

interface PrintedRow {
  readonly cells: TableCell[];
  readonly conditions?: readonly TableRowCondition[];
}

interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  print(obj: object, now: number): PrintedRow;
}

function printer<T>(columns: TableColumnDefinition[], print: (obj: T, now: number) => PrintedRow): Printer {
  return Object.freeze({
    columns: Object.freeze(columns),
    print: (obj: object, now: number) => print(obj as T, now),
  });
}

const nameOf = (obj: { metadata?: ObjectMeta }): string => obj.metadata?.name ?? '';
const ageOf = (obj: { metadata?: ObjectMeta }, now: number): string =>
  translateTimestampSince(obj.metadata?.creationTimestamp, now);

function printNamespace(ns: Namespace, now: number): PrintedRow {
  return { cells: [nameOf(ns), ns.status?.phase ?? '', ageOf(ns, now)] };
}

const labelNodeRolePrefix = 'node-role.kubernetes.io/';
const nodeLabelRole = 'kubernetes.io/role';

/** Byte-wise ordering, like Go's sort.Strings. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The ROLES of a node: `<role>` of every `node-role.kubernetes.io/<role>` label (any value) and the
 * value of `kubernetes.io/role`, deduplicated and sorted; empty when there are none.
 */
export function findNodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(labelNodeRolePrefix)) {
      const role = k.slice(labelNodeRolePrefix.length);
      if (role !== '') roles.add(role);
    } else if (k === nodeLabelRole && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort(compareStrings);
}

function nodeAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

function printNode(node: Node, now: number): PrintedRow {
  // Only the Ready condition counts; with duplicates the last one wins, as in upstream's map.
  const ready = node.status?.conditions?.findLast((c) => c.type === 'Ready');
  const status: string[] = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable === true) status.push('SchedulingDisabled');
  const roles = findNodeRoles(node).join(',');
  const info = node.status?.nodeInfo;
  return {
    cells: [
      nameOf(node),
      status.join(','),
      roles === '' ? '<none>' : roles,
      ageOf(node, now),
      info?.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ],
  };
}

const podSucceededConditions: readonly TableRowCondition[] = Object.freeze([
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
]);
const podFailedConditions: readonly TableRowCondition[] = Object.freeze([
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
]);

function hasCondition(conditions: readonly PodCondition[] | undefined, type: string): boolean {
  return conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

/** The later of `current` and the container's last termination time (upstream's lastRestartDate). */
function laterTermination(current: number | undefined, cs: ContainerStatus): number | undefined {
  const finished = parseTimestamp(cs.lastState?.terminated?.finishedAt);
  if (finished === undefined) return current;
  return current === undefined || current < finished ? finished : current;
}

/**
 * The READY, STATUS and RESTARTS cells of a pod, derived exactly as upstream's printPod: STATUS
 * starts as the phase (or `status.reason`), init containers then regular containers (scanned
 * backwards) override it with their waiting/terminated reasons, and deletion turns it into
 * `Terminating` (or `Unknown` for a pod on a lost node).
 */
export function podStatusCells(pod: Pod, now: number): { ready: string; status: string; restarts: string } {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const initContainers = new Map((spec?.initContainers ?? []).map((c) => [c.name, c]));
  const isRestartable = (name: string): boolean => initContainers.get(name)?.restartPolicy === 'Always';
  let totalContainers = spec?.containers?.length ?? 0;
  for (const c of spec?.initContainers ?? []) if (c.restartPolicy === 'Always') totalContainers++;

  let readyContainers = 0;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (const [i, cs] of initStatuses.entries()) {
    restarts += cs.restartCount;
    lastRestart = laterTermination(lastRestart, cs);
    if (isRestartable(cs.name)) {
      restartableInitRestarts += cs.restartCount;
      lastRestartableInitRestart = laterTermination(lastRestartableInitRestart, cs);
    }
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated !== undefined && terminated.exitCode === 0) continue;
    if (isRestartable(cs.name) && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      if (!terminated.reason) {
        reason = terminated.signal
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${spec?.initContainers?.length ?? 0}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(status.conditions, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      if (cs === undefined) continue;
      restarts += cs.restartCount;
      lastRestart = laterTermination(lastRestart, cs);
      const terminated = cs.state?.terminated;
      if (cs.state?.waiting?.reason) {
        reason = cs.state.waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated !== undefined) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (cs.ready && cs.state?.running !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last-scanned container completed while others still run is not "Completed".
    if (reason === 'Completed' && hasRunning) {
      reason = hasCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  const restartsText =
    restarts !== 0 && lastRestart !== undefined
      ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
      : String(restarts);
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

function printPod(pod: Pod, now: number): PrintedRow {
  const { ready, status, restarts } = podStatusCells(pod, now);
  // The v1 → internal conversion makes status.podIP authoritative over podIPs[0].
  const podIP = pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || '<none>';
  let readinessGates = '<none>';
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length > 0) {
    const conditions = pod.status?.conditions ?? [];
    const trueGates = gates.filter(
      (g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True',
    ).length;
    readinessGates = `${trueGates}/${gates.length}`;
  }
  const phase = pod.status?.phase;
  const row: PrintedRow = {
    cells: [
      nameOf(pod),
      ready,
      status,
      restarts,
      ageOf(pod, now),
      podIP,
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates,
    ],
  };
  if (phase === 'Succeeded') return { ...row, conditions: podSucceededConditions };
  if (phase === 'Failed') return { ...row, conditions: podFailedConditions };
  return row;
}

function formatEventSource(event: Event): string {
  const component = event.source?.component || event.reportingComponent || '';
  const instance = event.source?.host || event.reportingInstance || '';
  return instance === '' ? component : `${component}, ${instance}`;
}

function printEvent(event: Event, now: number): PrintedRow {
  let firstSeen = translateTimestampSince(event.firstTimestamp, now);
  if (parseTimestamp(event.firstTimestamp) === undefined)
    firstSeen = translateTimestampSince(event.eventTime, now);
  let lastSeen = translateTimestampSince(event.lastTimestamp, now);
  if (parseTimestamp(event.lastTimestamp) === undefined) lastSeen = firstSeen;

  let count = event.count ?? 0;
  if (event.series !== undefined && event.series !== null) {
    lastSeen = translateTimestampSince(event.series.lastObservedTime, now);
    count = event.series.count ?? 0;
  } else if (count === 0) {
    count = 1; // singleton events of the events.k8s.io API carry no count
  }

  const involved: Event['involvedObject'] | undefined = event.involvedObject;
  const kind = (involved?.kind ?? '').toLowerCase();
  const target = involved?.name ? `${kind}/${involved.name}` : kind;
  return {
    cells: [
      lastSeen,
      event.type ?? '',
      event.reason ?? '',
      target,
      involved?.fieldPath ?? '',
      formatEventSource(event),
      (event.message ?? '').trim(),
      firstSeen,
      count,
      nameOf(event),
    ],
  };
}

function printDaemonSet(ds: DaemonSet, now: number): PrintedRow {
  const status = ds.status;
  const containers = ds.spec?.template?.spec?.containers ?? [];
  return {
    cells: [
      nameOf(ds),
      status?.desiredNumberScheduled ?? 0,
      status?.currentNumberScheduled ?? 0,
      status?.numberReady ?? 0,
      status?.updatedNumberScheduled ?? 0,
      status?.numberAvailable ?? 0,
      labelsToString(ds.spec?.template?.spec?.nodeSelector),
      ageOf(ds, now),
      containers.map((c) => c.name).join(','),
      containers.map((c) => c.image ?? '').join(','),
      formatLabelSelector(ds.spec?.selector),
    ],
  };
}

/**
 * `<lower(kind.group)>/<name>` of the controller owner reference, e.g. `daemonset.apps/fluentd`
 * (`pod/x` for the core group), or `<none>` when there is no controller.
 */
export function formatControllerOf(meta: ObjectMeta | undefined): string {
  const ref = controllerOf(meta);
  if (ref === undefined) return '<none>';
  const parts = ref.apiVersion.split('/');
  // schema.ParseGroupVersion: "v1" is the core group, "group/version" a named one.
  const group = parts.length === 2 ? (parts[0] ?? '') : '';
  const groupKind = group === '' ? ref.kind : `${ref.kind}.${group}`;
  return groupKind === '' ? ref.name : `${groupKind.toLowerCase()}/${ref.name}`;
}

function printControllerRevision(cr: ControllerRevision, now: number): PrintedRow {
  return { cells: [nameOf(cr), formatControllerOf(cr.metadata), cr.revision, ageOf(cr, now)] };
}

function printLease(lease: Lease, now: number): PrintedRow {
  return { cells: [nameOf(lease), lease.spec?.holderIdentity ?? '', ageOf(lease, now)] };
}

function printPriorityClass(pc: PriorityClass, now: number): PrintedRow {
  return {
    cells: [nameOf(pc), pc.value, pc.globalDefault ?? false, ageOf(pc, now), pc.preemptionPolicy ?? ''],
  };
}

function printConfigMap(cm: ConfigMap, now: number): PrintedRow {
  return {
    cells: [
      nameOf(cm),
      Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
      ageOf(cm, now),
    ],
  };
}

function printSecret(secret: Secret, now: number): PrintedRow {
  return {
    cells: [nameOf(secret), secret.type ?? '', Object.keys(secret.data ?? {}).length, ageOf(secret, now)],
  };
}

function printServiceAccount(sa: ServiceAccount, now: number): PrintedRow {
  return { cells: [nameOf(sa), (sa.secrets ?? []).length, ageOf(sa, now)] };
}

/**
 * `Kind/name` of the role, then (wide) users, groups and service accounts (`namespace/name`, as
 * upstream's SubjectsStrings, so a RoleBinding subject without a namespace prints `/name`).
 */
function printBinding(b: RoleBinding | ClusterRoleBinding, now: number): PrintedRow {
  const of = (kind: string): Subject[] => (b.subjects ?? []).filter((s) => s.kind === kind);
  return {
    cells: [
      nameOf(b),
      `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
      ageOf(b, now),
      of('User')
        .map((s) => s.name)
        .join(', '),
      of('Group')
        .map((s) => s.name)
        .join(', '),
      of('ServiceAccount')
        .map((s) => `${s.namespace ?? ''}/${s.name}`)
        .join(', '),
    ],
  };
}

/** `creationTimestamp` as Go's `time.RFC3339` in UTC; the zero time when missing. */
function rfc3339(timestamp: string | undefined): string {
  const ms = parseTimestamp(timestamp);
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const defaultPrinter = printer<{ metadata?: ObjectMeta }>(defaultColumns, (obj) => ({
  cells: [nameOf(obj), rfc3339(obj.metadata?.creationTimestamp)],
}));

const printers: ReadonlyMap<string, Printer> = new Map([
  ['Namespace', printer(namespaceColumns, printNamespace)],
  ['Node', printer(nodeColumns, printNode)],
  ['Pod', printer(podColumns, printPod)],
  ['Event', printer(eventColumns, printEvent)],
  ['DaemonSet', printer(daemonSetColumns, printDaemonSet)],
  ['ControllerRevision', printer(controllerRevisionColumns, printControllerRevision)],
  ['Lease', printer(leaseColumns, printLease)],
  ['PriorityClass', printer(priorityClassColumns, printPriorityClass)],
  ['ServiceAccount', printer(serviceAccountColumns, printServiceAccount)],
  ['ConfigMap', printer(configMapColumns, printConfigMap)],
  ['Secret', printer(secretColumns, printSecret)],
  ['RoleBinding', printer(roleBindingColumns, printBinding)],
  ['ClusterRoleBinding', printer(clusterRoleBindingColumns, printBinding)],
]);

function printerFor(kind: string): Printer {
  return printers.get(kind) ?? defaultPrinter;
}

// ---------------------------------------------------------------------------------------------
// Public entry points

/** Whether `kind` has a dedicated printer (otherwise it gets the default `Name`/`Created At` table). */
export function hasTablePrinter(kind: string): boolean {
  return printers.has(kind);
}

/** The column definitions of `kind`'s table, priority-1 columns included. Frozen. */
export function tableColumns(kind: string): readonly TableColumnDefinition[] {
  return printerFor(kind).columns;
}

/** The cells of one object's row: one per {@link tableColumns} entry. */
export function tableCells(kind: string, obj: object, now: number): TableCell[] {
  return printerFor(kind).print(obj, now).cells;
}

function apiVersionOf(kind: string): string | undefined {
  return allResources.find((r) => r.kind === kind)?.apiVersion;
}

function rowObject(
  kind: string,
  obj: { apiVersion?: string; kind?: string; metadata?: ObjectMeta },
  include: IncludeObjectPolicy,
): PartialObjectMetadata | object | undefined {
  switch (include) {
    case 'None':
      return undefined;
    case 'Object': {
      // kubectl decodes row objects as unstructured, which needs apiVersion and kind.
      if (obj.kind !== undefined && obj.apiVersion !== undefined) return obj;
      const apiVersion = obj.apiVersion ?? apiVersionOf(kind);
      const typed: Record<string, unknown> = {
        ...(apiVersion === undefined ? {} : { apiVersion }),
        kind: obj.kind ?? kind,
      };
      for (const [k, v] of Object.entries(obj)) if (v !== undefined) typed[k] = v;
      return typed;
    }
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
  }
}

/**
 * The `meta.k8s.io/v1` Table of `objects` (all of kind `kind`, e.g. `DaemonSet`), one row each in
 * the given order, with every column (priority 1 included) and row objects per
 * `options.includeObject`. An empty list gives a table with columns and no rows.
 */
export function toTable(kind: string, objects: readonly object[], options: TableOptions): Table {
  const p = printerFor(kind);
  const include = options.includeObject ?? 'Metadata';
  const rows = objects.map((obj): TableRow => {
    const printed = p.print(obj, options.now);
    const object = rowObject(kind, obj, include);
    return {
      cells: printed.cells,
      ...(printed.conditions === undefined ? {} : { conditions: printed.conditions }),
      ...(object === undefined ? {} : { object }),
    };
  });
  const metadata = {
    ...(options.resourceVersion === undefined ? {} : { resourceVersion: options.resourceVersion }),
    ...(options.continue === undefined ? {} : { continue: options.continue }),
  };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: options.noHeaders === true ? [] : p.columns,
    rows,
  };
}
