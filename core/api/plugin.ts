import type { Sink } from './sink';
import type { Source } from './source';
import type { TransformFactory } from './transform';

/** How often the pipeline checkpoints and how long a checkpoint may take, in ms. */
export interface CheckpointTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** Facts a plugin factory gets besides its validated config. */
export interface PluginContext {
  readonly pipeline: string;
  readonly componentId: string;
  /** Folder of the pipeline file, for resolving relative paths in the config. */
  readonly baseDir: string;
  /**
   * The pipeline's checkpoint timing, for connectors whose transactions must outlive a checkpoint (Kafka's
   * transaction timeout, Postgres' lock timeout). Tests build a context with `testPluginContext` (core/testing).
   */
  readonly checkpoint: CheckpointTiming;
}

/**
 * The JSON Schema (2020-12) a plugin's config is validated against before `create` is called: the schema object
 * itself, or the path of a `.json` file. A relative path resolves against the folder of the package the plugin was
 * loaded from (`plugins:` in a pipeline, `--plugin`), and for lockstep's built-in plugins against `config-schemas/`.
 */
export type ConfigSchema = string | { readonly [keyword: string]: unknown };

/**
 * A connector or transform type usable from pipeline configs (`type: <type>`), with its {@link ConfigSchema}. A
 * connector's `create` refuses a config the schema cannot judge by throwing a `LockstepError` `LS_CONFIG_INVALID`;
 * its `context.field` (a path inside the component's config, `/`-separated, e.g. `url`) makes the reported issue point
 * at that field (`/sinks/0/url`).
 */
export interface SourcePlugin<Config = unknown> {
  readonly kind: 'source';
  readonly type: string;
  readonly configSchema: ConfigSchema;
  create(config: Config, context: PluginContext): Source;
}

export interface SinkPlugin<Config = unknown> {
  readonly kind: 'sink';
  readonly type: string;
  readonly configSchema: ConfigSchema;
  create(config: Config, context: PluginContext): Sink;
}

export interface TransformPlugin<Config = unknown> {
  readonly kind: 'transform';
  readonly type: string;
  readonly configSchema: ConfigSchema;
  create(config: Config, context: PluginContext): TransformFactory | Promise<TransformFactory>;
  /**
   * Optional offline check that `create` leaves to `open()` because it touches the file system or runs user code
   * (the `module` transform loads its module here). `lockstep validate` and the validation before `run` call it
   * after `create`; throwing a `LockstepError` (with `context.option` or `context.field` naming the option) makes the
   * pipeline invalid. Never needs the network.
   */
  check?(config: Config, context: PluginContext): void | Promise<void>;
}

export type Plugin = SourcePlugin | SinkPlugin | TransformPlugin;
