import type { PipelineDocument } from './pipeline-document.generated';

/**
 * A pipeline after loading: interpolated, validated against `config-schemas/pipeline.schema.json` and each
 * component's schema, with defaults applied and durations turned into milliseconds. `name`, `guarantee`, `errors`
 * and the pipeline `parallelism` are the validated document's ({@link PipelineDocument}, generated from the schema);
 * `checkpoint`, `restart` and the component lists are derived from it by `buildPipelineConfig`.
 */
export interface PipelineConfig {
  readonly name: PipelineDocument['name'];
  /** The guarantee the user asks for; `validate` refuses `exactly-once` when a component cannot keep it. */
  readonly guarantee?: PipelineDocument['guarantee'];
  readonly checkpoint: CheckpointConfig;
  /** Default parallelism of sources and sinks (≥ 1); already applied to each of them. */
  readonly parallelism: PipelineDocument['parallelism'];
  readonly sources: readonly ConnectorConfig[];
  readonly transforms: readonly ComponentConfig[];
  readonly sinks: readonly ConnectorConfig[];
  readonly errors: ErrorPolicyConfig;
  readonly restart: RestartConfig;
  // The three facts below are always set by the loader; they are optional so that configs built in code (tests,
  // embedding) need not invent them.
  /** The pipeline file as given to the loader, for messages. */
  readonly file?: string;
  /** Absolute folder of the pipeline file: relative paths in component options resolve against it (default: cwd). */
  readonly baseDir?: string;
  /**
   * JSON pointers (`/sinks/0/password`) of the values that schemas mark `writeOnly`: never log them; use
   * `redactConfig` for a printable copy. Absent means none.
   */
  readonly secretPaths?: readonly string[];
}

/**
 * The document's `checkpoint` with its durations renamed `…Ms` and `storage` resolved (the schema cannot default it:
 * the default folder depends on the pipeline's name and file).
 */
export interface CheckpointConfig {
  /** Periodic checkpoint interval in ms; 0 = no periodic checkpoints (bounded inputs still end with one). */
  readonly intervalMs: number;
  /** A checkpoint not complete after this long is aborted. */
  readonly timeoutMs: number;
  /** Checkpoint store folder, resolved against the pipeline file's folder. */
  readonly storage: string;
  /** Completed checkpoints kept in the store (≥ 1). */
  readonly retain: number;
}

/**
 * One source, transform or sink: `id` and `type` plus the options its type's schema allows (validated, defaults
 * applied). Transforms have no `parallelism`.
 */
export type ComponentConfig = PipelineDocument['sources'][number];

/** A source or sink after loading: its parallelism is settled (the pipeline's unless it sets its own). */
export interface ConnectorConfig extends ComponentConfig {
  readonly parallelism: number;
}

export type ErrorPolicyConfig = PipelineDocument['errors'];

/** The document's `restart` with its durations renamed `…Ms`. */
export interface RestartConfig {
  /** Restarts before the pipeline is marked FAILED; 0 = never restart. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** 0 … 1: each backoff is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
  /**
   * Until the first checkpoint completed in this process: how long (ms) an unreachable service is retried by restarts.
   * Unset (configs built in code): no deadline, only `maxAttempts`. The loader always sets it (default 30 s).
   */
  readonly startupDeadlineMs?: number;
}
