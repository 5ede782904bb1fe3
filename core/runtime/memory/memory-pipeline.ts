import type { Source } from '../../api/source';
import type { ErrorPolicyConfig } from '../../config/pipeline-config';
import type { PipelineComponents } from '../create-components';
import { MemorySink, type MemorySinkStore } from './memory-sink';

export interface MemoryPipelineOptions {
  readonly name: string;
  /** Checkpoint store folder. */
  readonly storage: string;
  /** Source `s`, one reader subtask. */
  readonly source: Source;
  /** Store of sink `out`, one writer subtask. */
  readonly sink: MemorySinkStore;
  readonly errors?: ErrorPolicyConfig;
}

/**
 * Components of a one-source, one-sink engine test pipeline: checkpoints every 20 ms, parallelism 1, no restarts
 * (a failure ends the run), bad records failing it unless `errors` says otherwise.
 */
export function memoryPipeline(options: MemoryPipelineOptions): () => PipelineComponents {
  return () => ({
    config: {
      name: options.name,
      checkpoint: { intervalMs: 20, timeoutMs: 5_000, storage: options.storage, retain: 100 },
      parallelism: 1,
      sources: [],
      transforms: [],
      sinks: [],
      errors: options.errors ?? { policy: 'fail' },
      restart: { maxAttempts: 0, initialBackoffMs: 1, maxBackoffMs: 5, jitter: 0 },
    },
    sources: [{ config: { id: 's', type: 'memory' }, source: options.source, parallelism: 1 }],
    transforms: [],
    sinks: [{ config: { id: 'out', type: 'memory' }, sink: new MemorySink(options.sink), parallelism: 1 }],
    deadLetterSinkId: undefined,
  });
}
