#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node:test's spec reporter (one file at a time:
// the machine has two cores and the cluster tests are CPU-bound). Arguments narrow the set to files
// whose path contains any of them, e.g. `npm test -- store scheduler`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...collect('src', []), ...collect('test', [])].filter(
  (f) => filters.length === 0 || filters.some((s) => f.includes(s)),
);
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  // Every DaemonSet controller in the run cross-checks its incremental views (see view.ts).
  { stdio: 'inherit', env: { ...process.env, EVERYNODE_CHECK_VIEWS: '1' } },
);
process.exit(result.status ?? 1);
