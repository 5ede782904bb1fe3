import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { percentile, PipelineMetrics } from '../core/runtime/pipeline-metrics';
import { runPipeline, validatePipeline, type RunResult, type ValidatedPipeline } from './api';
import { listOption, logFlags, PLUGIN_OPTION, stringOption, usageError } from './arguments';
import { createCliLogger, logSettings } from './cli-logger';
import type { Command, CommandIo, ParsedArguments } from './command';
import { exitCodeOf, formatError } from './error-report';
import { EXIT } from './exit-codes';
import { ProgressReporter } from './progress-reporter';
import { Terminal } from './terminal';

const START_OPTIONS = ['from-savepoint', 'from-checkpoint', 'fresh'] as const;

/**
 * `lockstep run <file>`: runs the pipeline until its bounded input ends or a signal asks it to stop (then it takes
 * a savepoint). Re-running the same pipeline resumes from its last completed checkpoint in `checkpoint.storage`.
 * Logs, the progress line (on a terminal) and the summary go to stderr: stdout belongs to the stdout sink.
 * Exit codes: 0 finished or stopped with a savepoint, 1 failed or stopped without the savepoint (a stop during a
 * restart backoff, an aborted savepoint), 2 invalid config, usage or savepoint name.
 */
export const runCommand: Command = {
  name: 'run',
  summary: 'run a pipeline until its bounded input ends or SIGINT/SIGTERM (then it takes a savepoint); a re-run resumes from the last completed checkpoint',
  positionals: ['file'],
  options: {
    ...PLUGIN_OPTION,
    'from-savepoint': { type: 'string', value: '<name|path>', description: 'start from a savepoint instead of the last checkpoint' },
    'from-checkpoint': { type: 'string', value: '<path>', description: 'start from a checkpoint file (a retained chk-*.json)' },
    fresh: { type: 'boolean', description: 'start over: as lockstep reset (checkpoints deleted, savepoints kept, uncommitted sink work rolled back), then run; committed output stays and gets the input again' },
    reset: { type: 'boolean', description: 'the same as --fresh (its older name)' },
    'savepoint-name': { type: 'string', value: '<name>', description: 'the name of the savepoint a stop takes' },
    'take-over': { type: 'boolean', description: 'take the checkpoint store over from a run that hangs or whose host is lost (it is fenced)' },
  },
  details: [
    'A start whose checkpoints are gone while the sinks hold what they committed is refused, naming what was found',
    '(LS_CHECKPOINT_SINK_TRACES, LS_CHECKPOINT_MISSING); start deliberately with --from-checkpoint, --from-savepoint or',
    '--fresh. Ctrl-C (or SIGTERM) stops with a savepoint; a second one exits at once. --fresh is refused while another',
    'process runs the pipeline (LS_CHECKPOINT_OWNED), as every start is.',
    'Exit codes: 0 ok, 1 failed (also a stop that could not take its savepoint), 2 invalid input.',
  ].join('\n'),
  execute: (args, io) => run(args, io),
};

async function run(args: ParsedArguments, io: CommandIo): Promise<number> {
  const terminal = new Terminal(io.err);
  const settings = logSettings(logFlags(args), io.env, terminal.isTTY);
  const file = args.positionals[0] as string;
  let pipeline: ValidatedPipeline;
  try {
    checkStartOptions(args);
    // The file as given, so that errors name it as validate does (paths inside resolve against its folder either way).
    pipeline = await validatePipeline(file, { plugins: listOption(args, 'plugin') });
  } catch (error) {
    terminal.write(formatError(error, settings.verbose));
    return exitCodeOf(error);
  }
  const log = createCliLogger(settings, terminal);
  const metrics = new PipelineMetrics();
  const progress = terminal.isTTY ? new ProgressReporter(metrics, terminal) : undefined;
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
    const result = await runPipeline(pipeline, { log, metrics, signal: stop.signal, ...startOptions(args, log) });
    progress?.stop();
    return report(result, terminal, log, io.env);
  } catch (error) {
    progress?.stop();
    // For log collectors, JSON logs carry the failure with its code too (no stack unless --verbose); people read the
    // one plain line below, which is all a terminal shows.
    if (settings.format === 'json') log.error({ err: error }, 'pipeline failed');
    terminal.write(formatError(error, settings.verbose));
    return exitCodeOf(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** True for `--fresh` or its older name `--reset`. */
function fresh(args: ParsedArguments): boolean {
  return args.values.fresh === true || args.values.reset === true;
}

function checkStartOptions(args: ParsedArguments): void {
  const given = START_OPTIONS.filter((name) => (name === 'fresh' ? fresh(args) : args.values[name] !== undefined));
  const label = (name: string): string => (name === 'fresh' && args.values.fresh !== true ? '--reset' : `--${name}`);
  if (given.length > 1) throw usageError(runCommand, `${given.map(label).join(' and ')} exclude each other: choose one way to start`);
}

function startOptions(args: ParsedArguments, log: Logger): Parameters<typeof runPipeline>[1] {
  const fromSavepoint = stringOption(args, 'from-savepoint');
  const fromCheckpoint = stringOption(args, 'from-checkpoint');
  const savepointName = stringOption(args, 'savepoint-name');
  return {
    plugins: listOption(args, 'plugin'),
    ...(fromSavepoint === undefined ? {} : { fromSavepoint }),
    ...(fromCheckpoint === undefined ? {} : { fromCheckpoint: resolve(fromCheckpoint) }),
    ...(savepointName === undefined ? {} : { savepointName }),
    ...(fresh(args) ? { reset: true } : {}),
    ...(args.values['take-over'] === true ? { takeOver: true } : {}),
    onCheckpoint: (result) => log.debug({ checkpoint: result.status === 'completed' ? result.record.checkpointId : result.checkpointId, status: result.status }, 'checkpoint'),
  };
}

/** The one summary line, on stderr; a stop without its savepoint is a failure. */
function report({ config, outcome, metrics }: RunResult, terminal: Terminal, log: Logger, env: NodeJS.ProcessEnv): number {
  const p50 = percentile(metrics.checkpointDurations, 50);
  const p99 = percentile(metrics.checkpointDurations, 99);
  log.info({ outcome, recordsIn: metrics.recordsIn, recordsOut: metrics.recordsOut, checkpoints: metrics.checkpointsCompleted, p50, p99 }, 'pipeline ended');
  if (outcome.status === 'stopped' && !outcome.savepoint) {
    terminal.write(
      `${config.name}: stopped WITHOUT a savepoint: ${outcome.reason ?? 'the savepoint was not taken'}; ` +
        `last completed checkpoint ${outcome.checkpointId ?? '-'}\n`,
    );
    return EXIT.failed;
  }
  const hint =
    metrics.recordsIn === 0 && outcome.status === 'finished'
      ? ` — nothing new to read: an earlier run read the whole input; ${startOverHint(config.file, env)}`
      : '';
  terminal.write(
    `${config.name}: ${outcome.status} at checkpoint ${outcome.checkpointId ?? '-'}` +
      ` · ${metrics.recordsIn} records read, ${metrics.recordsOut} written · ${metrics.checkpointsCompleted} checkpoints` +
      (p50 === undefined ? '' : ` (p50 ${p50} ms, p99 ${p99} ms)`) +
      hint +
      '\n',
  );
  return EXIT.ok;
}

/**
 * How to start over: under `npm start` of lockstep's own quickstart, its `npm run quickstart:fresh` (which also empties
 * the quickstart's output); else `lockstep run <file> --fresh` or `lockstep reset <file>`.
 */
function startOverHint(file: string | undefined, env: NodeJS.ProcessEnv): string {
  if (env.npm_lifecycle_event === 'start' && env.npm_package_name === 'lockstep' && file?.endsWith('quickstart.yaml') === true) {
    return "'npm run quickstart:fresh' starts over (it resets the pipeline and empties its output)";
  }
  const relative = relativeHint(file);
  return `'lockstep run ${relative} --fresh' (or 'lockstep reset ${relative}') starts over; what the sinks committed stays and gets the input again`;
}

function relativeHint(file: string | undefined): string {
  if (file === undefined) return '<file>';
  const relative = file.startsWith(`${process.cwd()}/`) ? file.slice(process.cwd().length + 1) : file;
  return relative;
}
