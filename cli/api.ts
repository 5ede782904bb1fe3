import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { LocalCheckpointStore } from '../core/checkpoint/local-checkpoint-store';
import type { CheckpointResult } from '../core/checkpoint/checkpoint-coordinator';
import { ConfigError, type ConfigErrorCode } from '../core/config/config-error';
import { analyzeGuarantee } from '../core/config/guarantee-analysis';
import type { GuaranteeReport } from '../core/config/guarantee-report';
import type { Environment } from '../core/config/interpolation';
import type { PipelineConfig } from '../core/config/pipeline-config';
import { loadPipelineFile } from '../core/config/pipeline-loader';
import { registerPluginModule } from '../core/config/plugin-loader';
import { locateIssues } from '../core/config/source-positions';
import type { PluginRegistry } from '../core/config/plugin-registry';
import type { SchemaRegistry } from '../core/config/schema-registry';
import { createComponents, createTransforms } from '../core/runtime/create-components';
import type { ExecutionOutcome } from '../core/runtime/checkpoint-driver';
import { PipelineMetrics } from '../core/runtime/pipeline-metrics';
import { runPipeline as runExecution } from '../core/runtime/pipeline-runner';
import { builtinRegistry } from './builtin-registry';

/**
 * lockstep's programmatic API, the package's main export (`require('lockstep')`): validate a pipeline file and run
 * it, with the built-in plugins plus any plugin modules, exactly as the `lockstep` command does (which uses it).
 */

export { builtinRegistry } from './builtin-registry';
export { ConfigError } from '../core/config/config-error';
export type { ConfigIssue } from '../core/config/config-issue';
export { formatGuaranteeReport } from '../core/config/guarantee-report';
export type { GuaranteeReport } from '../core/config/guarantee-report';
export type { PipelineConfig } from '../core/config/pipeline-config';
export { loadPluginModule, registerPluginModule } from '../core/config/plugin-loader';
export type { PluginModule } from '../core/config/plugin-loader';
export { PluginRegistry } from '../core/config/plugin-registry';
export { LockstepError } from '../core/errors/lockstep-error';
export type { ExecutionOutcome } from '../core/runtime/checkpoint-driver';
export { PipelineMetrics } from '../core/runtime/pipeline-metrics';

/** Where a pipeline's plugins come from, and what it reads besides its file. */
export interface PipelineOptions {
  /**
   * The plugins a pipeline may use; default a new {@link builtinRegistry}. The plugin modules named by `plugins`
   * (below) and by the file's own `plugins:` list are registered into it.
   */
  readonly registry?: PluginRegistry;
  /** Plugin modules to load before the file, as `--plugin` does: package names, or paths relative to `cwd`. */
  readonly plugins?: readonly string[];
  /** The folder `plugins` and a relative file name resolve against; default `process.cwd()`. */
  readonly cwd?: string;
  /** Variables for `${VAR}`; default `process.env`. */
  readonly env?: Environment;
  /** Where lockstep's own plugin schemas are found; default the installed `config-schemas/`. */
  readonly schemas?: SchemaRegistry;
}

/** A loaded, valid pipeline: its config, its end-to-end guarantee, and the registry holding its plugins. */
export interface ValidatedPipeline {
  readonly file: string;
  readonly config: PipelineConfig;
  readonly report: GuaranteeReport;
  readonly registry: PluginRegistry;
}

/**
 * Loads a pipeline file (YAML or JSON) and checks it: schemas, rules, plugins, and the guarantee it asks for.
 * @throws ConfigError (a `LockstepError` with code `LS_CONFIG_…`) listing every problem with its file and path;
 *   `LockstepError` `LS_CONFIG_PLUGIN` when a plugin module cannot be loaded.
 */
export async function validatePipeline(file: string, options: PipelineOptions = {}): Promise<ValidatedPipeline> {
  const cwd = options.cwd ?? process.cwd();
  const registry = options.registry ?? builtinRegistry();
  for (const plugin of options.plugins ?? []) registerPluginModule(registry, plugin, cwd);
  const path = options.cwd === undefined ? file : resolve(options.cwd, file);
  try {
    const config = await loadPipelineFile(path, {
      registry,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.schemas === undefined ? {} : { schemas: options.schemas }),
    });
    const report = analyzeGuarantee(config, registry);
    // Compiles every expression and loads every user module, as the run will.
    await createTransforms(config, registry, { check: true });
    return { file, config, report, registry };
  } catch (error) {
    throw await withPositions(error, path);
  }
}

/** A ConfigError about `path` with each issue's line and column in the file; any other error unchanged. */
async function withPositions(error: unknown, path: string): Promise<unknown> {
  if (!ConfigError.isConfigError(error) || error.code === 'LS_CONFIG_READ') return error;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return error;
  }
  return new ConfigError(error.code as ConfigErrorCode, locateIssues(text, path, error.issues));
}

/** How to run a pipeline. */
export interface RunOptions extends PipelineOptions {
  /** Structured logs; default pino on stderr at `LOCKSTEP_LOG_LEVEL` (default `warn`). */
  readonly log?: Logger;
  /** Counters and checkpoint durations, updated while it runs; default a new one (also in the result). */
  readonly metrics?: PipelineMetrics;
  /** Aborting it stops the pipeline gracefully: it takes a savepoint and resolves with status `stopped`. */
  readonly signal?: AbortSignal;
  /** Restore from this savepoint (name or path) instead of the latest checkpoint. */
  readonly fromSavepoint?: string;
  /** Restore from this checkpoint file (a retained or copied `chk-*.json`) instead of the latest checkpoint. */
  readonly fromCheckpoint?: string;
  /**
   * Delete the stored checkpoints first, let the sinks clean what they hold uncommitted (prepared transactions, commit
   * markers, pending files) and start fresh (savepoints and committed output are kept; checkpoint ids keep increasing).
   */
  readonly reset?: boolean;
  /** Name of the savepoint a stop writes (default `stop-<timestamp>`). */
  readonly savepointName?: string;
  /**
   * Take the checkpoint store over from an owner that looks alive or is on another host (it hangs, or its host is
   * lost): that process is fenced — its next checkpoint write fails and it stops. Logged as `TAKE-OVER`.
   */
  readonly takeOver?: boolean;
  readonly onCheckpoint?: (result: CheckpointResult) => void;
}

/** How a run ended. */
export interface RunResult {
  readonly config: PipelineConfig;
  readonly outcome: ExecutionOutcome;
  readonly metrics: PipelineMetrics;
}

/**
 * Runs a pipeline (a file, validated first, or a {@link ValidatedPipeline}) until its bounded input ends or
 * `signal` aborts, restoring from its last completed checkpoint in `checkpoint.storage` and restarting after
 * failures as its `restart` section says. A start whose checkpoint storage lost checkpoints while the sinks hold
 * traces of them is refused (`LS_CHECKPOINT_SINK_TRACES`, `LS_CHECKPOINT_MISSING`) unless started deliberately
 * (`fromCheckpoint`, `fromSavepoint`, `reset`).
 * @throws ConfigError as {@link validatePipeline}; the pipeline's last error when it fails for good.
 */
export async function runPipeline(pipeline: string | ValidatedPipeline, options: RunOptions = {}): Promise<RunResult> {
  const { config, registry } = typeof pipeline === 'string' ? await validatePipeline(pipeline, options) : pipeline;
  const metrics = options.metrics ?? new PipelineMetrics();
  const log = options.log ?? pino({ level: process.env.LOCKSTEP_LOG_LEVEL ?? 'warn' }, pino.destination({ dest: 2, sync: true }));
  const outcome = await runExecution({
    components: () => createComponents(config, registry),
    store: new LocalCheckpointStore(config.checkpoint.storage, config.checkpoint.retain),
    log: log.child({ pipeline: config.name }),
    metrics,
    stopRequested: aborted(options.signal),
    ...(options.fromSavepoint === undefined ? {} : { fromSavepoint: options.fromSavepoint }),
    ...(options.fromCheckpoint === undefined ? {} : { fromCheckpoint: options.fromCheckpoint }),
    ...(options.savepointName === undefined ? {} : { savepointName: options.savepointName }),
    ...(options.reset === true ? { reset: true } : {}),
    ...(options.takeOver === true ? { takeOver: true } : {}),
    ...(options.onCheckpoint === undefined ? {} : { onCheckpoint: options.onCheckpoint }),
  });
  return { config, outcome, metrics };
}

/** Resolves when `signal` aborts; never without one. */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveStop) => {
    if (signal === undefined) return;
    if (signal.aborted) resolveStop();
    else signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
}
