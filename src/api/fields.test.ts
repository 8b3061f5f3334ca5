import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Namespace, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import {
  escapeFieldValue,
  fieldsOf,
  parseFieldSelector,
  supportedFieldLabels,
  validateFieldSelectorForKind,
} from './fields.js';

void describe('parseFieldSelector', () => {
  void it('parses =, == and != terms, ANDed, ordered by raw term text', () => {
    const cases: [string, string, [string, string, string][]][] = [
      ['', '', []],
      [',,', '', []],
      ['spec.nodeName=n1', 'spec.nodeName=n1', [['spec.nodeName', '=', 'n1']]],
      ['spec.nodeName==n1', 'spec.nodeName=n1', [['spec.nodeName', '=', 'n1']]],
      ['status.phase!=Running', 'status.phase!=Running', [['status.phase', '!=', 'Running']]],
      ['spec.nodeName=', 'spec.nodeName=', [['spec.nodeName', '=', '']]],
      [
        'status.phase=Running,metadata.name=a',
        'metadata.name=a,status.phase=Running',
        [
          ['metadata.name', '=', 'a'],
          ['status.phase', '=', 'Running'],
        ],
      ],
      ['a!=\\=b', 'a!=\\=b', [['a', '!=', '=b']]],
      ['=', '', []],
    ];
    for (const [input, str, reqs] of cases) {
      const s = parseFieldSelector(input);
      assert.equal(s.toString(), str, input);
      assert.deepEqual(
        s.requirements.map((r) => [r.field, r.operator, r.value]),
        reqs,
        input,
      );
    }
  });

  void it('handles escapes in values and round-trips through toString', () => {
    const s = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,spec.nodeName=x');
    assert.deepEqual(
      s.requirements.map((r) => r.value),
      ['a,b=c\\d', 'x'],
    );
    assert.equal(s.toString(), 'metadata.name=a\\,b\\=c\\\\d,spec.nodeName=x');
    assert.deepEqual(parseFieldSelector(s.toString()).requirements, s.requirements);
    assert.equal(escapeFieldValue('a,b=c\\'), 'a\\,b\\=c\\\\');
  });

  void it('rejects malformed selectors with upstream messages', () => {
    const cases: [string, string][] = [
      ['foo', "invalid selector: 'foo'; can't understand 'foo'"],
      ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
      ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
      ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
      ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
      ['a!==b', 'invalid field selector: unescaped character in value: 61'],
    ];
    for (const [input, message] of cases)
      assert.throws(() => parseFieldSelector(input), { name: 'BadRequestError', message }, input);
  });

  void it('matches missing fields as the empty string', () => {
    const cases: [string, Record<string, string>, boolean][] = [
      ['', {}, true],
      ['spec.nodeName=n1', { 'spec.nodeName': 'n1' }, true],
      ['spec.nodeName=n1', { 'spec.nodeName': 'n2' }, false],
      ['spec.nodeName=', {}, true],
      ['spec.nodeName=', { 'spec.nodeName': 'n1' }, false],
      ['spec.nodeName!=n1', {}, true],
      ['spec.nodeName!=n1', { 'spec.nodeName': 'n1' }, false],
      ['a=1,b!=2', { a: '1', b: '3' }, true],
      ['a=1,b!=2', { a: '1', b: '2' }, false],
      ['constructor=', {}, true],
    ];
    for (const [sel, fields, want] of cases)
      assert.equal(parseFieldSelector(sel).matches(fields), want, `${sel} on ${JSON.stringify(fields)}`);
  });

  void it('reports exact-match requirements and emptiness', () => {
    const s = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed');
    assert.equal(s.requiresExactMatch('spec.nodeName'), 'n1');
    assert.equal(s.requiresExactMatch('status.phase'), undefined);
    assert.equal(s.requiresExactMatch('metadata.name'), undefined);
    assert.ok(!s.isEverything());
    assert.ok(parseFieldSelector('').isEverything());
  });
});

void describe('fieldsOf', () => {
  void it('extracts the selectable pod fields', () => {
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: {
        containers: [],
        nodeName: 'n1',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        serviceAccountName: 'sa',
        hostNetwork: true,
      },
      status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.1' }], nominatedNodeName: 'n2' },
    };
    assert.deepEqual(fieldsOf('Pod', pod), {
      'metadata.name': 'p',
      'metadata.namespace': 'ns',
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'sa',
      'spec.hostNetwork': 'true',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.1',
      'status.nominatedNodeName': 'n2',
    });
  });

  void it('defaults absent pod fields to empty strings and hostNetwork to "false"', () => {
    const f = fieldsOf('Pod', { metadata: { name: 'p' } });
    assert.equal(f['spec.nodeName'], '');
    assert.equal(f['spec.hostNetwork'], 'false');
    assert.equal(f['status.podIP'], '');
    assert.equal(fieldsOf('Pod', { status: { podIP: '10.1.1.1' } })['status.podIP'], '10.1.1.1');
    assert.equal(fieldsOf('Pod', null)['metadata.name'], '');
  });

  void it('gives cluster-scoped kinds no namespace field', () => {
    const node: Node = { metadata: { name: 'n1' }, spec: { unschedulable: true } };
    assert.deepEqual(fieldsOf('Node', node), { 'metadata.name': 'n1', 'spec.unschedulable': 'true' });
    assert.deepEqual(fieldsOf('Node', { metadata: { name: 'n2' } }), {
      'metadata.name': 'n2',
      'spec.unschedulable': 'false',
    });
    const ns: Namespace = { metadata: { name: 'default' }, status: { phase: 'Active' } };
    assert.deepEqual(fieldsOf('Namespace', ns), { 'metadata.name': 'default', 'status.phase': 'Active' });
  });

  void it('extracts event fields, falling back to reportingComponent for source', () => {
    const ev: Event = {
      metadata: { name: 'e', namespace: 'ns' },
      involvedObject: {
        kind: 'Pod',
        namespace: 'ns',
        name: 'p',
        uid: 'u1',
        apiVersion: 'v1',
        resourceVersion: '7',
      },
      reason: 'Scheduled',
      type: 'Normal',
      reportingComponent: 'default-scheduler',
    };
    const f = fieldsOf('Event', ev);
    assert.equal(f['involvedObject.kind'], 'Pod');
    assert.equal(f['involvedObject.uid'], 'u1');
    assert.equal(f['involvedObject.resourceVersion'], '7');
    assert.equal(f['involvedObject.fieldPath'], '');
    assert.equal(f['reason'], 'Scheduled');
    assert.equal(f['type'], 'Normal');
    assert.equal(f['source'], 'default-scheduler');
    assert.equal(f['metadata.namespace'], 'ns');
    assert.equal(fieldsOf('Event', { ...ev, source: { component: 'kubelet' } })['source'], 'kubelet');
  });

  void it('gives other kinds name and namespace only', () => {
    const ds: DaemonSet = { metadata: { name: 'd', namespace: 'kube-system' } };
    assert.deepEqual(fieldsOf('DaemonSet', ds), {
      'metadata.name': 'd',
      'metadata.namespace': 'kube-system',
    });
    assert.deepEqual(fieldsOf('PriorityClass', { metadata: { name: 'high' } }), { 'metadata.name': 'high' });
  });

  void it('lets a parsed selector pick pods by node', () => {
    const onN1 = fieldsOf('Pod', { metadata: { name: 'a' }, spec: { nodeName: 'n1' } });
    const pending = fieldsOf('Pod', { metadata: { name: 'b' } });
    const sel = parseFieldSelector('spec.nodeName=n1');
    assert.ok(sel.matches(onN1));
    assert.ok(!sel.matches(pending));
    assert.ok(parseFieldSelector('spec.nodeName=').matches(pending));
  });
});

void describe('supportedFieldLabels and validateFieldSelectorForKind', () => {
  void it('lists what the apiserver accepts per kind', () => {
    assert.ok(supportedFieldLabels('Pod').includes('spec.nodeName'));
    assert.ok(supportedFieldLabels('Event').includes('involvedObject.uid'));
    assert.deepEqual([...supportedFieldLabels('Node')].sort(), ['metadata.name', 'spec.unschedulable']);
    assert.deepEqual([...supportedFieldLabels('Namespace')].sort(), ['metadata.name', 'status.phase']);
    assert.deepEqual(supportedFieldLabels('DaemonSet'), ['metadata.name', 'metadata.namespace']);
  });

  void it('accepts supported labels and rewrites the legacy spec.host', () => {
    const s = parseFieldSelector('status.phase=Running');
    assert.equal(validateFieldSelectorForKind('Pod', s), s);
    const legacy = validateFieldSelectorForKind('Pod', parseFieldSelector('spec.host=n1'));
    assert.equal(legacy.toString(), 'spec.nodeName=n1');
    assert.equal(legacy.requiresExactMatch('spec.nodeName'), 'n1');
  });

  void it('rejects unknown labels with the apiserver wording for each kind', () => {
    const cases: [string, string, string][] = [
      ['Pod', 'spec.foo=1', 'field label not supported: spec.foo'],
      ['Node', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
      ['Namespace', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
      ['Event', 'involvedObject.foo=x', 'field label not supported: involvedObject.foo'],
      [
        'DaemonSet',
        'spec.foo=x',
        '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
      ],
    ];
    for (const [kind, sel, message] of cases)
      assert.throws(
        () => validateFieldSelectorForKind(kind, parseFieldSelector(sel)),
        { name: 'BadRequestError', message },
        `${kind} ${sel}`,
      );
  });
});
