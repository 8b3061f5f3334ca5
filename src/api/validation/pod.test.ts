import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrorString } from '../errors.js';
import { deepFreeze } from '../../util/objects.js';
import { defaultPod } from '../defaults/pod.js';
import {
  PodUpdateForbiddenMessage,
  validatePod,
  validatePodSpec,
  validatePodStatusUpdate,
  validatePodUpdate,
} from './pod.js';

/** A valid, defaulted pod; `edit` runs on the raw object before defaulting. */
function pod(edit?: (p: Pod & { spec: PodSpec }) => void): Pod {
  const raw: Pod & { spec: PodSpec } = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '3' },
    spec: {
      containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80, name: 'http' }] }],
    },
  };
  edit?.(raw);
  return deepFreeze(defaultPod(raw));
}

function show(errs: readonly FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, fieldErrorString(e)]);
}

function c0(p: Pod & { spec: PodSpec }): Container {
  return p.spec.containers[0]!;
}

describe('validatePod: containers', () => {
  it('accepts a defaulted pod', () => {
    assert.deepEqual(validatePod(pod()), []);
  });

  it('requires at least one container', () => {
    assert.deepEqual(show(validatePod(pod((p) => (p.spec.containers = [])))), [
      ['FieldValueRequired', 'spec.containers: Required value'],
    ]);
  });

  it('requires container names and checks them as DNS-1123 labels', () => {
    const errs = show(
      validatePod(
        pod((p) => (p.spec.containers = [{ image: 'a' } as Container, { name: 'Bad_Name', image: 'b' }])),
      ),
    );
    assert.deepEqual(errs[0], ['FieldValueRequired', 'spec.containers[0].name: Required value']);
    assert.equal(errs[1]?.[0], 'FieldValueInvalid');
    assert.match(
      errs[1]?.[1] ?? '',
      /^spec\.containers\[1\]\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of/,
    );
    assert.equal(errs.length, 2);
  });

  it('rejects duplicate container names, also across init containers', () => {
    const p = pod((x) => {
      x.spec.containers.push({ name: 'app', image: 'busybox' });
      x.spec.initContainers = [{ name: 'app', image: 'busybox' }];
    });
    assert.deepEqual(show(validatePod(p)), [
      ['FieldValueDuplicate', 'spec.initContainers[0].name: Duplicate value: "app"'],
      ['FieldValueDuplicate', 'spec.containers[1].name: Duplicate value: "app"'],
    ]);
  });

  it('requires an image; pods (not templates) also reject surrounding whitespace', () => {
    assert.deepEqual(
      show(validatePod(pod((p) => (c0(p).image = '')))).filter((e) => e[1].includes('image')),
      [['FieldValueRequired', 'spec.containers[0].image: Required value']],
    );
    assert.deepEqual(show(validatePod(pod((p) => (c0(p).image = ' nginx')))), [
      [
        'FieldValueInvalid',
        'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
      ],
    ]);
  });

  it('checks imagePullPolicy values', () => {
    assert.deepEqual(show(validatePod(pod((p) => (c0(p).imagePullPolicy = 'Sometimes')))), [
      [
        'FieldValueNotSupported',
        'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
      ],
    ]);
  });

  it('checks port numbers, protocols and names', () => {
    const p = pod((x) => {
      c0(x).ports = [
        { containerPort: 0 },
        { containerPort: 70000, hostPort: 70000 },
        { containerPort: 81, protocol: 'HTTP' },
        { containerPort: 82, name: 'http' },
        { containerPort: 83, name: 'http' },
        { containerPort: 84, name: 'Bad_Port' },
      ];
    });
    assert.deepEqual(show(validatePod(p)), [
      ['FieldValueRequired', 'spec.containers[0].ports[0].containerPort: Required value'],
      [
        'FieldValueInvalid',
        'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
      [
        'FieldValueInvalid',
        'spec.containers[0].ports[1].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
      [
        'FieldValueNotSupported',
        'spec.containers[0].ports[2].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      ],
      ['FieldValueDuplicate', 'spec.containers[0].ports[4].name: Duplicate value: "http"'],
      [
        'FieldValueInvalid',
        'spec.containers[0].ports[5].name: Invalid value: "Bad_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      ],
    ]);
  });

  it('rejects the same host port twice', () => {
    const p = pod((x) => {
      c0(x).ports = [{ containerPort: 80, hostPort: 8080 }];
      x.spec.containers.push({ name: 'b', image: 'b', ports: [{ containerPort: 81, hostPort: 8080 }] });
    });
    assert.deepEqual(show(validatePod(p)), [
      ['FieldValueDuplicate', 'spec.containers: Duplicate value: "/TCP/8080"'],
    ]);
  });

  it('with hostNetwork, hostPort must equal containerPort (defaulting fills unset ones on pods)', () => {
    assert.deepEqual(validatePod(pod((x) => (x.spec.hostNetwork = true))), []);
    const p = pod((x) => {
      x.spec.hostNetwork = true;
      c0(x).ports = [{ containerPort: 80, hostPort: 81 }];
    });
    assert.deepEqual(show(validatePod(p)), [
      [
        'FieldValueInvalid',
        'spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true',
      ],
    ]);
  });

  it('in templates an unset hostPort is accepted with hostNetwork', () => {
    const spec = { ...pod().spec!, hostNetwork: true };
    assert.deepEqual(validatePodSpec(spec, 'spec.template.spec'), []);
    assert.equal(validatePodSpec(spec, 'spec', { resourceIsPod: true }).length, 1);
  });

  it('checks env var names', () => {
    const p = pod((x) => (c0(x).env = [{ name: '' }, { name: 'A=B' }, { name: 'OK.name-1' }]));
    assert.deepEqual(show(validatePod(p)), [
      ['FieldValueRequired', 'spec.containers[0].env[0].name: Required value'],
      [
        'FieldValueInvalid',
        'spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
      ],
    ]);
  });

  it('checks resource quantities and that requests do not exceed limits', () => {
    const p = pod((x) => {
      c0(x).resources = { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '1', memory: 'lots' } };
    });
    assert.deepEqual(show(validatePod(p)), [
      [
        'FieldValueInvalid',
        'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
      ],
      [
        'FieldValueInvalid',
        'spec.containers[0].resources.requests[memory]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
      ],
    ]);
  });

  it('rejects negative quantities and non-standard resource names (requests default from limits on pods)', () => {
    const p = pod((x) => (c0(x).resources = { limits: { cpu: '-1', gpu: '1' } }));
    assert.deepEqual(show(validatePod(p)), [
      [
        'FieldValueInvalid',
        'spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      ],
      [
        'FieldValueInvalid',
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
      [
        'FieldValueInvalid',
        'spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      ],
      [
        'FieldValueInvalid',
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    ]);
  });

  it('volume mounts must name a volume', () => {
    const p = pod((x) => {
      x.spec.volumes = [{ name: 'logs', hostPath: { path: '/var/log' } }];
      c0(x).volumeMounts = [
        { name: 'logs', mountPath: '/var/log' },
        { name: 'missing', mountPath: '/data' },
      ];
    });
    assert.deepEqual(show(validatePod(p)), [
      ['FieldValueNotFound', 'spec.containers[0].volumeMounts[1].name: Not found: "missing"'],
    ]);
  });
});

describe('validatePod: pod-level fields', () => {
  it('checks restartPolicy and dnsPolicy values', () => {
    assert.deepEqual(show(validatePod(pod((x) => (x.spec.restartPolicy = 'Sometimes')))), [
      [
        'FieldValueNotSupported',
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
    ]);
    assert.deepEqual(show(validatePod(pod((x) => (x.spec.dnsPolicy = 'Google')))), [
      [
        'FieldValueNotSupported',
        'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    ]);
  });

  it('terminationGracePeriodSeconds ≥ 0 and activeDeadlineSeconds ≥ 1', () => {
    const p = pod((x) => {
      x.spec.terminationGracePeriodSeconds = -1;
      x.spec.activeDeadlineSeconds = 0;
    });
    assert.deepEqual(show(validatePod(p)), [
      [
        'FieldValueInvalid',
        'spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0',
      ],
      [
        'FieldValueInvalid',
        'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
      ],
    ]);
  });

  it('checks nodeSelector labels and priorityClassName', () => {
    const p = pod((x) => {
      x.spec.nodeSelector = { 'kubernetes.io/os': 'linux', disk: 'fast ssd' };
      x.spec.priorityClassName = 'High_Priority';
    });
    const errs = show(validatePod(p));
    assert.equal(errs.length, 2);
    assert.match(errs[0]?.[1] ?? '', /^spec\.nodeSelector: Invalid value: "fast ssd": a valid label must be/);
    assert.match(
      errs[1]?.[1] ?? '',
      /^spec\.priorityClassName: Invalid value: "High_Priority": a lowercase RFC 1123 subdomain/,
    );
  });

  it('checks tolerations', () => {
    const p = pod((x) => {
      x.spec.tolerations = [
        { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
        { operator: 'Exists' },
        { key: 'a', operator: 'Exists', value: 'x' },
        { operator: 'Equal', value: 'x' },
        { key: 'b', operator: 'Equal', value: 'y', effect: 'NoSchedule', tolerationSeconds: 30 },
        { key: 'c', operator: 'Like' },
        { key: 'd', effect: 'Sometimes' },
      ];
    });
    assert.deepEqual(show(validatePod(p)), [
      [
        'FieldValueInvalid',
        'spec.tolerations[2].operator: Invalid value: {"key":"a","operator":"Exists","value":"x"}: value must be empty when `operator` is \'Exists\'',
      ],
      [
        'FieldValueInvalid',
        'spec.tolerations[3].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      ],
      [
        'FieldValueInvalid',
        'spec.tolerations[4].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
      ],
      [
        'FieldValueNotSupported',
        'spec.tolerations[5].operator: Unsupported value: "Like": supported values: "Equal", "Exists"',
      ],
      [
        'FieldValueNotSupported',
        'spec.tolerations[6].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    ]);
  });

  it('checks node affinity terms', () => {
    const base =
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]';
    const p = pod((x) => {
      x.spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'cpu', operator: 'Gt', values: ['4', '8'] },
                  { key: 'zone', operator: 'In' },
                  { key: 'gpu', operator: 'Exists', values: ['x'] },
                  { key: 'x', operator: 'Near', values: ['y'] },
                  { key: 'ok', operator: 'Lt', values: ['10'] },
                ],
                matchFields: [
                  { key: 'metadata.name', operator: 'In', values: ['a', 'b'] },
                  { key: 'metadata.name', operator: 'Exists' },
                  { key: 'spec.unschedulable', operator: 'In', values: ['true'] },
                ],
              },
            ],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }],
        },
      };
    });
    assert.deepEqual(show(validatePod(p)), [
      [
        'FieldValueRequired',
        `${base}.matchExpressions[0].values: Required value: must be specified single value when \`operator\` is 'Lt' or 'Gt'`,
      ],
      [
        'FieldValueRequired',
        `${base}.matchExpressions[1].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
      ],
      [
        'FieldValueForbidden',
        `${base}.matchExpressions[2].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
      ],
      [
        'FieldValueInvalid',
        `${base}.matchExpressions[3].operator: Invalid value: "Near": not a valid selector operator`,
      ],
      [
        'FieldValueRequired',
        `${base}.matchFields[0].values: Required value: must be only one value when \`operator\` is 'In' or 'NotIn' for node field selector`,
      ],
      [
        'FieldValueInvalid',
        `${base}.matchFields[1].operator: Invalid value: "Exists": not a valid selector operator`,
      ],
      [
        'FieldValueInvalid',
        `${base}.matchFields[2].key: Invalid value: "spec.unschedulable": not a valid field selector key`,
      ],
      [
        'FieldValueInvalid',
        'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100',
      ],
    ]);
  });

  it('requires at least one node selector term', () => {
    const p = pod((x) => {
      x.spec.affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      };
    });
    assert.deepEqual(show(validatePod(p)), [
      [
        'FieldValueRequired',
        'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term',
      ],
    ]);
  });

  it('checks metadata (name and namespace)', () => {
    const p = pod((x) => {
      x.metadata = { generateName: 'web-' };
    });
    assert.deepEqual(show(validatePod(p)), [
      ['FieldValueRequired', 'metadata.name: Required value: name or generateName is required'],
      ['FieldValueRequired', 'metadata.namespace: Required value'],
    ]);
  });
});

describe('validatePodUpdate', () => {
  it('allows image changes', () => {
    const old = pod();
    const changed = pod((x) => (c0(x).image = 'nginx:1.26'));
    assert.deepEqual(validatePodUpdate(changed, old), []);
  });

  it('forbids other spec changes with upstream’s message and a diff', () => {
    const old = pod();
    const changed = pod((x) => (c0(x).ports = [{ containerPort: 8080 }]));
    const errs = validatePodUpdate(changed, old);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.type, 'FieldValueForbidden');
    assert.equal(errs[0]?.field, 'spec');
    assert.ok(errs[0]?.message.startsWith(`Forbidden: ${PodUpdateForbiddenMessage}\n`));
    assert.ok(
      PodUpdateForbiddenMessage.startsWith(
        'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds`',
      ),
    );
    assert.match(errs[0]?.message ?? '', /- \tcontainers: /);
  });

  it('forbids adding or removing containers', () => {
    const changed = pod((x) => x.spec.containers.push({ name: 'b', image: 'b' }));
    assert.deepEqual(show(validatePodUpdate(changed, pod())), [
      ['FieldValueForbidden', 'spec.containers: Forbidden: pod updates may not add or remove containers'],
    ]);
  });

  it('allows adding tolerations, not changing existing ones (except tolerationSeconds)', () => {
    const t = { key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
    const old = pod((x) => (x.spec.tolerations = [t]));
    assert.deepEqual(
      validatePodUpdate(
        pod((x) => (x.spec.tolerations = [t, { key: 'j', operator: 'Exists' }])),
        old,
      ),
      [],
    );
    assert.deepEqual(
      validatePodUpdate(
        pod((x) => (x.spec.tolerations = [{ ...t, tolerationSeconds: 10 }])),
        old,
      ),
      [],
    );
    const errs = show(
      validatePodUpdate(
        pod((x) => (x.spec.tolerations = [])),
        old,
      ),
    );
    assert.deepEqual(errs, [
      [
        'FieldValueForbidden',
        'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
      ],
    ]);
  });

  it('activeDeadlineSeconds may be set or lowered, not raised or cleared', () => {
    const old = pod((x) => (x.spec.activeDeadlineSeconds = 100));
    assert.deepEqual(
      validatePodUpdate(
        pod((x) => (x.spec.activeDeadlineSeconds = 50)),
        old,
      ),
      [],
    );
    assert.deepEqual(validatePodUpdate(old, pod()), []);
    assert.deepEqual(
      show(
        validatePodUpdate(
          pod((x) => (x.spec.activeDeadlineSeconds = 200)),
          old,
        ),
      ),
      [
        [
          'FieldValueInvalid',
          'spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value',
        ],
      ],
    );
    assert.deepEqual(show(validatePodUpdate(pod(), old)), [
      [
        'FieldValueInvalid',
        'spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value',
      ],
    ]);
  });

  it('nodeName cannot be set or changed by an update (only through pods/binding)', () => {
    const unbound = pod();
    const bound = pod((x) => (x.spec.nodeName = 'node-1'));
    const setErrs = validatePodUpdate(bound, unbound);
    assert.equal(setErrs.length, 1);
    assert.equal(setErrs[0]?.field, 'spec');
    assert.match(setErrs[0]?.message ?? '', /^Forbidden: pod updates may not change fields other than/);
    const errs = validatePodUpdate(
      pod((x) => (x.spec.nodeName = 'node-2')),
      bound,
    );
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.field, 'spec');
    assert.match(errs[0]?.message ?? '', /nodeName: "node-1",\n\+ \tnodeName: "node-2"/);
  });

  it('terminationGracePeriodSeconds is not otherwise updatable', () => {
    const errs = validatePodUpdate(
      pod((x) => (x.spec.terminationGracePeriodSeconds = 60)),
      pod(),
    );
    assert.equal(errs[0]?.type, 'FieldValueForbidden');
  });

  it('metadata rules apply', () => {
    assert.deepEqual(
      show(
        validatePodUpdate(
          pod((x) => (x.metadata!.namespace = 'other')),
          pod(),
        ),
      ),
      [['FieldValueInvalid', 'metadata.namespace: Invalid value: "other": field is immutable']],
    );
  });
});

describe('validatePodStatusUpdate', () => {
  it('checks the phase', () => {
    const n = deepFreeze({ ...pod(), status: { phase: 'Sleeping' } });
    assert.deepEqual(show(validatePodStatusUpdate(n, pod())), [
      [
        'FieldValueNotSupported',
        'status.phase: Unsupported value: "Sleeping": supported values: "Pending", "Running", "Succeeded", "Failed", "Unknown"',
      ],
    ]);
    assert.deepEqual(validatePodStatusUpdate({ ...pod(), status: { phase: 'Running' } }, pod()), []);
  });
});

describe('validatePodSpec with shared frozen lists', () => {
  it('gives the same answers for a frozen container or toleration list on every pod that holds it', () => {
    const valid = deepFreeze(
      defaultPod({ spec: { containers: [{ name: 'c', image: 'i:1' }] } }).spec?.containers ?? [],
    );
    const invalid = deepFreeze(
      defaultPod({ spec: { containers: [{ name: 'Bad_Name', image: 'i:1' }] } }).spec?.containers ?? [],
    );
    const tolerations = deepFreeze([{ key: 'bad key', operator: 'Exists' as const }]);
    const spec = (containers: readonly Container[]): PodSpec =>
      defaultPod({ spec: { containers: [...containers] } }).spec as PodSpec;
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(validatePodSpec({ ...spec(valid), containers: valid }), []);
      const errs = validatePodSpec({ ...spec(invalid), containers: invalid }).map(fieldErrorString);
      assert.equal(errs.length, 1);
      assert.match(errs[0] ?? '', /^spec\.containers\[0\]\.name: Invalid value: "Bad_Name"/);
      assert.equal(validatePodSpec({ ...spec(valid), containers: valid, tolerations }).length, 1);
    }
    // Valid containers mounting a volume are checked against the pod's volumes every time.
    const mounting = deepFreeze(
      defaultPod({
        spec: { containers: [{ name: 'c', image: 'i:1', volumeMounts: [{ name: 'v', mountPath: '/v' }] }] },
      }).spec?.containers ?? [],
    );
    const withVolume = { ...spec(mounting), containers: mounting, volumes: [{ name: 'v', emptyDir: {} }] };
    assert.deepEqual(validatePodSpec(withVolume), []);
    assert.equal(validatePodSpec({ ...spec(mounting), containers: mounting }).length, 1);
  });
});
