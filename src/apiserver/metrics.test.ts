/**
 * Request metrics: upstream's verb and scope labels, per-user counts, bounded labels for unknown
 * resources, and the Prometheus text of a registry of its own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestMetrics } from './metrics.js';
import { requestInfo } from '../api/request-info.js';

function record(
  m: RequestMetrics,
  method: string,
  url: string,
  code: number,
  extra: { user?: string; contentType?: string } = {},
): void {
  const u = new URL(url, 'http://x');
  m.record({
    user: extra.user,
    info: requestInfo(method, u.pathname, u.searchParams),
    method,
    params: u.searchParams,
    contentType: extra.contentType,
    code,
  });
}

describe('RequestMetrics', () => {
  test('labels requests as upstream: GET/LIST/WATCH/POST/PUT/PATCH/APPLY/DELETE and resource/namespace/cluster scope', async () => {
    const m = new RequestMetrics();
    record(m, 'GET', '/api/v1/namespaces/a/pods/p', 200, { user: 'u' });
    record(m, 'GET', '/api/v1/namespaces/a/pods', 200, { user: 'u' });
    record(m, 'GET', '/api/v1/pods?watch=true', 200, { user: 'u' });
    record(m, 'POST', '/api/v1/namespaces/a/pods?dryRun=All', 201, { user: 'u' });
    record(m, 'PUT', '/apis/apps/v1/namespaces/a/daemonsets/d/status', 200, { user: 'u' });
    record(m, 'PATCH', '/apis/apps/v1/namespaces/a/daemonsets/d', 200, {
      user: 'u',
      contentType: 'application/apply-patch+yaml',
    });
    record(m, 'DELETE', '/api/v1/namespaces/a/pods', 200, { user: 'u' });
    record(m, 'GET', '/api/v1/namespaces/a/widgets', 404, { user: 'u' });
    record(m, 'GET', '/api/v1/nodes', 401);
    const text = await m.text();
    for (const line of [
      'apiserver_request_total{verb="GET",dry_run="",group="",version="v1",resource="pods",subresource="",scope="resource",component="apiserver",code="200"} 1',
      'apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"} 1',
      'apiserver_request_total{verb="WATCH",dry_run="",group="",version="v1",resource="pods",subresource="",scope="cluster",component="apiserver",code="200"} 1',
      'apiserver_request_total{verb="POST",dry_run="All",group="",version="v1",resource="pods",subresource="",scope="resource",component="apiserver",code="201"} 1',
      'apiserver_request_total{verb="PUT",dry_run="",group="apps",version="v1",resource="daemonsets",subresource="status",scope="resource",component="apiserver",code="200"} 1',
      'apiserver_request_total{verb="APPLY",dry_run="",group="apps",version="v1",resource="daemonsets",subresource="",scope="resource",component="apiserver",code="200"} 1',
      'apiserver_request_total{verb="DELETE",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"} 1',
      'apiserver_request_total{verb="LIST",dry_run="",group="",version="",resource="",subresource="",scope="namespace",component="apiserver",code="404"} 1',
      'apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="nodes",subresource="",scope="cluster",component="apiserver",code="401"} 1',
      'everynode_apiserver_requests_by_user_total{user="u",verb="APPLY",resource="daemonsets",subresource="",code="200"} 1',
    ])
      assert.ok(text.split('\n').includes(line), `missing: ${line}\n${text}`);
    assert.equal(
      m.counts().reduce((n, c) => n + c.count, 0),
      8,
      'the 401 has no user',
    );
    assert.equal(new RequestMetrics().counts().length, 0, 'registries are per instance');
  });
});
