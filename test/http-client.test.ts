/**
 * The HTTP Client (operator mode's client) passes the same Client conformance suite as the
 * in-process client, against `everynode up` over HTTPS with its kubeconfig.
 */
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resources } from '../src/api/resources.js';
import { HttpClient } from '../src/client/http-client.js';
import { clientConformance } from '../src/client/client.conformance.js';
import { startUp } from '../src/cli/up.js';

clientConformance('HTTP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'everynode-http-client-'));
  const running = await startUp({
    nodes: 0,
    controlPlane: false,
    port: 0,
    address: '127.0.0.1',
    dataDir: join(dir, 'data'),
    kubeletProfile: 'fast',
    // Only the API: no controllers act on what the suite creates.
    controllers: 'garbagecollector',
    insecureHttp: false,
    persistence: 'memory',
    logger: pino({ level: 'silent' }),
    out: () => {},
  });
  await running.cluster.client.create(resources.namespaces, { metadata: { name: 'other' } });
  await running.cluster.client.create(resources.nodes, { metadata: { name: 'n1' } });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(running.kubeconfig);
  return {
    client: new HttpClient({ kubeConfig: kc }),
    close: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
