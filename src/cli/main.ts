/**
 * The `everynode` command line. One file per command under src/cli; this file only wires them.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runDemo } from './demo.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('everynode')
    .description(
      'Kubernetes DaemonSets in TypeScript: the controller, an embedded cluster, and operator mode.',
    )
    .version('0.1.0')
    .showHelpAfterError();

  program
    .command('demo')
    .description('Start an embedded cluster and narrate scheduling, preemption and node loss as they happen.')
    .option('--nodes <n>', 'number of worker nodes', positiveInt, 3)
    .addHelpText(
      'after',
      `
Examples:
  everynode demo              # control plane + 3 workers
  everynode demo --nodes 5`,
    )
    .action(async (opts: { nodes: number }) => {
      await runDemo({ nodes: opts.nodes, out: (line) => process.stdout.write(`${line}\n`) });
    });

  return program;
}

await buildProgram().parseAsync(process.argv);
