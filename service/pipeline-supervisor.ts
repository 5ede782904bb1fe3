import { mkdir, readdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { builtinRegistry } from '../cli/builtin-registry';
import type { ValidatedPipeline } from '../cli/api';
import { ConfigError } from '../core/config/config-error';
import { analyzeGuarantee } from '../core/config/guarantee-analysis';
import { loadPipelineFile, loadPipelineText } from '../core/config/pipeline-loader';
import { registerPluginModule } from '../core/config/plugin-loader';
import { LockstepError } from '../core/errors';
import type { BackoffPolicy } from '../core/sdk/retry';
import { describeError, type ErrorInfo } from './error-info';
import { ManagedPipeline, type PipelineOrigin } from './managed-pipeline';

export interface PipelineSupervisorOptions {
  /** Every `*.yaml`, `*.yml` and `*.json` here is a pipeline, loaded at start. */
  readonly configDir?: string;
  /** Pipelines created through the API (`pipelines/<name>.json`) and which pipelines were paused or stopped. */
  readonly stateDir: string;
  /** Whether the API may replace or delete pipelines of the config directory (default: they are read-only). */
  readonly apiWritesConfigDir: boolean;
  /** Plugin modules every pipeline may use (`--plugin`), resolved from `cwd`. */
  readonly plugins: readonly string[];
  readonly cwd: string;
  readonly log: Logger;
  readonly restartBackoff?: BackoffPolicy;
  readonly onCheckpointCompleted?: (pipeline: string, durationMs: number) => void;
  /** Called once a deleted pipeline is gone (its metric series are dropped). */
  readonly onRemoved?: (pipeline: string) => void;
}

/** A config file that could not be loaded: shown by /readyz, retried by nothing (fix the file, restart the service). */
export interface InvalidFile {
  readonly file: string;
  readonly error: ErrorInfo;
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
}

const CONFIG_FILE = /\.(ya?ml|json)$/i;
/** Pipelines held on purpose survive a restart of the service: `desired-states.json` in the state directory. */
const HELD_FILE = 'desired-states.json';

/**
 * The pipelines of one `lockstep serve` process: loads them (config directory, then the API's in the state directory),
 * starts them, and keeps the API's changes durable — a created or replaced pipeline is written to the state directory
 * before it starts, a paused or stopped one is remembered as held, so a restarted service brings back every pipeline
 * in the state it was left in, each resuming from its own last completed checkpoint.
 */
export class PipelineSupervisor {
  private readonly pipelines = new Map<string, ManagedPipeline>();
  readonly invalidFiles: InvalidFile[] = [];
  private held: Record<string, 'PAUSED' | 'STOPPED'> = {};

  constructor(private readonly options: PipelineSupervisorOptions) {}

  private get apiDir(): string {
    return join(this.options.stateDir, 'pipelines');
  }

  /** Loads every pipeline and starts those not held; a file that does not load is listed in `invalidFiles`. */
  async start(): Promise<void> {
    await mkdir(this.apiDir, { recursive: true });
    this.held = await readFile(join(this.options.stateDir, HELD_FILE), 'utf8').then((text) => JSON.parse(text) as typeof this.held, () => ({}));
    const sources: { dir: string; origin: PipelineOrigin }[] = [
      ...(this.options.configDir === undefined ? [] : [{ dir: this.options.configDir, origin: 'config-dir' as const }]),
      { dir: this.apiDir, origin: 'api' },
    ];
    for (const { dir, origin } of sources) {
      const files = (await readdir(dir)).filter((name) => CONFIG_FILE.test(name)).sort();
      for (const name of files) {
        const file = join(dir, name);
        try {
          const pipeline = await this.validateFile(file);
          if (this.pipelines.has(pipeline.config.name)) {
            throw new LockstepError(`a pipeline named ${pipeline.config.name} is loaded already (from another file)`, { code: 'LS_SERVICE_CONFLICT' });
          }
          this.pipelines.set(pipeline.config.name, this.manage(pipeline, origin));
        } catch (error) {
          this.invalidFiles.push({ file, error: describeError(error), ...(error instanceof ConfigError ? { issues: error.issues.map(({ path, message }) => ({ path, message })) } : {}) });
          this.options.log.error({ file, err: error }, 'pipeline file not loaded');
        }
      }
    }
    for (const pipeline of this.pipelines.values()) {
      const held = this.held[pipeline.name];
      if (held === undefined) pipeline.start();
      else await (held === 'PAUSED' ? pipeline.pause() : pipeline.stop());
    }
  }

  list(): ManagedPipeline[] {
    return [...this.pipelines.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** @throws LS_SERVICE_NOT_FOUND */
  get(name: string): ManagedPipeline {
    const pipeline = this.pipelines.get(name);
    if (pipeline === undefined) throw new LockstepError(`no pipeline named ${name}`, { code: 'LS_SERVICE_NOT_FOUND' });
    return pipeline;
  }

  /**
   * Validates a pipeline document as `lockstep validate` does (schemas, rules, plugins, guarantee); relative paths
   * resolve against the folder an API pipeline is kept in.
   * @throws ConfigError with every issue and its JSON pointer
   */
  validateDocument(document: unknown): ValidatedPipeline {
    const name = (document as { name?: unknown } | null)?.name;
    const file = join(this.apiDir, `${typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name) ? name : 'pipeline'}.json`);
    const registry = this.registry();
    const config = loadPipelineText(JSON.stringify(document), { registry, file });
    return { file, config, report: analyzeGuarantee(config, registry), registry };
  }

  /** Validates, persists and starts a new pipeline. @throws ConfigError, LS_SERVICE_CONFLICT */
  async create(document: unknown): Promise<ManagedPipeline> {
    const pipeline = this.validateDocument(document);
    const { name } = pipeline.config;
    if (this.pipelines.has(name)) throw new LockstepError(`a pipeline named ${name} exists already; PUT /pipelines/${name} replaces it`, { code: 'LS_SERVICE_CONFLICT' });
    await this.persist(pipeline.file, document);
    const managed = this.manage(pipeline, 'api');
    this.pipelines.set(name, managed);
    await this.setHeld(name, undefined);
    managed.start();
    return managed;
  }

  /** Replaces (or creates) pipeline `name`; it restarts from its last checkpoint. Returns whether it was created. */
  async replace(name: string, document: unknown): Promise<{ pipeline: ManagedPipeline; created: boolean }> {
    const body = document as Record<string, unknown>;
    if (body.name !== undefined && body.name !== name) {
      throw new LockstepError(`the body names pipeline ${String(body.name)}, the path ${name}`, { code: 'LS_SERVICE_CONFLICT' });
    }
    const existing = this.pipelines.get(name);
    if (existing === undefined) return { pipeline: await this.create({ ...body, name }), created: true };
    this.checkWritable(existing);
    const pipeline = existing.origin === 'config-dir' ? await this.validateConfigDirDocument(existing, { ...body, name }) : this.validateDocument({ ...body, name });
    await this.persist(existing.origin === 'config-dir' ? existing.pipeline.file : pipeline.file, { ...body, name });
    await existing.replace(pipeline, existing.origin);
    return { pipeline: existing, created: false };
  }

  /** Stops pipeline `name` with a savepoint and forgets it (its checkpoints stay in its storage). */
  async remove(name: string): Promise<void> {
    const pipeline = this.get(name);
    this.checkWritable(pipeline);
    await pipeline.stop();
    this.pipelines.delete(name);
    this.options.onRemoved?.(name);
    await rm(pipeline.pipeline.file, { force: true });
    await this.setHeld(name, undefined);
  }

  /** Pauses, stops or resumes pipeline `name`, remembering it across restarts of the service. */
  async hold(name: string, action: 'pause' | 'stop' | 'resume'): Promise<ManagedPipeline> {
    const pipeline = this.get(name);
    if (action === 'resume') {
      await pipeline.resume();
      await this.setHeld(name, undefined);
    } else {
      await this.setHeld(name, action === 'pause' ? 'PAUSED' : 'STOPPED');
      await (action === 'pause' ? pipeline.pause() : pipeline.stop());
    }
    return pipeline;
  }

  async restart(name: string): Promise<ManagedPipeline> {
    const pipeline = this.get(name);
    await this.setHeld(name, undefined);
    await pipeline.restart();
    return pipeline;
  }

  /** Stops every pipeline at once, each with its final savepoint (the graceful shutdown). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.pipelines.values()].map((pipeline) => pipeline.stop()));
  }

  private manage(pipeline: ValidatedPipeline, origin: PipelineOrigin): ManagedPipeline {
    const { log, restartBackoff, onCheckpointCompleted } = this.options;
    return new ManagedPipeline({
      pipeline,
      origin,
      log,
      ...(restartBackoff === undefined ? {} : { restartBackoff }),
      ...(onCheckpointCompleted === undefined ? {} : { onCheckpointCompleted }),
    });
  }

  private registry(): ReturnType<typeof builtinRegistry> {
    const registry = builtinRegistry();
    for (const plugin of this.options.plugins) registerPluginModule(registry, plugin, this.options.cwd);
    return registry;
  }

  private async validateFile(file: string): Promise<ValidatedPipeline> {
    const registry = this.registry();
    const config = await loadPipelineFile(resolve(file), { registry });
    return { file, config, report: analyzeGuarantee(config, registry), registry };
  }

  /** A replacement of a config-directory pipeline is written as JSON over its file (YAML comments are lost). */
  private async validateConfigDirDocument(existing: ManagedPipeline, document: unknown): Promise<ValidatedPipeline> {
    const registry = this.registry();
    const file = existing.pipeline.file;
    const config = loadPipelineText(JSON.stringify(document), { registry, file: file.replace(/\.(ya?ml)$/i, '.json') });
    return { file, config, report: analyzeGuarantee(config, registry), registry };
  }

  private checkWritable(pipeline: ManagedPipeline): void {
    if (pipeline.origin === 'config-dir' && !this.options.apiWritesConfigDir) {
      throw new LockstepError(`pipeline ${pipeline.name} comes from the config directory (${pipeline.pipeline.file}): change the file, or start the service with --api-writes-config-dir`, { code: 'LS_SERVICE_READ_ONLY' });
    }
  }

  private async persist(file: string, document: unknown): Promise<void> {
    // JSON also over a YAML file of the config directory (JSON is YAML): the file stays loadable.
    await writeAtomically(file, `${JSON.stringify(document, null, 2)}\n`);
  }

  private async setHeld(name: string, state: 'PAUSED' | 'STOPPED' | undefined): Promise<void> {
    if (this.held[name] === state) return;
    if (state === undefined) delete this.held[name];
    else this.held[name] = state;
    await writeAtomically(join(this.options.stateDir, HELD_FILE), `${JSON.stringify(this.held, null, 2)}\n`);
  }
}

/** Writes `text` to a temporary file beside `path` (owner-only: a pipeline may hold secrets) and renames it over `path`. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, path);
}
