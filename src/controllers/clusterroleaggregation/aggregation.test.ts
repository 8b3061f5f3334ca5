import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { aggregatedRules } from './aggregation.js';

const read = (resource: string): PolicyRule => ({ apiGroups: [''], resources: [resource], verbs: ['get'] });

function role(
  name: string,
  labels: Record<string, string>,
  rules: PolicyRule[],
  selectors?: ClusterRole['aggregationRule'],
): ClusterRole {
  return { metadata: { name, labels }, rules, ...(selectors ? { aggregationRule: selectors } : {}) };
}

describe('aggregatedRules', () => {
  const agg = role('agg', { a: 'true' }, [read('stale')], {
    clusterRoleSelectors: [{ matchLabels: { a: 'true' } }, { matchLabels: { b: 'true' } }],
  });

  test('selector by selector, matching roles in name order, each rule once, never the role itself', () => {
    const all = [
      agg,
      role('z-role', { a: 'true' }, [read('pods'), read('nodes')]),
      role('m-role', { a: 'true', b: 'true' }, [read('nodes'), read('events')]),
      role('b-only', { b: 'true' }, [read('secrets'), read('pods')]),
      role('other', {}, [read('configmaps')]),
    ];
    assert.deepEqual(aggregatedRules(agg, all), [
      read('nodes'),
      read('events'),
      read('pods'),
      read('secrets'),
    ]);
  });

  test('nothing selected: no rules; an invalid selector selects nothing', () => {
    assert.deepEqual(aggregatedRules(agg, [agg]), []);
    const bad = role('bad', {}, [], {
      clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }],
    });
    assert.deepEqual(aggregatedRules(bad, [bad, role('x', { a: 'true' }, [read('pods')])]), []);
  });
});
