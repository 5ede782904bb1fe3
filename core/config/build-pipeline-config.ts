import { resolve } from 'node:path';
import type { ComponentConfig, ConnectorConfig, PipelineConfig } from './pipeline-config';
import type { PipelineDocument } from './pipeline-document.generated';

/** Facts about the loaded document that are not in the document. */
export interface BuildFacts {
  readonly file: string;
  readonly baseDir: string;
  readonly components: {
    readonly sources: readonly ComponentConfig[];
    readonly transforms: readonly ComponentConfig[];
    readonly sinks: readonly ComponentConfig[];
  };
  readonly secretPaths: readonly string[];
}

/**
 * Maps a validated document (defaults applied, durations in ms) to a {@link PipelineConfig}: milliseconds get their
 * `…Ms` names, the checkpoint folder is resolved against the pipeline file's folder, and sources and sinks get the
 * pipeline's parallelism unless they set their own.
 */
export function buildPipelineConfig(document: PipelineDocument, facts: BuildFacts): PipelineConfig {
  const { name, checkpoint, restart, errors, parallelism } = document;
  // The one place the default parallelism is applied: the engine and the guarantee analysis read it from here.
  const withParallelism = (component: ComponentConfig): ConnectorConfig => ({
    ...component,
    parallelism: component.parallelism ?? parallelism,
  });
  return {
    name,
    ...(document.guarantee === undefined ? {} : { guarantee: document.guarantee }),
    checkpoint: {
      intervalMs: checkpoint.interval,
      timeoutMs: checkpoint.timeout,
      storage: resolve(facts.baseDir, checkpoint.storage ?? `./.lockstep/checkpoints/${name}`),
      retain: checkpoint.retain,
    },
    parallelism,
    sources: facts.components.sources.map(withParallelism),
    transforms: facts.components.transforms,
    sinks: facts.components.sinks.map(withParallelism),
    errors: errors.sink === undefined ? { policy: errors.policy } : { policy: errors.policy, sink: errors.sink },
    restart: {
      maxAttempts: restart.maxAttempts,
      initialBackoffMs: restart.initialBackoff,
      maxBackoffMs: restart.maxBackoff,
      jitter: restart.jitter,
      startupDeadlineMs: restart.startupDeadline,
    },
    file: facts.file,
    baseDir: facts.baseDir,
    secretPaths: facts.secretPaths,
  };
}
