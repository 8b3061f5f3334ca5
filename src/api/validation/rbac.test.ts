import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRoleBinding, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrorString } from '../errors.js';
import { defaultRoleBinding } from '../defaults/index.js';
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateServiceAccount,
} from './rbac.js';

function show(errs: readonly FieldError[]): string[] {
  return errs.map(fieldErrorString);
}

describe('validateServiceAccount', () => {
  it('needs a namespace and a DNS-1123 subdomain name', () => {
    assert.deepEqual(show(validateServiceAccount({ metadata: { name: 'bot', namespace: 'ns' } })), []);
    assert.deepEqual(show(validateServiceAccount({ metadata: { name: 'bot' } })), [
      'metadata.namespace: Required value',
    ]);
    assert.match(
      show(validateServiceAccount({ metadata: { name: 'Bot', namespace: 'ns' } }))[0] ?? '',
      /^metadata\.name: Invalid value: "Bot"/,
    );
  });
});

describe('validateRole and validateClusterRole', () => {
  it('accept path-segment names such as everynode:leader-election', () => {
    assert.deepEqual(
      validateRole({
        metadata: { name: 'everynode:leader-election', namespace: 'kube-system' },
        rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] }],
      }),
      [],
    );
    assert.deepEqual(show(validateClusterRole({ metadata: { name: 'a/b' } })), [
      'metadata.name: Invalid value: "a/b": may not contain \'/\'',
    ]);
    assert.deepEqual(show(validateClusterRole({ metadata: { name: '..' } })), [
      'metadata.name: Invalid value: "..": may not be \'..\'',
    ]);
  });

  it('require verbs, and apiGroups and resources for resource rules', () => {
    assert.deepEqual(
      show(validateRole({ metadata: { name: 'r', namespace: 'ns' }, rules: [{ verbs: [] }] })),
      [
        'rules[0].verbs: Required value: verbs must contain at least one value',
        'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
        'rules[0].resources: Required value: resource rules must supply at least one resource',
      ],
    );
  });

  it('keep non-resource URLs out of namespaces and out of resource rules', () => {
    assert.deepEqual(
      show(
        validateRole({
          metadata: { name: 'r', namespace: 'ns' },
          rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
        }),
      ),
      [
        'rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: namespaced rules cannot apply to non-resource URLs',
      ],
    );
    assert.deepEqual(
      show(
        validateClusterRole({
          metadata: { name: 'r' },
          rules: [{ nonResourceURLs: ['/metrics'], resources: ['pods'], verbs: ['get'] }],
        }),
      ),
      [
        'rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: rules cannot apply to both regular resources and non-resource URLs',
      ],
    );
    assert.deepEqual(
      validateClusterRole({
        metadata: { name: 'r' },
        rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
      }),
      [],
    );
  });

  it('need a selector in an aggregation rule', () => {
    assert.deepEqual(show(validateClusterRole({ metadata: { name: 'r' }, aggregationRule: {} })), [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
  });
});

describe('bindings', () => {
  const rb = (over: Partial<RoleBinding> = {}): RoleBinding =>
    defaultRoleBinding({
      metadata: { name: 'b', namespace: 'ns' },
      roleRef: { apiGroup: '', kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'ServiceAccount', name: 'bot' },
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'devs' },
      ],
      ...over,
    });

  it('are defaulted as upstream: roleRef and User/Group subjects get the RBAC group', () => {
    const b = rb();
    assert.equal(b.roleRef.apiGroup, 'rbac.authorization.k8s.io');
    assert.deepEqual(
      b.subjects?.map((s) => s.apiGroup),
      ['', 'rbac.authorization.k8s.io', 'rbac.authorization.k8s.io'],
    );
    assert.deepEqual(validateRoleBinding(b), []);
  });

  it('check roleRef and subjects', () => {
    assert.deepEqual(
      show(
        validateRoleBinding({
          metadata: { name: 'b', namespace: 'ns' },
          roleRef: { apiGroup: 'x', kind: 'Thing', name: '' },
          subjects: [
            { kind: 'Robot', name: 'r' },
            { kind: 'User', name: '', apiGroup: 'rbac.authorization.k8s.io' },
          ],
        }),
      ),
      [
        'roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
        'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
        'roleRef.name: Required value',
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
        'subjects[1].name: Required value',
      ],
    );
    const crb: ClusterRoleBinding = defaultRoleBinding({
      metadata: { name: 'b' },
      roleRef: { apiGroup: '', kind: 'Role', name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: 'bot' }],
    });
    assert.deepEqual(show(validateClusterRoleBinding(crb)), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
  });

  it('keep their roleRef: "cannot change roleRef"', () => {
    const old = rb();
    const changed = rb({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    });
    assert.deepEqual(show(validateRoleBindingUpdate(changed, old)), [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
    ]);
    assert.deepEqual(validateRoleBindingUpdate(rb({ subjects: [] }), old), [], 'subjects may change');
    const crb: ClusterRoleBinding = {
      metadata: { name: 'b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'a' },
    };
    assert.equal(
      show(validateClusterRoleBindingUpdate({ ...crb, roleRef: { ...crb.roleRef, name: 'b' } }, crb)).length,
      1,
    );
  });
});
