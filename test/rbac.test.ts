/**
 * RBAC and ServiceAccount tokens through the real kubectl against `everynode up`: applying
 * ServiceAccounts, Roles, ClusterRoles and bindings; `kubectl create token`; a token that can do
 * exactly what its rules allow (verbs, resourceNames, the namespace of a RoleBinding) and gets
 * upstream's 403 otherwise; rule changes that apply at once; revocation by deleting the
 * ServiceAccount; the admin token's full rights; immutable roleRef; the API server's
 * per-client request counts at /metrics; and tokens that survive a restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { startUp } from '../src/cli/up.js';
import type { KubectlCluster, KubectlResult } from './support/kubectl.js';
import { kubectlBinary, kubectlOk, startKubectlCluster } from './support/kubectl.js';

const skip = kubectlBinary() ? false : 'kubectl is not installed';
const BOT = 'system:serviceaccount:team:bot';

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata:
  name: team
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bot
  namespace: team
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: bot:reader
rules:
  - apiGroups: ['']
    resources: [pods]
    verbs: [get, list, watch, create, patch]
  - apiGroups: [apps]
    resources: [daemonsets/status]
    verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: bot:reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: bot:reader
subjects:
  - kind: ServiceAccount
    name: bot
    namespace: team
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: bot:leases
  namespace: kube-system
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [create]
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    resourceNames: [bot-lease]
    verbs: [get, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bot:leases
  namespace: kube-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: bot:leases
subjects:
  - kind: ServiceAccount
    name: bot
    namespace: team
`;

function lease(name: string, namespace: string): string {
  return `apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  holderIdentity: x\n`;
}

function rawGet(
  url: string,
  path: string,
  ca: string,
  token: string,
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('RBAC and ServiceAccount tokens with kubectl', { skip }, () => {
  let c: KubectlCluster;
  let token: string;
  const ok = (args: string[], input?: string): Promise<string> => kubectlOk(c, args, input);
  const asBot = (args: string[], input?: string): Promise<KubectlResult> =>
    c.kubectl(['--token', token, ...args], input !== undefined ? { input } : {});
  /** `kubectl` prints the server's message after its own prefix (`Error from server (Forbidden): ` by default). */
  const forbidden = async (
    args: string[],
    message: string,
    input?: string,
    prefix = 'Error from server (Forbidden): ',
  ): Promise<void> => {
    const r = await asBot(args, input);
    assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should be refused`);
    assert.equal(r.stderr.trim(), `${prefix}${message}`);
  };

  before(async () => {
    c = await startKubectlCluster({ nodes: 1 });
  });
  after(async () => {
    await c.close();
  });

  test('kubectl apply creates ServiceAccounts, Roles, ClusterRoles and bindings; get shows upstream columns', async () => {
    const out = await ok(['apply', '-f', '-'], MANIFEST);
    assert.deepEqual(out.trim().split('\n'), [
      'namespace/team created',
      'serviceaccount/bot created',
      'clusterrole.rbac.authorization.k8s.io/bot:reader created',
      'clusterrolebinding.rbac.authorization.k8s.io/bot:reader created',
      'role.rbac.authorization.k8s.io/bot:leases created',
      'rolebinding.rbac.authorization.k8s.io/bot:leases created',
    ]);
    assert.match(await ok(['apply', '-f', '-'], MANIFEST), /serviceaccount\/bot unchanged/);
    const sa = await ok(['get', 'sa', '-n', 'team']);
    assert.match(sa, /^NAME\s+SECRETS\s+AGE\n/);
    assert.match(sa, /\nbot\s+0\s+\S+\n/);
    const roles = await ok(['get', 'roles', '-n', 'kube-system']);
    assert.match(roles, /^NAME\s+CREATED AT\n/);
    assert.match(roles, /\nbot:leases\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
    const clusterRoles = await ok(['get', 'clusterroles']);
    assert.match(clusterRoles, /^NAME\s+CREATED AT\n/);
    assert.match(clusterRoles, /\nbot:reader\s+\S+Z\n/);
    const crb = await ok(['get', 'clusterrolebindings', '-o', 'wide']);
    assert.match(crb, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\n/);
    assert.match(crb, /\nbot:reader\s+ClusterRole\/bot:reader\s+\S+\s+team\/bot\n/);
    const rb = await ok(['get', 'rolebindings', '-n', 'kube-system']);
    assert.match(rb, /^NAME\s+ROLE\s+AGE\n/);
    assert.match(rb, /\nbot:leases\s+Role\/bot:leases\s+\S+\n/);
    const all = await ok([
      'get',
      'sa,clusterroles,clusterrolebindings,roles,rolebindings',
      '-A',
      '-o',
      'name',
    ]);
    for (const name of [
      'serviceaccount/bot',
      'clusterrole.rbac.authorization.k8s.io/bot:reader',
      'clusterrolebinding.rbac.authorization.k8s.io/bot:reader',
      'role.rbac.authorization.k8s.io/bot:leases',
      'rolebinding.rbac.authorization.k8s.io/bot:leases',
    ])
      assert.ok(all.split('\n').includes(name), `${name} in ${all}`);
    const described = await ok(['describe', 'rolebinding', 'bot:leases', '-n', 'kube-system']);
    assert.match(described, /Kind:\s+Role\n\s+Name:\s+bot:leases/);
    assert.match(described, /ServiceAccount\s+bot\s+team/);
  });

  test('kubectl create token issues a one-hour JWT for the ServiceAccount; under 10 minutes is refused', async () => {
    token = (await ok(['create', 'token', 'bot', '-n', 'team'])).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = jwtPayload(token);
    assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local');
    assert.equal(claims.sub, BOT);
    assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
    const sa = JSON.parse(await ok(['get', 'sa', 'bot', '-n', 'team', '-o', 'json'])) as {
      metadata: { uid: string };
    };
    assert.deepEqual(claims['kubernetes.io'], {
      namespace: 'team',
      serviceaccount: { name: 'bot', uid: sa.metadata.uid },
    });
    const longer = (await ok(['create', 'token', 'bot', '-n', 'team', '--duration', '2h'])).trim();
    assert.equal(Number(jwtPayload(longer).exp) - Number(jwtPayload(longer).iat), 7200);
    const short = await c.kubectl(['create', 'token', 'bot', '-n', 'team', '--duration', '9m59s']);
    assert.notEqual(short.code, 0);
    assert.equal(
      short.stderr.trim(),
      'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    );
    const missing = await c.kubectl(['create', 'token', 'nobody', '-n', 'team']);
    assert.equal(missing.stderr.trim(), 'error: failed to create token: serviceaccounts "nobody" not found');
  });

  test('the token can do exactly what its rules allow, and gets upstream 403s otherwise', async () => {
    await ok(['run', 'web', '-n', 'team', '--image=nginx:1.27']);
    const pods = await asBot(['get', 'pods', '-A']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stdout, /team\s+web\s+/);
    const created = await asBot(['run', 'bots-pod', '-n', 'team', '--image=nginx:1.27']);
    assert.equal(created.code, 0, created.stderr);
    await forbidden(
      ['delete', 'pod', 'web', '-n', 'team'],
      `pods "web" is forbidden: User "${BOT}" cannot delete resource "pods" in API group "" in the namespace "team"`,
    );
    await forbidden(
      ['get', 'nodes'],
      `nodes is forbidden: User "${BOT}" cannot list resource "nodes" in API group "" at the cluster scope`,
    );
    await forbidden(
      ['get', 'ds', '-n', 'team'],
      `daemonsets.apps is forbidden: User "${BOT}" cannot list resource "daemonsets" in API group "apps" in the namespace "team"`,
    );
    await forbidden(
      ['create', 'sa', 'other', '-n', 'team'],
      `serviceaccounts is forbidden: User "${BOT}" cannot create resource "serviceaccounts" in API group "" in the namespace "team"`,
      undefined,
      'error: failed to create serviceaccount: ',
    );
    await forbidden(['get', '--raw', '/metrics'], `forbidden: User "${BOT}" cannot get path "/metrics"`);
  });

  test('resourceNames restrict get and update; a RoleBinding grants only in its own namespace', async () => {
    await ok(['apply', '-f', '-'], lease('other-lease', 'kube-system'));
    const created = await asBot(['create', '-f', '-'], lease('bot-lease', 'kube-system'));
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), 'lease.coordination.k8s.io/bot-lease created');
    const got = await asBot(['get', 'lease', 'bot-lease', '-n', 'kube-system', '-o', 'name']);
    assert.equal(got.stdout.trim(), 'lease.coordination.k8s.io/bot-lease', got.stderr);
    const missing = await asBot(['get', 'lease', 'bot-lease', '-n', 'team']);
    assert.match(missing.stderr, /Forbidden/);
    await forbidden(
      ['get', 'lease', 'other-lease', '-n', 'kube-system'],
      `leases.coordination.k8s.io "other-lease" is forbidden: User "${BOT}" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "kube-system"`,
    );
    await forbidden(
      ['get', 'leases', '-n', 'kube-system'],
      `leases.coordination.k8s.io is forbidden: User "${BOT}" cannot list resource "leases" in API group "coordination.k8s.io" in the namespace "kube-system"`,
    );
    await forbidden(
      ['create', '-f', '-'],
      `leases.coordination.k8s.io is forbidden: User "${BOT}" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "team"`,
      lease('bot-lease', 'team'),
      'Error from server (Forbidden): error when creating "STDIN": ',
    );
  });

  test('a verb removed from the ClusterRole is refused at once, and allowed again once restored', async () => {
    const role = JSON.parse(await ok(['get', 'clusterrole', 'bot:reader', '-o', 'json'])) as {
      rules: Array<{ verbs: string[] }>;
    };
    const verbs = role.rules[0]?.verbs ?? [];
    await ok([
      'patch',
      'clusterrole',
      'bot:reader',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/rules/0/verbs', value: verbs.filter((v) => v !== 'list') }]),
    ]);
    await forbidden(
      ['get', 'pods', '-n', 'team'],
      `pods is forbidden: User "${BOT}" cannot list resource "pods" in API group "" in the namespace "team"`,
    );
    const get = await asBot(['get', 'pod', 'web', '-n', 'team', '-o', 'name']);
    assert.equal(get.stdout.trim(), 'pod/web', 'get is still allowed');
    await ok(['apply', '-f', '-'], MANIFEST);
    const listed = await asBot(['get', 'pods', '-n', 'team', '-o', 'name']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /pod\/web/);
  });

  test('roleRef cannot change, as upstream says', async () => {
    const r = await c.kubectl([
      'patch',
      'rolebinding',
      'bot:leases',
      '-n',
      'kube-system',
      '--type=merge',
      '-p',
      '{"roleRef":{"kind":"ClusterRole","name":"bot:reader"}}',
    ]);
    assert.notEqual(r.code, 0);
    assert.equal(
      r.stderr.trim(),
      'The RoleBinding "bot:leases" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"bot:reader"}: cannot change roleRef',
    );
  });

  test('the admin token keeps full rights; /metrics counts the requests of each client', async () => {
    assert.match(await ok(['get', 'nodes', '-o', 'name']), /node\/node-1/);
    await ok(['delete', 'pod', 'bots-pod', '-n', 'team', '--wait=false']);
    const metrics = await ok(['get', '--raw', '/metrics']);
    assert.match(metrics, /^# TYPE apiserver_request_total counter$/m);
    const sample = (labels: string): number => {
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith(`everynode_apiserver_requests_by_user_total{${labels}}`));
      return Number(line?.split(' ').pop() ?? 0);
    };
    assert.equal(sample(`user="${BOT}",verb="POST",resource="pods",subresource="",code="201"`), 1);
    assert.equal(sample(`user="${BOT}",verb="DELETE",resource="pods",subresource="",code="403"`), 1);
    assert.ok(sample(`user="${BOT}",verb="LIST",resource="pods",subresource="",code="200"`) >= 2);
    assert.ok(
      sample(
        `user="everynode-admin",verb="POST",resource="serviceaccounts",subresource="token",code="201"`,
      ) >= 2,
    );
    assert.match(
      metrics,
      /^apiserver_request_total\{verb="POST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="resource",component="apiserver",code="201"\} \d+$/m,
    );
    const counts = c.running.server.requestCounts();
    const botWrites = counts
      .filter((r) => r.user === BOT && !['GET', 'LIST', 'WATCH'].includes(r.verb) && r.code < 400)
      .reduce((n, r) => n + r.count, 0);
    assert.equal(botWrites, 2, 'one pod and one lease created');
  });

  test('kubectl auth can-i, can-i --list and whoami answer for the token; --as impersonates for the admin only', async () => {
    const yes = await asBot(['auth', 'can-i', 'list', 'pods', '-n', 'team']);
    assert.equal(yes.stdout.trim(), 'yes');
    const no = await asBot(['auth', 'can-i', 'delete', 'pods', '-n', 'team']);
    assert.equal(no.code, 1);
    assert.equal(no.stdout.trim(), 'no');
    assert.equal(
      (await asBot(['auth', 'can-i', 'get', 'leases/bot-lease', '-n', 'kube-system'])).stdout.trim(),
      'yes',
    );
    assert.equal(
      (await asBot(['auth', 'can-i', 'get', 'leases/other', '-n', 'kube-system'])).stdout.trim(),
      'no',
    );
    assert.equal((await asBot(['auth', 'can-i', 'get', '/metrics'])).stdout.trim(), 'no');
    const list = await asBot(['auth', 'can-i', '--list', '-n', 'kube-system']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^leases\.coordination\.k8s\.io\s+\[\]\s+\[bot-lease\]\s+\[get update\]$/m);
    assert.match(list.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list watch create patch\]$/m);
    const whoami = await asBot(['auth', 'whoami']);
    assert.match(whoami.stdout, new RegExp(`Username\\s+${BOT}`));
    assert.match(
      whoami.stdout,
      /Groups\s+\[system:serviceaccounts system:serviceaccounts:team system:authenticated\]/,
    );
    // The admin asks on behalf of the ServiceAccount.
    assert.equal((await ok(['auth', 'can-i', 'list', 'pods', '-n', 'team', '--as', BOT])).trim(), 'yes');
    const asNo = await c.kubectl(['auth', 'can-i', 'list', 'nodes', '--as', BOT]);
    assert.equal(asNo.stdout.trim(), 'no');
    await forbidden(
      ['get', 'pods', '-n', 'team', '--as', 'alice'],
      `users "alice" is forbidden: User "${BOT}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    );
  });

  test('a ServiceAccount that may write roles and bindings cannot grant more than it holds', async () => {
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rbac-writer, namespace: team}
rules:
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [roles, rolebindings]
    verbs: [create, get, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rbac-writer, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rbac-writer}
subjects: [{kind: ServiceAccount, name: bot, namespace: team}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]
`,
    );
    const within = await asBot([
      'create',
      'role',
      'pod-reader',
      '-n',
      'team',
      '--verb=get,list',
      '--resource=pods',
    ]);
    assert.equal(within.code, 0, within.stderr);
    await forbidden(
      ['create', 'role', 'node-reader', '-n', 'team', '--verb=get,list', '--resource=nodes'],
      `roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "${BOT}" (groups=["system:serviceaccounts" "system:serviceaccounts:team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}`,
    );
    const bind = await asBot([
      'create',
      'rolebinding',
      'readers',
      '-n',
      'team',
      '--role=pod-reader',
      '--group=readers',
    ]);
    assert.equal(bind.code, 0, bind.stderr);
    const escalate = await asBot([
      'create',
      'rolebinding',
      'root',
      '-n',
      'team',
      '--clusterrole=everything',
      `--serviceaccount=team:bot`,
    ]);
    assert.notEqual(escalate.code, 0);
    assert.match(
      escalate.stderr,
      /rolebindings\.rbac\.authorization\.k8s\.io "root" is forbidden: user .* is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/,
    );
    const widen = await asBot([
      'patch',
      'role',
      'pod-reader',
      '-n',
      'team',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/rules/0/verbs/-","value":"delete"}]',
    ]);
    assert.notEqual(widen.code, 0);
    assert.match(
      widen.stderr,
      /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["delete"\]\}/,
    );
    assert.equal(
      (await asBot(['auth', 'can-i', 'delete', 'pods', '-n', 'team'])).stdout.trim(),
      'no',
      'nothing was granted',
    );
  });

  test('a bad token is 401; deleting the ServiceAccount revokes its tokens, even if it is re-created', async () => {
    const bad = await c.kubectl(['--token', 'not-a-token', 'get', 'pods']);
    assert.equal(bad.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
    const tampered = `${token.slice(0, -4)}AAAA`;
    const t = await c.kubectl(['--token', tampered, 'get', 'pods']);
    assert.equal(t.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
    await ok(['delete', 'sa', 'bot', '-n', 'team']);
    const revoked = await asBot(['get', 'pods', '-n', 'team']);
    assert.equal(revoked.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
    await ok(['create', 'sa', 'bot', '-n', 'team']);
    const stillRevoked = await asBot(['get', 'pods', '-n', 'team']);
    assert.equal(stillRevoked.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
    token = (await ok(['create', 'token', 'bot', '-n', 'team'])).trim();
    const fresh = await asBot(['get', 'pods', '-n', 'team', '-o', 'name']);
    assert.equal(fresh.code, 0, fresh.stderr);
  });
});

describe('ServiceAccount tokens across a restart', { skip }, () => {
  test('the signing key lives in the data dir: a token issued before a restart still works after it', async () => {
    const c = await startKubectlCluster({ nodes: 1 });
    const dataDir = join(c.dir, 'data');
    try {
      const create = await c.kubectl(['create', 'sa', 'keeper', '-n', 'default']);
      assert.equal(create.code, 0, create.stderr);
      const token = (await c.kubectl(['create', 'token', 'keeper'])).stdout.trim();
      const key = readFileSync(join(dataDir, 'pki', 'sa.key'), 'utf8');
      assert.match(key, /BEGIN PRIVATE KEY/);
      await c.running.stop();
      const again = await startUp({
        nodes: 1,
        controlPlane: false,
        port: 0,
        address: '127.0.0.1',
        dataDir,
        kubeletProfile: 'fast',
        controllers: '*',
        insecureHttp: false,
        logger: pino({ level: 'silent' }),
        out: () => {},
      });
      try {
        assert.equal(readFileSync(join(dataDir, 'pki', 'sa.key'), 'utf8'), key, 'the key is kept');
        const ca = readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8');
        const version = await rawGet(again.url, '/version', ca, token);
        assert.equal(version.code, 200, version.body);
        const pods = await rawGet(again.url, '/api/v1/namespaces/default/pods', ca, token);
        assert.equal(pods.code, 403);
        assert.equal(
          (JSON.parse(pods.body) as { message: string }).message,
          'pods is forbidden: User "system:serviceaccount:default:keeper" cannot list resource "pods" in API group "" in the namespace "default"',
        );
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(c.dir, { recursive: true, force: true });
    }
  });
});
