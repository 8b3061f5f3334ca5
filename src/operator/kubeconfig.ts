/**
 * Where operator mode finds its API server and credentials, in the order a Kubernetes user expects:
 * `--kubeconfig`, then `$KUBECONFIG`, then the in-cluster service account (a pod's mounted token,
 * CA and namespace, with KUBERNETES_SERVICE_HOST/PORT), then `~/.kube/config`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** Where a pod's service account files are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSource {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  /** Human-readable origin, for the startup log. */
  readonly source: string;
}

export class KubeConfigError extends Error {}

export function loadKubeConfig(options: KubeConfigSource = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  let source: string;
  const file = options.kubeconfig ?? env.KUBECONFIG?.split(':').find((f) => f !== '');
  if (file) {
    if (!existsSync(file)) throw new KubeConfigError(`kubeconfig ${file} does not exist`);
    kc.loadFromFile(file);
    source = `kubeconfig ${file}`;
  } else if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    // The token file is re-read as the kubelet rotates it (client-node's tokenFile provider).
    // EVERYNODE_SERVICEACCOUNT_ROOT prefixes the mount path: running "in-cluster" outside a pod.
    const root = env.EVERYNODE_SERVICEACCOUNT_ROOT ?? '';
    if (!existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`)) {
      throw new KubeConfigError(
        `in-cluster configuration: no service account token at ${root}${SERVICE_ACCOUNT_DIR}/token`,
      );
    }
    kc.loadFromCluster(root);
    source = `in-cluster service account (${env.KUBERNETES_SERVICE_HOST}:${env.KUBERNETES_SERVICE_PORT})`;
  } else {
    const home = join(env.HOME ?? homedir(), '.kube', 'config');
    if (!existsSync(home)) {
      throw new KubeConfigError(
        'no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account',
      );
    }
    kc.loadFromFile(home);
    source = `kubeconfig ${home}`;
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      throw new KubeConfigError(`context ${options.context} not found in the ${source}`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new KubeConfigError(`the ${source} has no current cluster`);
  return { kubeConfig: kc, source };
}
