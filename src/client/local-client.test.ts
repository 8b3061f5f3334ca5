import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import { resources } from '../api/resources.js';
import { LocalClient } from './local-client.js';
import { clientConformance } from './client.conformance.js';

clientConformance('in-process', () => {
  const store = new ObjectStore({ strategies: defaultStrategies });
  for (const name of ['default', 'other']) store.create(resources.namespaces, { metadata: { name } });
  store.create(resources.nodes, { metadata: { name: 'n1' } });
  return Promise.resolve({
    client: new LocalClient(store),
    close: () => {
      store.close();
      return Promise.resolve();
    },
  });
});
