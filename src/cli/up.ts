/**
 * `everynode up`: an embedded cluster behind a Kubernetes API server that kubectl and client
 * libraries talk to. HTTPS with a local CA and a bearer token by default (the admin, in
 * `system:masters`); ServiceAccount tokens from `kubectl create token` are accepted too and are
 * held to RBAC, signed with a key kept in `<data-dir>/pki/sa.key`. The kubeconfig is
 * written to the data dir once the API serves. The cluster's state lives in `<data-dir>/state.db`
 * (SQLite): running `up` again on the same data dir resumes the cluster where it stopped, however
 * it stopped (Ctrl-C or SIGKILL), with the same nodes, pods, revisions and resourceVersions.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { EmbeddedCluster } from '../cluster/embedded-cluster.js';
import type { KubeObject } from '../api/resources.js';
import { allResources, resources } from '../api/resources.js';
import { isAlreadyExists } from '../api/errors.js';
import { resolveControllers } from '../cluster/controllers.js';
import type { KubeletProfileName } from '../kubelet/profiles.js';
import { ApiServer } from '../apiserver/server.js';
import { MASTERS_GROUP, StaticTokens, unionAuthenticator } from '../apiserver/authentication.js';
import {
  ServiceAccountTokens,
  generateSigningKey,
  loadOrCreateSigningKey,
} from '../apiserver/service-account-tokens.js';
import { ensureTls } from '../apiserver/tls.js';
import { ObjectStore } from '../store/object-store.js';
import type { Persistence } from '../store/persistence.js';
import { memoryPersistence } from '../store/persistence.js';
import { SqlitePersistence } from '../store/sqlite-persistence.js';
import { defaultStrategies } from '../store/strategies.js';
import { RealClock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export interface UpOptions {
  /** Worker nodes of a new cluster; ignored (with a note) when resuming an existing one. */
  readonly nodes: number;
  /** Adds a control-plane node to a new cluster; ignored (with a note) when resuming. */
  readonly controlPlane: boolean;
  readonly port: number;
  readonly address: string;
  readonly dataDir: string;
  readonly kubeletProfile: KubeletProfileName;
  readonly controllers: string;
  readonly insecureHttp: boolean;
  /**
   * `sqlite` (default): state in `<dataDir>/state.db`, resumed on the next start. `memory`: nothing
   * survives the process (tests that do not exercise durability).
   */
  readonly persistence?: 'sqlite' | 'memory';
  /** Manifests (YAML, multi-document) to create once the cluster runs; existing objects are left as they are. */
  readonly apply?: readonly string[];
  readonly logger: Logger;
  readonly out: (line: string) => void;
}

export interface RunningCluster {
  readonly url: string;
  readonly kubeconfig: string;
  readonly token: string;
  readonly cluster: EmbeddedCluster;
  readonly server: ApiServer;
  stop(): Promise<void>;
}

/** The state database inside the data dir. */
export const STATE_DB = 'state.db';
/** The ServiceAccount token signing key inside the data dir (PKCS#8 PEM, mode 0600). */
export const SERVICE_ACCOUNT_KEY = join('pki', 'sa.key');
/** The user of the admin token: a member of `system:masters`, so RBAC allows it everything. */
export const ADMIN_USER = 'everynode-admin';

function loadOrCreateToken(dir: string): string {
  const path = join(dir, 'token');
  if (existsSync(path)) {
    const t = readFileSync(path, 'utf8').trim();
    if (t) return t;
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

/** The kubeconfig text for a running cluster (context `everynode`, namespace `default`). */
export function kubeconfigYaml(url: string, token: string, caPem: string | undefined): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'everynode',
        cluster: {
          server: url,
          ...(caPem
            ? { 'certificate-authority-data': Buffer.from(caPem).toString('base64') }
            : { 'insecure-skip-tls-verify': true }),
        },
      },
    ],
    users: [{ name: 'everynode-admin', user: { token } }],
    contexts: [
      { name: 'everynode', context: { cluster: 'everynode', user: 'everynode-admin', namespace: 'default' } },
    ],
    'current-context': 'everynode',
    preferences: {},
  });
}

/** Starts the cluster and its API server; resolves once the API serves and the kubeconfig is written. */
export async function startUp(options: UpOptions): Promise<RunningCluster> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  resolveControllers(options.controllers); // validate early, with a clear error
  const clock = new RealClock();
  const persistence: Persistence =
    options.persistence === 'memory'
      ? memoryPersistence()
      : new SqlitePersistence({ path: join(dataDir, STATE_DB) });
  const store = new ObjectStore({ clock, strategies: defaultStrategies, persistence });
  const resuming = store.revision() > 0;
  if (resuming) {
    options.out(
      `resuming everynode from ${join(dataDir, STATE_DB)} at revision ${store.revision()}: ${store.list(resources.nodes).items.length} node(s)`,
    );
    options.out('note: --nodes and --control-plane only shape a new cluster; ignored for this data dir');
  } else {
    options.out(
      `starting everynode: ${options.controlPlane ? '1 control-plane node + ' : ''}${options.nodes} worker node(s), data dir ${dataDir}`,
    );
  }
  let cluster: EmbeddedCluster;
  try {
    cluster = await EmbeddedCluster.start({
      nodes: resuming ? 0 : options.nodes,
      controlPlane: resuming ? false : options.controlPlane,
      kubeletProfile: options.kubeletProfile,
      controllers: [options.controllers],
      clock,
      logger: options.logger,
      store,
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const tls = options.insecureHttp ? undefined : await ensureTls(join(dataDir, 'pki'));
  if (tls?.createdCa) options.out('created a local certificate authority in pki/ (kept across restarts)');
  const token = loadOrCreateToken(dataDir);
  const tokens = new StaticTokens();
  tokens.add(token, { name: ADMIN_USER, groups: [MASTERS_GROUP] });
  // The signing key survives restarts with the state; an in-memory cluster keeps it in memory.
  const serviceAccountTokens = new ServiceAccountTokens({
    store: cluster.store,
    clock,
    signingKeyPem:
      options.persistence === 'memory'
        ? generateSigningKey()
        : loadOrCreateSigningKey(join(dataDir, SERVICE_ACCOUNT_KEY)),
  });
  const server = new ApiServer({
    store: cluster.store,
    clock,
    logger: options.logger,
    ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
    address: options.address,
    port: options.port,
    authenticator: unionAuthenticator(tokens, serviceAccountTokens),
    serviceAccountTokens,
  });
  const url = await server.start();
  const kubeconfig = join(dataDir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(url, token, tls?.caCert), { mode: 0o600 });
  chmodSync(kubeconfig, 0o600);
  return {
    url,
    kubeconfig,
    token,
    cluster,
    server,
    stop: async () => {
      await server.stop();
      await cluster.stop();
      store.close();
    },
  };
}

/**
 * Creates the objects of YAML manifests through the cluster's client (as `kubectl create` would);
 * objects that already exist are reported and left alone.
 */
export async function applyManifests(
  running: RunningCluster,
  files: readonly string[],
  out: (line: string) => void,
): Promise<void> {
  for (const file of files) {
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    for (const doc of docs) {
      const obj = doc.toJS() as KubeObject | null;
      if (!obj) continue;
      const type = allResources.find((t) => t.kind === obj.kind && t.apiVersion === obj.apiVersion);
      if (!type)
        throw new Error(`${file}: ${obj.apiVersion ?? '?'} ${obj.kind ?? '?'} is not served by everynode`);
      const m = obj.metadata ?? {};
      const namespaced = type.namespaced ? { namespace: m.namespace ?? 'default' } : {};
      const what = `${type.singular}${type.group ? `.${type.group}` : ''}/${m.name ?? ''}`;
      try {
        await running.cluster.client.create(type, { ...obj, metadata: { ...m, ...namespaced } });
        out(`${what} created`);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        out(`${what} already exists`);
      }
    }
  }
}

/** Runs `up` in the foreground until SIGINT/SIGTERM. */
export async function runUp(options: UpOptions): Promise<void> {
  const running = await startUp(options);
  const { out } = options;
  out(`API server listening on ${running.url}`);
  out(`kubeconfig written to ${running.kubeconfig}`);
  if (options.apply && options.apply.length > 0) await applyManifests(running, options.apply, out);
  out('');
  out('Try next:');
  out(`  export KUBECONFIG=${running.kubeconfig}`);
  out('  kubectl get nodes');
  out('  kubectl get ds -A -o wide');
  out('  kubectl apply -f examples/nginx-daemonset.yaml');
  out('  kubectl label nodes node-2 ssd=true && kubectl apply -f examples/fluentd-ssd.yaml');
  out('  kubectl -n kube-system set image ds/fluentd-elasticsearch fluentd-elasticsearch=fluentd:v2');
  out('  kubectl -n kube-system rollout status ds/fluentd-elasticsearch');
  out('  kubectl -n kube-system rollout undo ds/fluentd-elasticsearch');
  out('');
  out('Press Ctrl-C to stop.');
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string): void => {
      out(`\n${signal}: shutting down`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      running.stop().then(resolveStop, (err: unknown) => {
        out(`error while stopping: ${String(err)}`);
        resolveStop();
      });
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
