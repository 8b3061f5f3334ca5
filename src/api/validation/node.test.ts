import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrorString } from '../errors.js';
import { deepFreeze } from '../../util/objects.js';
import { validateNode, validateNodeUpdate } from './node.js';

function show(errs: readonly FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, fieldErrorString(e)]);
}

function node(edit?: (n: Node) => void): Node {
  const n: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', uid: 'n1', labels: { 'kubernetes.io/hostname': 'node-1' } },
    spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '3800m', memory: '7Gi', pods: '110' },
    },
  };
  edit?.(n);
  return deepFreeze(n);
}

describe('validateNode', () => {
  it('accepts a plain node', () => {
    assert.deepEqual(validateNode(node()), []);
  });

  it('is cluster-scoped with a DNS-1123 subdomain name', () => {
    const errs = show(
      validateNode(
        node((n) => {
          n.metadata = { name: 'Node_1', namespace: 'default' };
        }),
      ),
    );
    assert.equal(errs.length, 2);
    assert.match(
      errs[0]?.[1] ?? '',
      /^metadata\.name: Invalid value: "Node_1": a lowercase RFC 1123 subdomain/,
    );
    assert.deepEqual(errs[1], [
      'FieldValueForbidden',
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });

  it('checks taints (rooted at metadata.taints, as upstream)', () => {
    const n = node((x) => {
      x.spec!.taints = [
        { key: 'bad key', effect: 'NoSchedule' },
        { key: 'a', value: 'bad value!', effect: 'NoExecute' },
        { key: 'b', effect: 'Sometimes' },
        { key: 'c', effect: '' },
        { key: 'dup', value: 'x', effect: 'NoSchedule' },
        { key: 'dup', value: 'y', effect: 'NoSchedule' },
        { key: 'dup', effect: 'NoExecute' },
      ];
    });
    const errs = show(validateNode(n));
    assert.match(
      errs[0]?.[1] ?? '',
      /^metadata\.taints\[0\]\.key: Invalid value: "bad key": name part must consist/,
    );
    assert.match(
      errs[1]?.[1] ?? '',
      /^metadata\.taints\[1\]\.value: Invalid value: "bad value!": a valid label must be/,
    );
    assert.deepEqual(errs.slice(2), [
      [
        'FieldValueNotSupported',
        'metadata.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
      ['FieldValueRequired', 'metadata.taints[3].effect: Required value'],
      [
        'FieldValueDuplicate',
        'metadata.taints[5]: Duplicate value: {"key":"dup","value":"y","effect":"NoSchedule"}: taints must be unique by key and effect pair',
      ],
    ]);
  });

  it('checks capacity and allocatable quantities', () => {
    const n = node((x) => {
      (x as { status?: Node['status'] }).status = {
        capacity: { cpu: 'four' },
        allocatable: { memory: '-1Gi' },
      };
    });
    assert.deepEqual(show(validateNode(n)), [
      [
        'FieldValueInvalid',
        'status.capacity.cpu: Invalid value: "four": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
      ],
      [
        'FieldValueInvalid',
        'status.allocatable.memory: Invalid value: "-1Gi": must be greater than or equal to 0',
      ],
    ]);
  });
});

describe('validateNodeUpdate', () => {
  it('accepts status and label changes', () => {
    const n = node((x) => {
      x.metadata!.labels = { zone: 'a' };
      x.status!.conditions = [{ type: 'Ready', status: 'True' }];
    });
    assert.deepEqual(validateNodeUpdate(n, node()), []);
  });

  it('re-validates taints and metadata', () => {
    const n = node((x) => {
      (x.metadata as { uid?: string }).uid = 'n2';
      x.spec!.taints = [{ key: 'k', effect: 'Bad' }];
    });
    assert.deepEqual(show(validateNodeUpdate(n, node())), [
      ['FieldValueInvalid', 'metadata.uid: Invalid value: "n2": field is immutable'],
      [
        'FieldValueNotSupported',
        'metadata.taints[0].effect: Unsupported value: "Bad": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    ]);
  });

  it('podCIDR and providerID may only be set from empty', () => {
    const old = node((x) => {
      x.spec!.podCIDR = '10.0.0.0/24';
      x.spec!.providerID = 'kind://a';
    });
    const n = node((x) => {
      x.spec!.podCIDR = '10.0.1.0/24';
      x.spec!.providerID = 'kind://b';
    });
    assert.deepEqual(show(validateNodeUpdate(n, old)), [
      [
        'FieldValueForbidden',
        'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
      ],
      [
        'FieldValueForbidden',
        'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
      ],
    ]);
    assert.deepEqual(validateNodeUpdate(old, node()), []);
  });

  it('rejects duplicate addresses', () => {
    const n = node((x) => {
      x.status!.addresses = [
        { type: 'InternalIP', address: '10.0.0.1' },
        { type: 'InternalIP', address: '10.0.0.1' },
      ];
    });
    assert.deepEqual(show(validateNodeUpdate(n, node())), [
      [
        'FieldValueDuplicate',
        'status.addresses[1]: Duplicate value: {"type":"InternalIP","address":"10.0.0.1"}',
      ],
    ]);
  });
});
