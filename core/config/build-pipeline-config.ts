import { resolve } from 'node:path';
import type { ComponentConfig, ConnectorConfig, PipelineConfig } from './pipeline-config';

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
export function buildPipelineConfig(document: Record<string, unknown>, facts: BuildFacts): PipelineConfig {
  const name = document.name as string;
  const checkpoint = document.checkpoint as Record<string, unknown>;
  const restart = document.restart as Record<string, unknown>;
  const errors = document.errors as { policy: PipelineConfig['errors']['policy']; sink?: string };
  const parallelism = document.parallelism as number;
  // The one place the default parallelism is applied: the engine and the guarantee analysis read it from here.
  const withParallelism = (component: ComponentConfig): ConnectorConfig => ({
    ...component,
    parallelism: component.parallelism ?? parallelism,
  });
  return {
    name,
    ...(document.guarantee === undefined ? {} : { guarantee: document.guarantee as PipelineConfig['guarantee'] }),
    checkpoint: {
      intervalMs: checkpoint.interval as number,
      timeoutMs: checkpoint.timeout as number,
      storage: resolve(facts.baseDir, (checkpoint.storage as string | undefined) ?? `./.lockstep/checkpoints/${name}`),
      retain: checkpoint.retain as number,
    },
    parallelism,
    sources: facts.components.sources.map(withParallelism),
    transforms: facts.components.transforms,
    sinks: facts.components.sinks.map(withParallelism),
    errors: errors.sink === undefined ? { policy: errors.policy } : { policy: errors.policy, sink: errors.sink },
    restart: {
      maxAttempts: restart.maxAttempts as number,
      initialBackoffMs: restart.initialBackoff as number,
      maxBackoffMs: restart.maxBackoff as number,
      jitter: restart.jitter as number,
    },
    file: facts.file,
    baseDir: facts.baseDir,
    secretPaths: facts.secretPaths,
  };
}
