import { ObjectStore } from './object-store.js';
import { defaultStrategies } from './strategies.js';
import { storeConformance } from './store.conformance.js';

storeConformance('memory', ({ clock, windowSize, maxWatcherBacklog }) => {
  let seed = 42;
  return new ObjectStore({
    clock,
    strategies: defaultStrategies,
    random: () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646,
    ...(windowSize !== undefined ? { windowSize } : {}),
    ...(maxWatcherBacklog !== undefined ? { maxWatcherBacklog } : {}),
  });
});
