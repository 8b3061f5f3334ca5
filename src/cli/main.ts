/**
 * The `everynode` command line. One file per command under src/cli; this file only wires them.
 */
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { runDemo } from './demo.js';
import { StateDatabaseError } from '../store/sqlite-persistence.js';
import { runUp } from './up.js';
import { addControllerCommand } from './controller.js';

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

  program
    .command('up')
    .description('Start an embedded cluster with a Kubernetes API server that kubectl talks to.')
    .option('--nodes <n>', 'simulated worker nodes of a new cluster', nonNegativeInt, 3)
    .option(
      '--control-plane',
      'add a control-plane node to a new cluster, labelled and tainted as kubeadm does',
      false,
    )
    .option('--port <port>', 'API server port (0 picks a free one)', nonNegativeInt, 6443)
    .option('--address <address>', 'address to bind', '127.0.0.1')
    .option(
      '--data-dir <dir>',
      'where the cluster state (state.db), kubeconfig, certificates and token live; an existing one is resumed',
      './.everynode',
    )
    .option(
      '--apply <file...>',
      'create the objects of these manifests once the cluster runs (existing ones are kept)',
    )
    .option('--in-memory', 'keep the cluster state in memory only: nothing survives a restart', false)
    .option('--kubelet-profile <profile>', 'simulated kubelet behaviour: fast | realistic', 'fast')
    .option(
      '--controllers <list>',
      "kube-controller-manager syntax: '*', '*,-daemonset', 'daemonset,podgc'",
      '*',
    )
    .option(
      '--insecure-http',
      'serve plain HTTP without authentication of the transport (never on a shared host)',
      false,
    )
    .option('--log-level <level>', 'silent | error | warn | info | debug', 'warn')
    .addHelpText(
      'after',
      `
Examples:
  everynode up                                  # 3 workers on https://127.0.0.1:6443
  everynode up --control-plane --nodes 10 --port 0
  everynode up --controllers '*,-daemonset'     # run the DaemonSet controller elsewhere
  everynode up --data-dir ./.everynode          # again: resumes the same cluster
  export KUBECONFIG=.everynode/kubeconfig && kubectl get nodes`,
    )
    .action(
      async (opts: {
        nodes: number;
        controlPlane: boolean;
        port: number;
        address: string;
        dataDir: string;
        kubeletProfile: string;
        controllers: string;
        insecureHttp: boolean;
        inMemory: boolean;
        apply?: string[];
        logLevel: string;
      }) => {
        if (opts.kubeletProfile !== 'fast' && opts.kubeletProfile !== 'realistic') {
          throw new InvalidArgumentError(
            `--kubelet-profile must be fast or realistic, not ${opts.kubeletProfile}`,
          );
        }
        try {
          await runUp({
            nodes: opts.nodes,
            controlPlane: opts.controlPlane,
            port: opts.port,
            address: opts.address,
            dataDir: opts.dataDir,
            kubeletProfile: opts.kubeletProfile,
            controllers: opts.controllers,
            insecureHttp: opts.insecureHttp,
            persistence: opts.inMemory ? 'memory' : 'sqlite',
            ...(opts.apply ? { apply: opts.apply } : {}),
            logger: pino({ level: opts.logLevel }, pino.destination(2)),
            out: (line) => process.stdout.write(`${line}\n`),
          });
        } catch (err) {
          // A data dir held by another everynode, or from a newer version: a message, not a trace.
          if (!(err instanceof StateDatabaseError)) throw err;
          process.stderr.write(`error: ${err.message}\n`);
          process.exitCode = 1;
        }
      },
    );

  addControllerCommand(program);

  return program;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

await buildProgram().parseAsync(process.argv);
