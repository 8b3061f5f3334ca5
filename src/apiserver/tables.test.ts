import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, Node, Pod, Event, ContainerStatus } from 'kubernetes-types/core/v1.js';
import type { DaemonSet, ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import {
  findNodeRoles,
  formatControllerOf,
  hasTablePrinter,
  podStatusCells,
  tableCells,
  tableColumns,
  toTable,
} from './tables.js';
import type { TableCell } from './tables.js';

const now = Date.parse('2024-05-01T12:00:00Z');
/** The RFC 3339 timestamp `ms` milliseconds before `now`. */
const ago = (ms: number): string => new Date(now - ms).toISOString().replace(/\.000Z$/, 'Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

function row(kind: string, obj: object): TableCell[] {
  const table = toTable(kind, [obj], { now });
  assert.equal(table.rows.length, 1);
  const cells = [...(table.rows[0]?.cells ?? [])];
  assert.equal(cells.length, table.columnDefinitions.length, 'one cell per column');
  return cells;
}

function columnNames(kind: string, priority?: number): string[] {
  return tableColumns(kind)
    .filter((c) => priority === undefined || c.priority === priority)
    .map((c) => c.name);
}

// ---------------------------------------------------------------------------------------------
// Fixtures

function runningPod(overrides: { name?: string; containerStatuses?: ContainerStatus[] } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: overrides.name ?? 'x-abcde',
      namespace: 'default',
      uid: 'uid-1',
      resourceVersion: '102',
      labels: { app: 'x' },
      creationTimestamp: ago(5 * M),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'x:1' }] },
    status: {
      phase: 'Running',
      podIP: '10.0.0.5',
      podIPs: [{ ip: '10.0.0.5' }],
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: overrides.containerStatuses ?? [
        {
          name: 'app',
          image: 'x:1',
          imageID: '',
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: ago(4 * M) } },
        },
      ],
    },
  };
}

function withStatus(pod: Pod, status: Partial<NonNullable<Pod['status']>>): Pod {
  return { ...pod, status: { ...pod.status, ...status } };
}

function container(
  name: string,
  state: NonNullable<ContainerStatus['state']>,
  more: Partial<ContainerStatus> = {},
): ContainerStatus {
  return { name, image: `${name}:1`, imageID: '', ready: false, restartCount: 0, state, ...more };
}

const fluentd: DaemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'fluentd', namespace: 'kube-system', creationTimestamp: ago(2 * M), generation: 1 },
  spec: {
    selector: { matchLabels: { app: 'fluentd' } },
    template: {
      metadata: { labels: { app: 'fluentd' } },
      spec: {
        containers: [
          { name: 'fluentd', image: 'fluentd:v1' },
          { name: 'reloader', image: 'reloader:v2' },
        ],
      },
    },
  },
  status: {
    desiredNumberScheduled: 5,
    currentNumberScheduled: 5,
    numberReady: 5,
    updatedNumberScheduled: 5,
    numberAvailable: 5,
    numberMisscheduled: 0,
  },
};

// ---------------------------------------------------------------------------------------------

void describe('tableColumns', () => {
  void it('lists the upstream columns of every printed kind, wide ones at priority 1', () => {
    assert.deepEqual(columnNames('Namespace'), ['Name', 'Status', 'Age']);
    assert.deepEqual(columnNames('Node', 0), ['Name', 'Status', 'Roles', 'Age', 'Version']);
    assert.deepEqual(columnNames('Node', 1), [
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime',
    ]);
    assert.deepEqual(columnNames('Pod', 0), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    assert.deepEqual(columnNames('Pod', 1), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.deepEqual(columnNames('Event'), [
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject',
      'Source',
      'Message',
      'First Seen',
      'Count',
      'Name',
    ]);
    assert.deepEqual(columnNames('Event', 0), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    assert.deepEqual(columnNames('DaemonSet', 0), [
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
    ]);
    assert.deepEqual(columnNames('DaemonSet', 1), ['Containers', 'Images', 'Selector']);
    assert.deepEqual(columnNames('ControllerRevision'), ['Name', 'Controller', 'Revision', 'Age']);
    assert.deepEqual(columnNames('Lease'), ['Name', 'Holder', 'Age']);
    assert.deepEqual(columnNames('PriorityClass', 0), [
      'Name',
      'Value',
      'Global-Default',
      'Age',
      'PreemptionPolicy',
    ]);
    assert.deepEqual(columnNames('ConfigMap'), ['Name', 'Data', 'Age']);
    assert.deepEqual(columnNames('Service'), ['Name', 'Created At']);
  });

  void it('uses upstream types and formats: name format on the name column, integer counts', () => {
    const ds = tableColumns('DaemonSet');
    assert.deepEqual(
      ds.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ['Name', 'string', 'name', 0],
        ['Desired', 'integer', '', 0],
        ['Current', 'integer', '', 0],
        ['Ready', 'integer', '', 0],
        ['Up-to-date', 'integer', '', 0],
        ['Available', 'integer', '', 0],
        ['Node Selector', 'string', '', 0],
        ['Age', 'string', '', 0],
        ['Containers', 'string', '', 1],
        ['Images', 'string', '', 1],
        ['Selector', 'string', '', 1],
      ],
    );
    const events = tableColumns('Event');
    assert.deepEqual(
      events.filter((c) => c.format === 'name').map((c) => [c.name, c.priority]),
      [['Name', 1]],
    );
    assert.deepEqual(
      tableColumns('PriorityClass').map((c) => c.type),
      ['string', 'integer', 'boolean', 'string', 'string'],
    );
    assert.equal(tableColumns('Pod').find((c) => c.name === 'Restarts')?.type, 'string');
    assert.equal(tableColumns('Service')[1]?.type, 'date');
    for (const kind of [
      'Namespace',
      'Node',
      'Pod',
      'Event',
      'DaemonSet',
      'ControllerRevision',
      'Lease',
      'PriorityClass',
    ]) {
      assert.ok(hasTablePrinter(kind), kind);
      for (const c of tableColumns(kind))
        assert.ok(c.description.length > 0, `${kind} ${c.name} has a description`);
      assert.equal(
        tableColumns(kind).filter((c) => c.format === 'name').length,
        1,
        `${kind} has one name column`,
      );
    }
    assert.ok(!hasTablePrinter('Service'));
    assert.match(tableColumns('Pod')[4]?.description ?? '', /^CreationTimestamp is a timestamp/);
  });
});

void describe('toTable', () => {
  void it('builds a meta.k8s.io/v1 Table with PartialObjectMetadata row objects by default', () => {
    const pod = runningPod();
    const table = toTable('Pod', [pod], { now, resourceVersion: '103' });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '103' });
    assert.deepEqual(table.columnDefinitions, tableColumns('Pod'));
    assert.deepEqual(table.rows, [
      {
        cells: ['x-abcde', '1/1', 'Running', '0', '5m', '10.0.0.5', 'n1', '<none>', '<none>'],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata },
      },
    ]);
    // kubectl needs every field of a column definition, empty or zero as they may be.
    assert.deepEqual(Object.keys(table.columnDefinitions[0] ?? {}).sort(), [
      'description',
      'format',
      'name',
      'priority',
      'type',
    ]);
  });

  void it('carries the whole object with includeObject=Object and none with None', () => {
    const pod = runningPod();
    const full = toTable('Pod', [pod], { now, includeObject: 'Object' });
    assert.equal(full.rows[0]?.object, pod);
    const none = toTable('Pod', [pod], { now, includeObject: 'None' });
    assert.ok(none.rows[0] !== undefined && !('object' in none.rows[0]));
    const meta = toTable('Pod', [pod], { now, includeObject: 'Metadata' });
    assert.deepEqual(meta.rows[0]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: pod.metadata,
    });
  });

  void it('adds apiVersion and kind to full row objects that lack them (kubectl decodes them)', () => {
    const { apiVersion: _a, kind: _k, ...bare } = fluentd;
    const table = toTable('DaemonSet', [bare], { now, includeObject: 'Object' });
    assert.deepEqual(table.rows[0]?.object, { apiVersion: 'apps/v1', kind: 'DaemonSet', ...bare });
    const noMeta = toTable('DaemonSet', [{}], { now });
    assert.deepEqual(noMeta.rows[0]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: {},
    });
  });

  void it('gives an empty list its columns and no rows', () => {
    for (const kind of ['Pod', 'DaemonSet', 'Node', 'Event', 'ConfigMap']) {
      const table = toTable(kind, [], { now, resourceVersion: '7' });
      assert.deepEqual(table.rows, []);
      assert.deepEqual(table.columnDefinitions, tableColumns(kind));
      assert.deepEqual(table.metadata, { resourceVersion: '7' });
    }
    assert.deepEqual(toTable('Lease', [], { now }).metadata, {});
  });

  void it('keeps the input order, copies continue, and omits headers on request', () => {
    const table = toTable('Pod', [runningPod({ name: 'b' }), runningPod({ name: 'a' })], {
      now,
      continue: 'token',
      noHeaders: true,
    });
    assert.deepEqual(
      table.rows.map((r) => r.cells[0]),
      ['b', 'a'],
    );
    assert.deepEqual(table.metadata, { continue: 'token' });
    assert.deepEqual(table.columnDefinitions, []);
  });

  void it('prints kinds without a printer as upstream default table: name and RFC 3339 creation time', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', creationTimestamp: ago(5 * M) },
    };
    assert.deepEqual(row('Service', svc), ['s', '2024-05-01T11:55:00Z']);
    assert.deepEqual(row('Service', { metadata: { name: 'x' } }), ['x', '0001-01-01T00:00:00Z']);
  });

  void it('prints ConfigMaps as upstream: the number of keys in data and binaryData', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', creationTimestamp: ago(5 * M) },
      data: { a: '1', b: '2' },
      binaryData: { c: 'eA==' },
    };
    assert.deepEqual(row('ConfigMap', cm), ['cm', 3, '5m']);
    assert.deepEqual(row('ConfigMap', { metadata: { name: 'empty' } })[1], 0);
  });
});

void describe('Namespace rows', () => {
  void it('shows phase and age', () => {
    const ns: Namespace = {
      metadata: { name: 'default', creationTimestamp: ago(5 * D) },
      status: { phase: 'Active' },
    };
    assert.deepEqual(row('Namespace', ns), ['default', 'Active', '5d']);
    const terminating: Namespace = {
      metadata: { name: 'old', creationTimestamp: ago(90 * S) },
      status: { phase: 'Terminating' },
    };
    assert.deepEqual(row('Namespace', terminating), ['old', 'Terminating', '90s']);
  });
});

void describe('Node rows', () => {
  const controlPlane: Node = {
    metadata: {
      name: 'cp-1',
      creationTimestamp: ago(10 * D),
      labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'cp-1' },
    },
    spec: { unschedulable: true },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: 'True' },
      ],
      addresses: [
        { type: 'Hostname', address: 'cp-1' },
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'InternalIP', address: '172.18.0.3' },
      ],
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'containerd://1.7.13',
        kernelVersion: '6.1.0-18-amd64',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.30.0',
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: '',
      },
    },
  };

  void it('shows a cordoned Ready control-plane node as Ready,SchedulingDisabled with role control-plane', () => {
    assert.deepEqual(row('Node', controlPlane), [
      'cp-1',
      'Ready,SchedulingDisabled',
      'control-plane',
      '10d',
      'v1.30.0',
      '172.18.0.2',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0-18-amd64',
      'containerd://1.7.13',
    ]);
  });

  void it('shows NotReady for a non-True Ready condition and Unknown without one', () => {
    const notReady: Node = {
      metadata: { name: 'n1', creationTimestamp: ago(3 * H) },
      status: {
        conditions: [{ type: 'Ready', status: 'Unknown' }],
        addresses: [{ type: 'ExternalIP', address: '203.0.113.7' }],
      },
    };
    assert.deepEqual(row('Node', notReady), [
      'n1',
      'NotReady',
      '<none>',
      '3h',
      '',
      '<none>',
      '203.0.113.7',
      '<unknown>',
      '<unknown>',
      '<unknown>',
    ]);
    const fresh: Node = {
      metadata: { name: 'n2', creationTimestamp: ago(30 * S) },
      spec: { unschedulable: true },
    };
    assert.deepEqual(row('Node', fresh).slice(0, 4), ['n2', 'Unknown,SchedulingDisabled', '<none>', '30s']);
    const falseReady: Node = {
      metadata: { name: 'n3' },
      status: { conditions: [{ type: 'Ready', status: 'False' }] },
    };
    assert.deepEqual(row('Node', falseReady).slice(0, 4), ['n3', 'NotReady', '<none>', '<unknown>']);
  });

  void it('collects roles from node-role.kubernetes.io/<role> labels and kubernetes.io/role, sorted', () => {
    const node: Node = {
      metadata: {
        name: 'w',
        labels: {
          'node-role.kubernetes.io/worker': 'true',
          'node-role.kubernetes.io/': 'ignored',
          'kubernetes.io/role': 'infra',
          'node-role.kubernetes.io/Zeta': '',
          'node-role.kubernetes.io/infra': '',
        },
      },
    };
    assert.deepEqual(findNodeRoles(node), ['Zeta', 'infra', 'worker']);
    assert.equal(row('Node', node)[2], 'Zeta,infra,worker');
    assert.deepEqual(findNodeRoles({ metadata: { labels: { 'kubernetes.io/role': '' } } }), []);
  });
});

void describe('Pod rows', () => {
  void it('shows a running pod as kubectl get pods -o wide does', () => {
    assert.deepEqual(row('Pod', runningPod()), [
      'x-abcde',
      '1/1',
      'Running',
      '0',
      '5m',
      '10.0.0.5',
      'n1',
      '<none>',
      '<none>',
    ]);
  });

  void it('shows an unbound DaemonSet pod as Pending with <none> node and IP', () => {
    const pod: Pod = {
      metadata: { name: 'fluentd-7xk2p', creationTimestamp: ago(1 * S) },
      spec: { containers: [{ name: 'fluentd' }] },
      status: { phase: 'Pending' },
    };
    assert.deepEqual(row('Pod', pod), [
      'fluentd-7xk2p',
      '0/1',
      'Pending',
      '0',
      '1s',
      '<none>',
      '<none>',
      '<none>',
      '<none>',
    ]);
  });

  void it('shows Terminating for a pod being deleted, Unknown on a lost node, and not for finished pods', () => {
    const deleting = runningPod();
    const terminating: Pod = {
      ...deleting,
      metadata: { ...deleting.metadata, deletionTimestamp: ago(-30 * S) },
    };
    assert.equal(row('Pod', terminating)[2], 'Terminating');

    const lost = withStatus(terminating, { reason: 'NodeLost' });
    assert.equal(row('Pod', lost)[2], 'Unknown');

    const finished = withStatus(terminating, {
      phase: 'Succeeded',
      containerStatuses: [container('app', { terminated: { exitCode: 0, reason: 'Completed' } })],
    });
    assert.equal(row('Pod', finished)[2], 'Completed');
  });

  void it('shows CrashLoopBackOff and the restart count with the age of the last termination', () => {
    const pod = withStatus(runningPod(), {
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        container(
          'app',
          { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
          {
            restartCount: 3,
            lastState: {
              terminated: { exitCode: 1, reason: 'Error', startedAt: ago(12 * S), finishedAt: ago(10 * S) },
            },
          },
        ),
      ],
    });
    assert.deepEqual(row('Pod', pod).slice(0, 5), [
      'x-abcde',
      '0/1',
      'CrashLoopBackOff',
      '3 (10s ago)',
      '5m',
    ]);
  });

  void it('uses the latest termination over all containers, and a bare count without one', () => {
    const pod = withStatus(runningPod(), {
      containerStatuses: [
        container(
          'a',
          { running: {} },
          {
            ready: true,
            restartCount: 1,
            lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * H) } },
          },
        ),
        container(
          'b',
          { running: {} },
          {
            ready: true,
            restartCount: 2,
            lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * M) } },
          },
        ),
      ],
    });
    assert.deepEqual(podStatusCells(pod, now), { ready: '2/1', status: 'Running', restarts: '3 (3m ago)' });
    const noDate = withStatus(runningPod(), {
      containerStatuses: [container('app', { running: {} }, { ready: true, restartCount: 4 })],
    });
    assert.equal(podStatusCells(noDate, now).restarts, '4');
  });

  void it('reports the reason of the last container (scanning backwards) that waits or terminated', () => {
    const base = runningPod();
    const cases: [NonNullable<ContainerStatus['state']>, string][] = [
      [{ waiting: { reason: 'ContainerCreating' } }, 'ContainerCreating'],
      [{ waiting: { reason: 'ErrImagePull' } }, 'ErrImagePull'],
      [{ terminated: { exitCode: 137, reason: 'OOMKilled' } }, 'OOMKilled'],
      [{ terminated: { exitCode: 2 } }, 'ExitCode:2'],
      [{ terminated: { exitCode: 137, signal: 9 } }, 'Signal:9'],
      [{ waiting: {} }, 'Running'],
    ];
    for (const [state, want] of cases) {
      const pod = withStatus(base, { containerStatuses: [container('app', state)] });
      assert.equal(podStatusCells(pod, now).status, want, JSON.stringify(state));
    }
    // The first container is scanned last, so its reason wins.
    const two = withStatus(base, {
      containerStatuses: [
        container('a', { waiting: { reason: 'ImagePullBackOff' } }),
        container('b', { terminated: { exitCode: 1, reason: 'Error' } }),
      ],
    });
    assert.equal(podStatusCells(two, now).status, 'ImagePullBackOff');
  });

  void it('turns Completed back into Running (or NotReady) while another container still runs', () => {
    const statuses = [
      container('job', { terminated: { exitCode: 0, reason: 'Completed' } }),
      container('server', { running: { startedAt: ago(M) } }, { ready: true }),
    ];
    const ready = withStatus(runningPod(), { containerStatuses: statuses });
    assert.deepEqual(podStatusCells(ready, now), { ready: '1/1', status: 'Running', restarts: '0' });
    const notReady = withStatus(runningPod(), {
      containerStatuses: statuses,
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    assert.equal(podStatusCells(notReady, now).status, 'NotReady');
  });

  void it('shows init container progress and failures', () => {
    const pod: Pod = {
      metadata: { name: 'init', creationTimestamp: ago(20 * S) },
      spec: {
        initContainers: [{ name: 'i1' }, { name: 'i2' }],
        containers: [{ name: 'app' }],
      },
      status: { phase: 'Pending' },
    };
    const statusOf = (initContainerStatuses: ContainerStatus[]): string =>
      podStatusCells(withStatus(pod, { initContainerStatuses }), now).status;
    assert.equal(statusOf([container('i1', { waiting: { reason: 'PodInitializing' } })]), 'Init:0/2');
    assert.equal(
      statusOf([container('i1', { terminated: { exitCode: 0 } }), container('i2', { running: {} })]),
      'Init:1/2',
    );
    assert.equal(
      statusOf([container('i1', { waiting: { reason: 'CrashLoopBackOff' } })]),
      'Init:CrashLoopBackOff',
    );
    assert.equal(statusOf([container('i1', { terminated: { exitCode: 1, reason: 'Error' } })]), 'Init:Error');
    assert.equal(statusOf([container('i1', { terminated: { exitCode: 3 } })]), 'Init:ExitCode:3');
    assert.equal(
      statusOf([container('i1', { terminated: { exitCode: 143, signal: 15 } })]),
      'Init:Signal:15',
    );
    // An init container that exited 0 is done, whatever the signal; with no statuses left the phase shows.
    assert.equal(statusOf([container('i1', { terminated: { exitCode: 0, signal: 15 } })]), 'Pending');
    // Restarts of the init container being retried count while initializing.
    const retried = withStatus(pod, {
      initContainerStatuses: [
        container(
          'i1',
          { waiting: { reason: 'CrashLoopBackOff' } },
          { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * S) } } },
        ),
      ],
    });
    assert.deepEqual(row('Pod', retried).slice(0, 5), [
      'init',
      '0/1',
      'Init:CrashLoopBackOff',
      '2 (5s ago)',
      '20s',
    ]);
  });

  void it('counts started restartable init containers (sidecars) in READY', () => {
    const pod: Pod = {
      metadata: { name: 'sidecar' },
      spec: {
        initContainers: [{ name: 'proxy', restartPolicy: 'Always' }],
        containers: [{ name: 'app' }],
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [
          container('proxy', { running: {} }, { started: true, ready: true, restartCount: 1 }),
        ],
        containerStatuses: [container('app', { running: {} }, { ready: true })],
      },
    };
    assert.deepEqual(podStatusCells(pod, now), { ready: '2/2', status: 'Running', restarts: '1' });
  });

  void it('shows SchedulingGated, an evicted reason, readiness gates, podIPs and the nominated node', () => {
    const gated: Pod = {
      metadata: { name: 'g' },
      spec: { containers: [{ name: 'app' }] },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
      },
    };
    assert.equal(podStatusCells(gated, now).status, 'SchedulingGated');

    const evicted: Pod = {
      metadata: { name: 'e' },
      spec: { containers: [{ name: 'app' }] },
      status: { phase: 'Failed', reason: 'Evicted' },
    };
    assert.equal(podStatusCells(evicted, now).status, 'Evicted');

    const gatedReady: Pod = {
      metadata: { name: 'r', creationTimestamp: ago(M) },
      spec: {
        containers: [{ name: 'app' }],
        readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }],
      },
      status: {
        phase: 'Pending',
        podIPs: [{ ip: 'fd00::5' }, { ip: '10.0.0.9' }],
        nominatedNodeName: 'n7',
        conditions: [
          { type: 'example.com/lb', status: 'True' },
          { type: 'example.com/dns', status: 'False' },
        ],
      },
    };
    assert.deepEqual(row('Pod', gatedReady).slice(5), ['fd00::5', '<none>', 'n7', '1/2']);
  });

  void it('marks finished pods with a Completed row condition', () => {
    const succeeded = withStatus(runningPod(), {
      phase: 'Succeeded',
      containerStatuses: [container('app', { terminated: { exitCode: 0, reason: 'Completed' } })],
    });
    const table = toTable('Pod', [succeeded, runningPod()], { now });
    assert.equal(table.rows[0]?.cells[2], 'Completed');
    assert.deepEqual(table.rows[0]?.conditions, [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ]);
    assert.ok(table.rows[1] !== undefined && !('conditions' in table.rows[1]));
    const failed = withStatus(runningPod(), { phase: 'Failed' });
    assert.equal(toTable('Pod', [failed], { now }).rows[0]?.conditions?.[0]?.reason, 'Failed');
  });
});

void describe('Event rows', () => {
  void it('shows a core/v1 event as kubectl get events -o wide does', () => {
    const event: Event = {
      metadata: { name: 'fluentd.17c9a3b2d4e5f6a7', namespace: 'kube-system', creationTimestamp: ago(2 * M) },
      involvedObject: { kind: 'DaemonSet', name: 'fluentd', namespace: 'kube-system', apiVersion: 'apps/v1' },
      reason: 'SuccessfulCreate',
      message: 'Created pod: fluentd-abcde\n',
      source: { component: 'daemonset-controller' },
      firstTimestamp: ago(2 * M),
      lastTimestamp: ago(10 * S),
      count: 3,
      type: 'Normal',
    };
    assert.deepEqual(row('Event', event), [
      '10s',
      'Normal',
      'SuccessfulCreate',
      'daemonset/fluentd',
      '',
      'daemonset-controller',
      'Created pod: fluentd-abcde',
      '2m',
      3,
      'fluentd.17c9a3b2d4e5f6a7',
    ]);
  });

  void it('falls back to eventTime, series and reporting fields of events.k8s.io-style events', () => {
    const single: Event = {
      metadata: { name: 'e1' },
      involvedObject: { kind: 'Pod', name: 'x', fieldPath: 'spec.containers{app}' },
      eventTime: '2024-05-01T11:59:29.876543Z',
      reason: 'Pulled',
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
      type: 'Normal',
      message: 'ok',
    };
    assert.deepEqual(row('Event', single), [
      '30s',
      'Normal',
      'Pulled',
      'pod/x',
      'spec.containers{app}',
      'kubelet, node-1',
      'ok',
      '30s',
      1,
      'e1',
    ]);
    const series: Event = {
      ...single,
      series: { count: 7, lastObservedTime: '2024-05-01T11:59:55.000000Z' },
      source: { component: 'kubelet', host: 'node-2' },
    };
    const cells = row('Event', series);
    assert.deepEqual([cells[0], cells[5], cells[7], cells[8]], ['5s', 'kubelet, node-2', '30s', 7]);
    const bare: Event = { metadata: { name: 'e2' }, involvedObject: { kind: 'Node' } };
    assert.deepEqual(row('Event', bare), ['<unknown>', '', '', 'node', '', '', '', '<unknown>', 1, 'e2']);
  });
});

void describe('DaemonSet rows', () => {
  void it('shows counts as integers, node selector, age, and the wide containers/images/selector', () => {
    assert.deepEqual(row('DaemonSet', fluentd), [
      'fluentd',
      5,
      5,
      5,
      5,
      5,
      '<none>',
      '2m',
      'fluentd,reloader',
      'fluentd:v1,reloader:v2',
      'app=fluentd',
    ]);
  });

  void it('renders the node selector sorted, zero counts for a missing status, and set-based selectors', () => {
    const ds: DaemonSet = {
      metadata: { name: 'agent', creationTimestamp: ago(3 * D + 4 * H) },
      spec: {
        selector: {
          matchLabels: { app: 'agent' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }],
        },
        template: {
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' },
            containers: [{ name: 'agent', image: 'agent:2' }],
          },
        },
      },
    };
    assert.deepEqual(row('DaemonSet', ds), [
      'agent',
      0,
      0,
      0,
      0,
      0,
      'disk=ssd,kubernetes.io/os=linux',
      '3d4h',
      'agent',
      'agent:2',
      'app=agent,tier in (a,b)',
    ]);
    assert.deepEqual(tableCells('DaemonSet', { metadata: { name: 'empty' } }, now), [
      'empty',
      0,
      0,
      0,
      0,
      0,
      '<none>',
      '<unknown>',
      '',
      '',
      '<none>',
    ]);
  });
});

void describe('ControllerRevision rows', () => {
  void it('names the controller as daemonset.apps/<name> and prints the revision as an integer', () => {
    const cr: ControllerRevision = {
      metadata: {
        name: 'fluentd-5d8f7c9b6',
        creationTimestamp: ago(3 * M),
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'not-controller', uid: 'u0' },
          { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u1', controller: true },
        ],
      },
      revision: 2,
    };
    assert.deepEqual(row('ControllerRevision', cr), ['fluentd-5d8f7c9b6', 'daemonset.apps/fluentd', 2, '3m']);
  });

  void it('prints <none> without a controller and kind/name for the core group', () => {
    assert.deepEqual(row('ControllerRevision', { metadata: { name: 'orphan' }, revision: 1 }), [
      'orphan',
      '<none>',
      1,
      '<unknown>',
    ]);
    assert.equal(
      formatControllerOf({
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }],
      }),
      'pod/p',
    );
    assert.equal(
      formatControllerOf({
        ownerReferences: [
          { apiVersion: 'example.com/v1alpha1', kind: 'FooSet', name: 'f', uid: 'u', controller: true },
        ],
      }),
      'fooset.example.com/f',
    );
  });
});

void describe('Lease rows', () => {
  void it('shows the holder identity, empty when nobody holds the lease', () => {
    const lease: Lease = {
      metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: ago(H) },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 },
    };
    assert.deepEqual(row('Lease', lease), ['node-1', 'node-1', '60m']);
    assert.deepEqual(row('Lease', { metadata: { name: 'free', creationTimestamp: ago(8 * D) }, spec: {} }), [
      'free',
      '',
      '8d',
    ]);
  });
});

void describe('PriorityClass rows', () => {
  void it('shows value as an integer, global default as a boolean, and the preemption policy', () => {
    const pc: PriorityClass = {
      metadata: { name: 'system-node-critical', creationTimestamp: ago(30 * D) },
      value: 2000001000,
      preemptionPolicy: 'PreemptLowerPriority',
    };
    assert.deepEqual(row('PriorityClass', pc), [
      'system-node-critical',
      2000001000,
      false,
      '30d',
      'PreemptLowerPriority',
    ]);
    const defaulted: PriorityClass = {
      metadata: { name: 'low', creationTimestamp: ago(2 * 365 * D + 5 * D) },
      value: -10,
      globalDefault: true,
      preemptionPolicy: 'Never',
    };
    assert.deepEqual(row('PriorityClass', defaulted), ['low', -10, true, '2y5d', 'Never']);
  });
});

void describe('ServiceAccount and RBAC rows', () => {
  void it('ServiceAccount: NAME SECRETS AGE, secrets counted (0 without legacy token secrets)', () => {
    assert.deepEqual(columnNames('ServiceAccount'), ['Name', 'Secrets', 'Age']);
    assert.deepEqual(row('ServiceAccount', { metadata: { name: 'bot', creationTimestamp: ago(3 * M) } }), [
      'bot',
      0,
      '3m',
    ]);
    assert.deepEqual(
      row('ServiceAccount', {
        metadata: { name: 'old', creationTimestamp: ago(D) },
        secrets: [{ name: 's' }],
      }),
      ['old', 1, '24h'],
    );
  });

  void it('Role and ClusterRole: the default NAME CREATED AT table', () => {
    for (const kind of ['Role', 'ClusterRole']) {
      assert.deepEqual(columnNames(kind), ['Name', 'Created At'], kind);
      assert.equal(hasTablePrinter(kind), false);
      assert.deepEqual(row(kind, { metadata: { name: 'r', creationTimestamp: ago(H) } }), [
        'r',
        '2024-05-01T11:00:00Z',
      ]);
    }
  });

  void it('RoleBinding and ClusterRoleBinding: NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS', () => {
    for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
      assert.deepEqual(columnNames(kind, 0), ['Name', 'Role', 'Age'], kind);
      assert.deepEqual(columnNames(kind, 1), ['Users', 'Groups', 'ServiceAccounts'], kind);
    }
    assert.deepEqual(
      row('ClusterRoleBinding', {
        metadata: { name: 'everynode:daemonset-controller', creationTimestamp: ago(10 * S) },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'everynode:daemonset-controller',
        },
        subjects: [
          { kind: 'ServiceAccount', name: 'everynode-controller', namespace: 'everynode-system' },
          { kind: 'User', name: 'alice' },
          { kind: 'User', name: 'bob' },
          { kind: 'Group', name: 'devs' },
        ],
      }),
      [
        'everynode:daemonset-controller',
        'ClusterRole/everynode:daemonset-controller',
        '10s',
        'alice, bob',
        'devs',
        'everynode-system/everynode-controller',
      ],
    );
    assert.deepEqual(
      row('RoleBinding', {
        metadata: { name: 'b', namespace: 'ns', creationTimestamp: ago(2 * D) },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
        subjects: [{ kind: 'ServiceAccount', name: 'bot' }],
      }),
      ['b', 'Role/r', '2d', '', '', '/bot'],
    );
  });
});
