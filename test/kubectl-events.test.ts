/**
 * events.k8s.io/v1 is served as a second view of the stored core/v1 Events: kubectl can read the
 * cluster's events through it and write events with it, and both APIs see the same objects.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, startKubectlCluster } from './support/kubectl.js';
import { eventuallyAsync } from './support/wait.js';

const EVENT = `apiVersion: events.k8s.io/v1
kind: Event
metadata:
  name: hello
  namespace: default
eventTime: "2026-01-01T00:00:00.000000Z"
reportingController: example.com/me
reportingInstance: me-1
action: Testing
reason: Hello
note: a note from the new API
type: Normal
regarding:
  kind: Node
  name: node-1
`;

describe('events.k8s.io/v1', { skip: kubectlBinary() ? false : 'kubectl is not installed' }, () => {
  let c: KubectlCluster;
  before(async () => {
    c = await startKubectlCluster({ nodes: 2, persistence: 'memory' });
  });
  after(async () => {
    await c.close();
  });

  test('is discovered and lists the cluster events with regarding and note', async () => {
    const res = await c.kubectl(['api-resources', '--api-group=events.k8s.io']);
    assert.match(res.stdout, /events\s+events\.k8s\.io\/v1\s+true\s+Event/);
    const out = await eventuallyAsync(async () => {
      const r = await c.kubectl([
        'get',
        'events.events.k8s.io',
        '-o',
        'jsonpath={range .items[*]}{.reason}/{.regarding.kind}/{.note}{"\\n"}{end}',
      ]);
      return r.stdout.includes('NodeReady/Node/') ? r : undefined;
    });
    assert.match(out.stdout, /NodeReady\/Node\/Node node-1 status is now: NodeReady/);
  });

  test('an event written through events.k8s.io/v1 is a core/v1 Event too', async () => {
    const a = await c.kubectl(['apply', '-f', '-'], { input: EVENT });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout.trim(), 'event.events.k8s.io/hello created');
    const core = await c.kubectl([
      'get',
      'events',
      'hello',
      '-o',
      'jsonpath={.message}|{.involvedObject.name}|{.reportingComponent}|{.source.component}',
    ]);
    assert.equal(core.stdout, 'a note from the new API|node-1|example.com/me|example.com/me');
    const table = await c.kubectl(['get', 'events.events.k8s.io', 'hello']);
    assert.match(table.stdout, /Normal\s+Hello\s+node\/node-1\s+a note from the new API/);
  });
});
