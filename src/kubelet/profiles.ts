/**
 * Kubelet profiles: the stage tables of the simulated kubelet. `fast` acts at once (only probe
 * delays and crash back-off take time); `realistic` adds delays with jitter like a real node.
 * Stages are tried in order; the first whose conditions hold applies.
 */
import type { DelaySpec, FieldCondition, Stage } from './stage.js';

export type KubeletProfileName = 'fast' | 'realistic';

export interface KubeletProfile {
  readonly name: KubeletProfileName;
  readonly stages: readonly Stage[];
}

const bound: FieldCondition = { path: 'spec.nodeName', op: 'Exists' };
const alive: FieldCondition = { path: '$nodeAlive', op: 'In', values: ['true'] };
const notDeleting: FieldCondition = { path: 'metadata.deletionTimestamp', op: 'DoesNotExist' };
const deleting: FieldCondition = { path: 'metadata.deletionTimestamp', op: 'Exists' };
const active: FieldCondition = { path: 'status.phase', op: 'NotIn', values: ['Failed', 'Succeeded'] };

/** How the kubelet reports Ready and ContainersReady: a False status carries a reason. */
interface Readiness {
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  /** PodReadyToStartContainers: False once a terminal pod's sandbox is gone. Default True. */
  readonly sandbox?: string;
}

/** Not ready while the pod runs (upstream GenerateContainersReadyCondition). */
const containersNotReady: Readiness = {
  status: 'False',
  reason: 'ContainersNotReady',
  message: '{{unreadyMessage}}',
};

const podConditions = (r: Readiness): unknown[] => {
  const why = { ...(r.reason ? { reason: r.reason } : {}), ...(r.message ? { message: r.message } : {}) };
  return [
    {
      type: 'PodReadyToStartContainers',
      status: r.sandbox ?? 'True',
      lastProbeTime: null,
      lastTransitionTime: '{{now}}',
    },
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: '{{now}}' },
    { type: 'Ready', status: r.status, lastProbeTime: null, lastTransitionTime: '{{now}}', ...why },
    { type: 'ContainersReady', status: r.status, lastProbeTime: null, lastTransitionTime: '{{now}}', ...why },
  ];
};

const podNetwork = {
  hostIP: '{{nodeIP}}',
  hostIPs: [{ ip: '{{nodeIP}}' }],
  podIP: '{{podIP}}',
  podIPs: [{ ip: '{{podIP}}' }],
  startTime: '{{startTime}}',
};

/** The conditions a healthy kubelet reports for its node. */
const healthyNodeConditions: unknown[] = [
  {
    type: 'MemoryPressure',
    status: 'False',
    lastHeartbeatTime: '{{now}}',
    lastTransitionTime: '{{now}}',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  {
    type: 'DiskPressure',
    status: 'False',
    lastHeartbeatTime: '{{now}}',
    lastTransitionTime: '{{now}}',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  {
    type: 'PIDPressure',
    status: 'False',
    lastHeartbeatTime: '{{now}}',
    lastTransitionTime: '{{now}}',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  {
    type: 'Ready',
    status: 'True',
    lastHeartbeatTime: '{{now}}',
    lastTransitionTime: '{{now}}',
    reason: 'KubeletReady',
    message: 'kubelet is posting ready status',
  },
];

function stages(d: {
  start: DelaySpec;
  fail: DelaySpec;
  nodeInit: DelaySpec;
  termination: DelaySpec;
  pull: DelaySpec;
  probeJitter: boolean;
}): Stage[] {
  return [
    {
      name: 'pod-delete',
      resource: 'Pod',
      match: [bound, alive, deleting],
      delay: d.termination,
      next: { delete: true },
    },
    {
      name: 'pod-failed',
      resource: 'Pod',
      match: [bound, alive, notDeleting, active, { path: '$failure', op: 'In', values: ['failed'] }],
      delay: d.fail,
      next: {
        status: {
          ...podNetwork,
          phase: 'Failed',
          conditions: podConditions({ status: 'False', reason: 'PodFailed', sandbox: 'False' }),
          containerStatuses: [
            {
              $forEachContainer: {
                name: '{{container.name}}',
                image: '{{container.image}}',
                imageID: '{{container.imageID}}',
                containerID: '{{container.containerID}}',
                ready: false,
                started: false,
                restartCount: '{{container.restartCount}}',
                state: {
                  terminated: {
                    exitCode: 1,
                    reason: 'Error',
                    startedAt: '{{startTime}}',
                    finishedAt: '{{now}}',
                    containerID: '{{container.containerID}}',
                  },
                },
              },
            },
          ],
        },
        event: {
          type: 'Warning',
          reason: 'Failed',
          message: 'Error: container exited with code 1 (injected by everynode.io/fail=failed)',
        },
      },
    },
    {
      name: 'pod-err-image-pull',
      resource: 'Pod',
      match: [
        bound,
        alive,
        notDeleting,
        // Only a pod whose containers have not started pulls images: a Running pod never goes back.
        { path: 'status.phase', op: 'In', values: ['Pending'] },
        { path: '$failure', op: 'In', values: ['image-pull'] },
        { path: '$waitingReason', op: 'NotIn', values: ['ErrImagePull', 'ImagePullBackOff'] },
      ],
      delay: d.pull,
      next: {
        status: {
          ...podNetwork,
          phase: 'Pending',
          conditions: podConditions(containersNotReady),
          containerStatuses: [
            {
              $forEachContainer: {
                name: '{{container.name}}',
                image: '{{container.image}}',
                imageID: '',
                ready: false,
                started: false,
                restartCount: 0,
                state: {
                  waiting: {
                    reason: 'ErrImagePull',
                    message: 'failed to pull and unpack image "{{container.image}}": not found',
                  },
                },
              },
            },
          ],
        },
        event: {
          type: 'Warning',
          reason: 'Failed',
          message: 'Failed to pull image "{{firstImage}}": not found',
        },
      },
    },
    {
      name: 'pod-image-pull-backoff',
      resource: 'Pod',
      match: [
        bound,
        alive,
        notDeleting,
        active,
        { path: '$failure', op: 'In', values: ['image-pull'] },
        { path: '$waitingReason', op: 'In', values: ['ErrImagePull'] },
      ],
      delay: { kind: 'fixed', ms: 1_000 },
      next: {
        status: {
          containerStatuses: [
            {
              $forEachContainer: {
                name: '{{container.name}}',
                image: '{{container.image}}',
                imageID: '',
                ready: false,
                started: false,
                restartCount: 0,
                state: {
                  waiting: {
                    reason: 'ImagePullBackOff',
                    message: 'Back-off pulling image "{{container.image}}"',
                  },
                },
              },
            },
          ],
        },
        event: { type: 'Normal', reason: 'BackOff', message: 'Back-off pulling image "{{firstImage}}"' },
      },
    },
    {
      name: 'pod-crash',
      resource: 'Pod',
      match: [bound, alive, notDeleting, active, { path: '$failure', op: 'In', values: ['crash'] }],
      delay: { kind: 'crashBackoff' },
      next: {
        status: {
          ...podNetwork,
          phase: 'Running',
          conditions: podConditions(containersNotReady),
          containerStatuses: [
            {
              $forEachContainer: {
                name: '{{container.name}}',
                image: '{{container.image}}',
                imageID: '{{container.imageID}}',
                containerID: '{{container.containerID}}',
                ready: false,
                started: false,
                restartCount: '{{container.nextRestartCount}}',
                lastState: {
                  terminated: {
                    exitCode: 1,
                    reason: 'Error',
                    startedAt: '{{now}}',
                    finishedAt: '{{now}}',
                    containerID: '{{container.containerID}}',
                  },
                },
                state: {
                  waiting: {
                    reason: 'CrashLoopBackOff',
                    message:
                      'back-off {{container.backoff}} restarting failed container={{container.name}} pod={{podName}}',
                  },
                },
              },
            },
          ],
        },
        event: {
          type: 'Warning',
          reason: 'BackOff',
          message: 'Back-off restarting failed container {{firstContainer}} in pod {{podName}}',
        },
      },
    },
    {
      name: 'pod-start',
      resource: 'Pod',
      match: [
        bound,
        alive,
        notDeleting,
        { path: 'status.phase', op: 'In', values: ['Pending'] },
        { path: '$failure', op: 'NotIn', values: ['failed', 'image-pull', 'crash'] },
      ],
      delay: d.start,
      next: {
        status: {
          ...podNetwork,
          phase: 'Running',
          conditions: podConditions({
            status: '{{readyAtStart}}',
            reason: '{{readyAtStartReason}}',
            message: '{{readyAtStartMessage}}',
          }),
          containerStatuses: [
            {
              $forEachContainer: {
                name: '{{container.name}}',
                image: '{{container.image}}',
                imageID: '{{container.imageID}}',
                containerID: '{{container.containerID}}',
                ready: '{{readyAtStartBool}}',
                started: true,
                restartCount: 0,
                state: { running: { startedAt: '{{now}}' } },
              },
            },
          ],
        },
        event: { type: 'Normal', reason: 'Started', message: 'Started container {{firstContainer}}' },
      },
    },
    {
      name: 'pod-ready',
      resource: 'Pod',
      match: [
        bound,
        alive,
        notDeleting,
        { path: 'status.phase', op: 'In', values: ['Running'] },
        { path: '$readyCondition', op: 'NotIn', values: ['True'] },
        { path: '$failure', op: 'NotIn', values: ['never-ready', 'crash', 'failed'] },
      ],
      delay: { kind: 'readinessProbe', jitter: d.probeJitter },
      next: {
        status: {
          conditions: [
            { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '{{now}}' },
            { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: '{{now}}' },
          ],
          containerStatuses: [
            {
              $forEachContainer: {
                name: '{{container.name}}',
                image: '{{container.image}}',
                imageID: '{{container.imageID}}',
                containerID: '{{container.containerID}}',
                ready: true,
                started: true,
                restartCount: '{{container.runningRestartCount}}',
                state: '{{container.runningState}}',
              },
            },
          ],
        },
      },
    },
    {
      name: 'node-initialize',
      resource: 'Node',
      match: [{ path: '$readyCondition', op: 'DoesNotExist' }, alive],
      delay: d.nodeInit,
      next: {
        status: {
          capacity: '{{capacity}}',
          allocatable: '{{allocatable}}',
          conditions: healthyNodeConditions,
          addresses: [
            { type: 'InternalIP', address: '{{nodeIP}}' },
            { type: 'Hostname', address: '{{nodeName}}' },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: {
            machineID: '{{machineID}}',
            systemUUID: '{{machineID}}',
            bootID: '{{machineID}}',
            kernelVersion: '6.1.0-everynode',
            osImage: 'everynode simulated node',
            containerRuntimeVersion: 'everynode://0.1.0',
            kubeletVersion: 'v1.30.0-everynode',
            kubeProxyVersion: 'v1.30.0-everynode',
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
        event: { type: 'Normal', reason: 'NodeReady', message: 'Node {{nodeName}} status is now: NodeReady' },
      },
    },
    {
      name: 'node-recover',
      resource: 'Node',
      match: [{ path: '$readyCondition', op: 'In', values: ['False', 'Unknown'] }, alive],
      delay: d.nodeInit,
      next: {
        status: {
          conditions: healthyNodeConditions,
        },
        event: { type: 'Normal', reason: 'NodeReady', message: 'Node {{nodeName}} status is now: NodeReady' },
      },
    },
  ];
}

export const profiles: Readonly<Record<KubeletProfileName, KubeletProfile>> = {
  fast: {
    name: 'fast',
    stages: stages({
      start: { kind: 'fixed', ms: 0 },
      fail: { kind: 'fixed', ms: 0 },
      nodeInit: { kind: 'fixed', ms: 0 },
      termination: { kind: 'termination', defaultMs: 0 },
      pull: { kind: 'fixed', ms: 0 },
      probeJitter: false,
    }),
  },
  realistic: {
    name: 'realistic',
    stages: stages({
      start: { kind: 'fixed', ms: 1_500, jitterMs: 1_000 },
      fail: { kind: 'fixed', ms: 2_000, jitterMs: 1_000 },
      nodeInit: { kind: 'fixed', ms: 2_000, jitterMs: 1_000 },
      termination: { kind: 'termination', defaultMs: 1_000, jitterMs: 1_000 },
      pull: { kind: 'fixed', ms: 3_000, jitterMs: 2_000 },
      probeJitter: true,
    }),
  },
};
