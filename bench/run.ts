/**
 * `npm run bench`: the scenarios of performance-anchors §6 that run on one machine. Each scenario
 * runs `--runs` times (default 3); `--json` prints one JSON line per run, otherwise a table of
 * every run and the medians, with a progress line on stderr while a run is in flight.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { RunResult } from './lib/report.js';
import { Progress, jsonLine, median, table } from './lib/report.js';
import type { ScenarioContext } from './scenarios/context.js';
import { SCENARIOS } from './scenarios/index.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

interface Options {
  scenario?: string[];
  json: boolean;
  runs: number;
  nodes?: number;
  equalBudget: boolean;
  timeout: number;
}

const program = new Command()
  .name('npm run bench --')
  .description('Benchmarks of everynode against the machine’s own floor (performance-anchors §6).')
  .option('--scenario <id...>', `scenarios to run: ${Object.keys(SCENARIOS).join(', ')} (default: all)`)
  .option('--json', 'one JSON line per run on stdout instead of a table', false)
  .option('--runs <n>', 'runs per scenario (medians are reported)', positiveInt, 3)
  .option('--nodes <n>', "override the scenario's node count (quick runs)", positiveInt)
  .option('--equal-budget', "the controller's client at upstream's 20 QPS / burst 30", false)
  .option('--timeout <s>', 'give up on a run after this many seconds', positiveInt, 600)
  .addHelpText(
    'after',
    `
Examples:
  npm run bench                                  # every scenario, 3 runs each, a table
  npm run bench -- --scenario S1 --json          # S1 (in-process and HTTP), JSON lines
  npm run bench -- --scenario S3 --nodes 500 --runs 1
  npm run bench -- --scenario S1 --equal-budget --nodes 500`,
  );

program.parse();
const opts = program.opts<Options>();
const ids = (opts.scenario ?? Object.keys(SCENARIOS)).map((s) => s.toUpperCase());
for (const id of ids) {
  if (!SCENARIOS[id]) {
    process.stderr.write(`error: unknown scenario ${id}; known: ${Object.keys(SCENARIOS).join(', ')}\n`);
    process.exit(2);
  }
}

const progress = new Progress(true);
// The cluster's clock uses unref'd timers: keep the process alive while a run waits on them.
const keepAlive = setInterval(() => {}, 1000);
const results: RunResult[] = [];
const medians: RunResult[] = [];
for (const id of ids) {
  const variants = SCENARIOS[id] ?? [];
  for (const variant of variants) {
    const runs: RunResult[] = [];
    for (let i = 1; i <= opts.runs; i++) {
      const ctx: ScenarioContext = {
        ...(opts.nodes !== undefined ? { nodes: opts.nodes } : {}),
        equalBudget: opts.equalBudget,
        timeoutMs: opts.timeout * 1000,
        progress: (text, force) =>
          progress.update(`${id} ${variant.name} run ${i}/${opts.runs}: ${text}`, force),
      };
      progress.update(`${id} ${variant.name} run ${i}/${opts.runs}: starting`, true);
      const r = await variant.run(ctx);
      progress.done();
      runs.push(r);
      results.push(r);
      if (opts.json) process.stdout.write(`${jsonLine(r)}\n`);
      else process.stderr.write(`${id} ${variant.name} run ${i}: ${r.seconds.toFixed(3)} s\n`);
    }
    medians.push(median(runs));
  }
}
if (!opts.json) {
  process.stdout.write(`${table(results)}\n\nMedians\n${table(medians)}\n`);
}
clearInterval(keepAlive);
// Timers of stopped clusters may linger; the results are out.
process.exit(0);
