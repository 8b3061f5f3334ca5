// Children of a function in a V8 .cpuprofile, with their inclusive time, DEPTH levels deep.
// Usage: node scripts/profile-children.mjs FILE.cpuprofile FUNCTION [DEPTH=1]
import { readFileSync } from 'node:fs';
const [file, fn, depthArg] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
for (let i = 0; i < prof.samples.length; i++)
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + prof.timeDeltas[i]);
const total = new Map();
const tot = (id) => {
  if (total.has(id)) return total.get(id);
  const n = byId.get(id);
  let t = self.get(id) ?? 0;
  for (const c of n.children ?? []) t += tot(c);
  total.set(id, t);
  return t;
};
const agg = new Map();
const depth = Number(depthArg ?? 1);
const lab = (n) => `${n.callFrame.functionName || '(anon)'}@${n.callFrame.url.split('/').slice(-1)[0]}`;
const walk = (id, d, prefix) => {
  const n = byId.get(id);
  for (const c of n.children ?? []) {
    const cn = byId.get(c);
    const k = prefix + lab(cn);
    agg.set(k, (agg.get(k) ?? 0) + tot(c));
    if (d > 1) walk(c, d - 1, k + ' > ');
  }
};
let all = 0;
for (const n of prof.nodes)
  if (n.callFrame.functionName === fn) {
    all += tot(n.id);
    walk(n.id, depth, '');
  }
console.log(fn, (all / 1e6).toFixed(2), 's');
for (const [k, t] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 30))
  console.log((t / 1e6).toFixed(3).padStart(7), k);
