import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { LocalCheckpointStore } from '../core/checkpoint/local-checkpoint-store';
import { loadPipelineFile } from '../core/config/pipeline-loader';
import { analyzeGuarantee } from '../core/config/guarantee-analysis';
import { ConfigError } from '../core/config/config-error';
import { LockstepError } from '../core/errors';
import { createComponents } from '../core/runtime/create-components';
import { PipelineMetrics, percentile } from '../core/runtime/pipeline-metrics';
import { runPipeline } from '../core/runtime/pipeline-runner';
import { builtinRegistry } from './builtin-registry';
import { EXIT } from './exit-codes';
import { ProgressReporter } from './progress-reporter';

export interface RunArguments {
  readonly file: string;
  readonly fromSavepoint?: string;
  readonly savepointName?: string;
}

/** Parses `run <file> [--from-savepoint <name|path>] [--savepoint-name <name>]`. */
export function parseRunArguments(argv: readonly string[]): RunArguments {
  let file: string | undefined;
  let fromSavepoint: string | undefined;
  let savepointName: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--from-savepoint') fromSavepoint = argv[++i];
    else if (arg === '--savepoint-name') savepointName = argv[++i];
    else if (arg.startsWith('-')) throw usage(`unknown option ${arg}`);
    else if (file === undefined) file = arg;
    else throw usage(`unexpected argument ${arg}`);
  }
  if (file === undefined) throw usage('missing the pipeline file');
  return { file, fromSavepoint, savepointName };
}

function usage(message: string): LockstepError {
  return new LockstepError(`${message}; usage: lockstep run <file> [--from-savepoint <name|path>] [--savepoint-name <name>]`, {
    code: 'LS_CLI_USAGE',
  });
}

function createLogger(interactive: boolean): Logger {
  const level = process.env.LOCKSTEP_LOG_LEVEL ?? (interactive ? 'warn' : 'info');
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}

/**
 * `lockstep run <file>`: runs the pipeline until its bounded input ends or a signal asks it to stop (then it takes
 * a savepoint). Re-running the same pipeline resumes from its last completed checkpoint in `checkpoint.storage`.
 * Returns the exit code: 0 finished or stopped, 1 failed, 2 invalid config or usage.
 */
export async function runCommand(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WriteStream): Promise<number> {
  let args: RunArguments;
  try {
    args = parseRunArguments(argv);
  } catch (error) {
    err.write(`${(error as Error).message}\n`);
    return EXIT.invalid;
  }
  const registry = builtinRegistry();
  const file = resolve(args.file);
  const interactive = err.isTTY === true;
  const log = createLogger(interactive);
  let config;
  try {
    config = await loadPipelineFile(file, { registry });
    analyzeGuarantee(config, registry);
  } catch (error) {
    err.write(`${error instanceof ConfigError ? error.toString() : (error as Error).message}\n`);
    return EXIT.invalid;
  }
  const metrics = new PipelineMetrics();
  const progress = interactive ? new ProgressReporter(metrics, err) : undefined;
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolveStop) => (requestStop = resolveStop));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(130);
    log.warn({ signal }, 'stopping: taking a savepoint (signal again to exit at once)');
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  progress?.start();
  try {
    const outcome = await runPipeline({
      components: () => createComponents(config, registry),
      store: new LocalCheckpointStore(config.checkpoint.storage, config.checkpoint.retain),
      log: log.child({ pipeline: config.name }),
      metrics,
      stopRequested,
      fromSavepoint: args.fromSavepoint,
      savepointName: args.savepointName,
      onCheckpoint: (result) => log.debug({ checkpoint: result.status === 'completed' ? result.record.checkpointId : result.checkpointId, status: result.status }, 'checkpoint'),
    });
    progress?.stop();
    const p50 = percentile(metrics.checkpointDurations, 50);
    const p99 = percentile(metrics.checkpointDurations, 99);
    log.info({ outcome, recordsIn: metrics.recordsIn, recordsOut: metrics.recordsOut, checkpoints: metrics.checkpointsCompleted, p50, p99 }, 'pipeline ended');
    out.write(
      `${config.name}: ${outcome.status} at checkpoint ${outcome.checkpointId ?? '-'}` +
        ` · ${metrics.recordsIn} records read, ${metrics.recordsOut} written · ${metrics.checkpointsCompleted} checkpoints` +
        (p50 === undefined ? '' : ` (p50 ${p50} ms, p99 ${p99} ms)`) +
        '\n',
    );
    return EXIT.ok;
  } catch (error) {
    progress?.stop();
    log.error({ err: error }, 'pipeline failed');
    err.write(`${(error as Error).message}\n`);
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
