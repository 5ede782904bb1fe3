import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { ConfigError } from '../core/config/config-error';
import { percentile, PipelineMetrics } from '../core/runtime/pipeline-metrics';
import { runPipeline, validatePipeline, type ValidatedPipeline } from './api';
import { parseArguments, type CommandArguments } from './arguments';
import { EXIT } from './exit-codes';
import { ProgressReporter } from './progress-reporter';

function createLogger(interactive: boolean): Logger {
  const level = process.env.LOCKSTEP_LOG_LEVEL ?? (interactive ? 'warn' : 'info');
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}

/**
 * `lockstep run <file>`: runs the pipeline until its bounded input ends or a signal asks it to stop (then it takes
 * a savepoint). Re-running the same pipeline resumes from its last completed checkpoint in `checkpoint.storage`.
 * `--plugin <module>` loads plugin modules first; `--from-savepoint` / `--from-checkpoint` start from a savepoint or a
 * checkpoint file; `--reset` deletes the stored checkpoints, cleans what the sinks hold uncommitted and starts fresh.
 * A start that would write committed data again (the checkpoints are gone but the sinks hold traces) is refused;
 * `--take-over` takes the checkpoint store over from an owner that hangs or whose host is lost (it is fenced). Returns
 * the exit code: 0 finished or stopped with a savepoint, 1 failed or stopped without the savepoint (a stop during a
 * restart backoff, an aborted savepoint), 2 invalid config or usage.
 */
export async function runCommand(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WriteStream): Promise<number> {
  let args: CommandArguments;
  let pipeline: ValidatedPipeline;
  try {
    args = parseArguments('run', argv);
    pipeline = await validatePipeline(resolve(args.file), { plugins: args.plugins });
  } catch (error) {
    err.write(`${error instanceof ConfigError ? error.toString() : (error as Error).message}\n`);
    return EXIT.invalid;
  }
  const { config } = pipeline;
  const interactive = err.isTTY === true;
  const log = createLogger(interactive);
  const metrics = new PipelineMetrics();
  const progress = interactive ? new ProgressReporter(metrics, err) : undefined;
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(130);
    log.warn({ signal }, 'stopping: taking a savepoint (signal again to exit at once)');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  progress?.start();
  try {
    const { outcome } = await runPipeline(pipeline, {
      log,
      metrics,
      signal: stop.signal,
      ...(args.fromSavepoint === undefined ? {} : { fromSavepoint: args.fromSavepoint }),
      ...(args.fromCheckpoint === undefined ? {} : { fromCheckpoint: resolve(args.fromCheckpoint) }),
      ...(args.savepointName === undefined ? {} : { savepointName: args.savepointName }),
      ...(args.reset === true ? { reset: true } : {}),
      ...(args.takeOver === true ? { takeOver: true } : {}),
      onCheckpoint: (result) => log.debug({ checkpoint: result.status === 'completed' ? result.record.checkpointId : result.checkpointId, status: result.status }, 'checkpoint'),
    });
    progress?.stop();
    const p50 = percentile(metrics.checkpointDurations, 50);
    const p99 = percentile(metrics.checkpointDurations, 99);
    log.info({ outcome, recordsIn: metrics.recordsIn, recordsOut: metrics.recordsOut, checkpoints: metrics.checkpointsCompleted, p50, p99 }, 'pipeline ended');
    if (outcome.status === 'stopped' && !outcome.savepoint) {
      // A stop promises a savepoint: one that could not be taken is a failure, with its reason.
      err.write(
        `${config.name}: stopped WITHOUT a savepoint: ${outcome.reason ?? 'the savepoint was not taken'}; ` +
          `last completed checkpoint ${outcome.checkpointId ?? '-'}\n`,
      );
      return EXIT.failed;
    }
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
