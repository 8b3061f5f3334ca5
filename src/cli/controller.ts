/**
 * `everynode controller`: the DaemonSet controller alone against a Kubernetes API server (operator
 * mode). SIGTERM/SIGINT stop it gracefully (exit 0); losing the lease exits 1 so that the
 * Deployment restarts the replica as a standby, as kube-controller-manager does.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { KubeConfigError, loadKubeConfig } from '../operator/kubeconfig.js';
import { DEFAULT_LEASE_NAME, DEFAULT_LEASE_NAMESPACE, Operator } from '../operator/operator.js';
import parseDuration from 'parse-duration';

export interface ControllerCommandOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces: boolean;
  concurrentSyncs: number;
  qps: number;
  burst: number;
  leaderElect: boolean;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
  leaderElectResourceNamespace: string;
  leaderElectResourceName: string;
  metricsAddress: string;
  logLevel: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

/** A Go-style duration (`15s`, `1m30s`) in milliseconds. */
function durationMs(value: string): number {
  const ms = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value) ? parseDuration(value) : null;
  if (ms === null || ms === undefined || ms <= 0)
    throw new InvalidArgumentError(`invalid duration ${value} (e.g. 15s)`);
  return ms;
}

export function addControllerCommand(program: Command): void {
  program
    .command('controller')
    .description(
      'Run the DaemonSet controller alone against a Kubernetes API server (operator mode). ' +
        'Uses --kubeconfig, $KUBECONFIG, the in-cluster service account, or ~/.kube/config, in that order.',
    )
    .option('--kubeconfig <file>', 'kubeconfig to use')
    .option('--context <name>', 'kubeconfig context to use')
    .addOption(
      new Option('--namespace <ns>', 'manage DaemonSets of this namespace only').conflicts('allNamespaces'),
    )
    .option('-A, --all-namespaces', 'manage DaemonSets of every namespace (the default)', false)
    .option('--concurrent-syncs <n>', 'DaemonSets synced at once', positiveInt, 2)
    .option('--qps <q>', 'client-side request rate limit (0: none)', nonNegativeNumber, 50)
    .option('--burst <b>', 'client-side burst above --qps', positiveInt, 100)
    .option('--leader-elect', 'elect a leader on a Lease; only the leader acts', false)
    .addOption(
      new Option('--leader-elect-lease-duration <d>', 'how long a lease is valid without renewal')
        .argParser(durationMs)
        .default(15_000, '15s'),
    )
    .addOption(
      new Option('--leader-elect-renew-deadline <d>', 'how long the leader retries renewing before giving up')
        .argParser(durationMs)
        .default(10_000, '10s'),
    )
    .addOption(
      new Option('--leader-elect-retry-period <d>', 'wait between acquire and renew attempts')
        .argParser(durationMs)
        .default(2_000, '2s'),
    )
    .option('--leader-elect-resource-namespace <ns>', 'namespace of the Lease', DEFAULT_LEASE_NAMESPACE)
    .option('--leader-elect-resource-name <name>', 'name of the Lease', DEFAULT_LEASE_NAME)
    .option(
      '--metrics-address <host:port>',
      'serve /metrics, /healthz, /readyz here (port 0 picks one)',
      '127.0.0.1:8080',
    )
    .option('--log-level <level>', 'silent | error | warn | info | debug', 'info')
    .addHelpText(
      'after',
      `
Examples:
  everynode up --controllers '*,-daemonset' --data-dir ./.everynode &
  everynode controller --kubeconfig ./.everynode/kubeconfig
  everynode controller --leader-elect --metrics-address 0.0.0.0:8080     # in a pod (deploy/)
  everynode controller --namespace logging --concurrent-syncs 5 --qps 20 --burst 30
  curl -s 127.0.0.1:8080/readyz?verbose

When everynode manages apps/v1 DaemonSets of a real cluster, run kube-controller-manager with
--controllers=*,-daemonset so that the two controllers do not fight.`,
    )
    .action(async (opts: ControllerCommandOptions) => {
      await runControllerCommand(opts);
    });
}

export async function runControllerCommand(opts: ControllerCommandOptions): Promise<void> {
  const logger = pino({ level: opts.logLevel }, pino.destination(2));
  let loaded;
  try {
    loaded = loadKubeConfig({
      ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.context !== undefined ? { context: opts.context } : {}),
    });
  } catch (err) {
    if (!(err instanceof KubeConfigError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  logger.info(
    { source: loaded.source, server: loaded.kubeConfig.getCurrentCluster()?.server },
    'configuration',
  );
  const operator = await Operator.start({
    kubeConfig: loaded.kubeConfig,
    logger,
    ...(opts.namespace !== undefined && !opts.allNamespaces ? { namespace: opts.namespace } : {}),
    concurrentSyncs: opts.concurrentSyncs,
    qps: opts.qps,
    burst: opts.burst,
    metricsAddress: opts.metricsAddress,
    ...(opts.leaderElect
      ? {
          leaderElection: {
            namespace: opts.leaderElectResourceNamespace,
            name: opts.leaderElectResourceName,
            leaseDurationMs: opts.leaderElectLeaseDuration,
            renewDeadlineMs: opts.leaderElectRenewDeadline,
            retryPeriodMs: opts.leaderElectRetryPeriod,
          },
        }
      : {}),
  });
  const onSignal = (signal: string): void => {
    logger.info({ signal }, 'shutting down: finishing in-flight syncs');
    void operator.stop();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  const reason = await operator.done;
  logger.info({ reason }, 'stopped');
  logger.flush();
  process.exit(reason === 'lost-lease' ? 1 : 0);
}
