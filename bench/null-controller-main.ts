/**
 * The floor arm of S1 over HTTP, as its own process (like `everynode controller`): waits for the
 * DaemonSet to appear, then issues exactly S1's writes with no logic (lib/null-controller.ts)
 * through the same HTTP client, unthrottled. Usage: null-controller-main.ts KUBECONFIG NS NAME
 */
import { KubeConfig } from '@kubernetes/client-node';
import { resources } from '../src/api/resources.js';
import { HttpClient } from '../src/client/http-client.js';
import { nullCreate } from './lib/null-controller.js';

const [kubeconfig, namespace = 'default', name = 's1'] = process.argv.slice(2);
if (!kubeconfig) {
  process.stderr.write('usage: null-controller-main.ts KUBECONFIG NAMESPACE NAME\n');
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const client = new HttpClient({ kubeConfig: kc, qps: 0, userAgent: 'everynode-bench-null-controller' });
let appear: () => void = () => {};
const appeared = new Promise<void>((resolve) => (appear = resolve));
await client.watch(
  resources.daemonsets,
  { namespace },
  {
    onEvent: (ev) => {
      if (ev.object.metadata?.name === name) appear();
    },
    onClose: () => {
      process.stderr.write('watch closed\n');
      process.exit(1);
    },
  },
);
process.stdout.write('ready\n');
await appeared;
await nullCreate(client, namespace, name);
client.close();
process.exit(0);
