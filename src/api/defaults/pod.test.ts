import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { clone, deepFreeze } from '../../util/objects.js';
import { defaultContainer, defaultImagePullPolicy, defaultPod, defaultPodSpec, imageTag } from './pod.js';

describe('imagePullPolicy defaulting', () => {
  it('is Always for :latest and untagged images, IfNotPresent otherwise', () => {
    const cases: [string, string][] = [
      ['nginx', 'Always'],
      ['nginx:latest', 'Always'],
      ['docker.io/library/nginx', 'Always'],
      ['localhost:5000/nginx', 'Always'],
      ['localhost:5000/nginx:latest', 'Always'],
      ['nginx:1.25', 'IfNotPresent'],
      ['localhost:5000/nginx:1.25', 'IfNotPresent'],
      ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
      ['nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'Always'],
      ['', 'IfNotPresent'],
    ];
    for (const [image, policy] of cases) assert.equal(defaultImagePullPolicy(image), policy, image);
    assert.equal(imageTag('registry:5000/a/b:v2'), 'v2');
  });

  it('keeps an explicit policy', () => {
    assert.equal(
      defaultContainer({ name: 'a', image: 'nginx', imagePullPolicy: 'Never' }).imagePullPolicy,
      'Never',
    );
  });
});

describe('defaultPodSpec', () => {
  const spec = deepFreeze<PodSpec>({
    containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }],
    initContainers: [{ name: 'init', image: 'busybox' }],
    tolerations: [{ operator: 'Exists' }],
  });

  it('fills the PodSpec and container defaults without touching the (frozen) input', () => {
    const before = clone(spec);
    const out: PodSpec = defaultPodSpec(spec);
    assert.deepEqual(spec, before);
    assert.equal(out.priority, undefined);
    assert.equal(out.enableServiceLinks, undefined);
    assert.deepEqual(out, {
      containers: [
        {
          name: 'app',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          resources: {},
        },
      ],
      initContainers: [
        {
          name: 'init',
          image: 'busybox',
          imagePullPolicy: 'Always',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          resources: {},
        },
      ],
      tolerations: [{ operator: 'Exists' }],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
    });
  });

  it('keeps explicit values', () => {
    const out = defaultPodSpec({
      containers: [
        {
          name: 'a',
          image: 'a',
          terminationMessagePolicy: 'FallbackToLogsOnError',
          resources: { limits: { cpu: '1' } },
        },
      ],
      restartPolicy: 'Never',
      dnsPolicy: 'Default',
      terminationGracePeriodSeconds: 0,
      schedulerName: 'mine',
      securityContext: { runAsUser: 1000 },
    });
    assert.equal(out.restartPolicy, 'Never');
    assert.equal(out.dnsPolicy, 'Default');
    assert.equal(out.terminationGracePeriodSeconds, 0);
    assert.equal(out.schedulerName, 'mine');
    assert.deepEqual(out.securityContext, { runAsUser: 1000 });
    assert.equal(out.containers[0]?.terminationMessagePolicy, 'FallbackToLogsOnError');
    assert.deepEqual(out.containers[0]?.resources, { limits: { cpu: '1' } });
  });

  it('defaults probes, field refs and volumes', () => {
    const out = defaultPodSpec({
      containers: [
        {
          name: 'a',
          image: 'a:1',
          livenessProbe: { httpGet: { port: 8080 } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
      ],
      volumes: [
        { name: 'logs', hostPath: { path: '/var/log' } },
        { name: 'cfg', configMap: { name: 'c' } },
        { name: 'tmp' },
      ],
    });
    assert.deepEqual(out.containers[0]?.livenessProbe, {
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(out.containers[0]?.env?.[0]?.valueFrom?.fieldRef?.apiVersion, 'v1');
    assert.deepEqual(out.volumes, [
      { name: 'logs', hostPath: { path: '/var/log', type: '' } },
      { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } },
      { name: 'tmp', emptyDir: {} },
    ]);
  });

  it('keeps serviceAccount and serviceAccountName in step', () => {
    assert.equal(defaultPodSpec({ containers: [], serviceAccountName: 'sa' }).serviceAccount, 'sa');
    assert.equal(defaultPodSpec({ containers: [], serviceAccount: 'old' }).serviceAccountName, 'old');
  });
});

describe('defaultPod', () => {
  it('adds the pod-only defaults: enableServiceLinks, requests from limits, hostNetwork ports', () => {
    const pod = deepFreeze<Pod>({
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        hostNetwork: true,
        containers: [
          {
            name: 'a',
            image: 'a:1',
            ports: [{ containerPort: 9100 }, { containerPort: 53, hostPort: 53, protocol: 'UDP' }],
            resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
          },
        ],
      },
    });
    const out = defaultPod(pod);
    assert.equal(out.spec?.enableServiceLinks, true);
    assert.deepEqual(out.spec?.containers[0]?.resources, {
      limits: { cpu: '1', memory: '1Gi' },
      requests: { cpu: '500m', memory: '1Gi' },
    });
    assert.deepEqual(out.spec?.containers[0]?.ports, [
      { containerPort: 9100, protocol: 'TCP', hostPort: 9100 },
      { containerPort: 53, hostPort: 53, protocol: 'UDP' },
    ]);
    assert.equal(out.status, undefined);
    assert.equal(pod.spec?.enableServiceLinks, undefined);
  });

  it('keeps an explicit enableServiceLinks: false', () => {
    assert.equal(
      defaultPod({ spec: { containers: [], enableServiceLinks: false } }).spec?.enableServiceLinks,
      false,
    );
  });
});

describe('defaultPod with the containers of one template', () => {
  const template = (): PodSpec => ({
    containers: [
      { name: 'c', image: 'nginx:1', resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 80 }] },
    ],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  });

  it('gives every pod from the same lists one deep-frozen copy, equal to a copy of its own', () => {
    const spec = template();
    const pods = [1, 2, 3, 4].map((i) =>
      defaultPod({ metadata: { name: `p${i}` }, spec: { ...spec, nodeName: `n${i}` } }),
    );
    const unshared = defaultPod({ metadata: { name: 'p1' }, spec: { ...clone(spec), nodeName: 'n1' } });
    for (const p of pods) {
      assert.deepEqual(p.spec?.containers, unshared.spec?.containers);
      assert.deepEqual(Object.keys(p.spec ?? {}), Object.keys(unshared.spec ?? {}));
      assert.deepEqual(p.spec?.tolerations, spec.tolerations);
    }
    assert.equal(pods[2]?.spec?.containers, pods[1]?.spec?.containers);
    assert.equal(pods[3]?.spec?.tolerations, pods[2]?.spec?.tolerations);
    assert.ok(Object.isFrozen(pods[2]?.spec?.containers?.[0]?.resources?.requests));
    assert.equal(Object.isFrozen(pods[2]?.spec), false);
    // The input is never touched.
    assert.deepEqual(spec, template());
  });

  it('notices a list changed in between, and defaults with hostNetwork apart', () => {
    const spec = template();
    for (let i = 0; i < 3; i++) defaultPod({ spec });
    const c = spec.containers[0] as { image?: string };
    c.image = 'nginx';
    const changed = defaultPod({ spec });
    assert.equal(changed.spec?.containers[0]?.image, 'nginx');
    assert.equal(changed.spec?.containers[0]?.imagePullPolicy, 'Always');
    const host = defaultPod({ spec: { ...spec, hostNetwork: true } });
    assert.equal(host.spec?.containers[0]?.ports?.[0]?.hostPort, 80);
    assert.equal(defaultPod({ spec }).spec?.containers[0]?.ports?.[0]?.hostPort, undefined);
    (spec.tolerations as Array<{ key?: string }>)[0]!.key = 'other';
    assert.equal(defaultPod({ spec }).spec?.tolerations?.[0]?.key, 'other');
  });
});
