import {
  type InitContext,
  RateLimiter,
  type Source,
  type SourceReader,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../core/sdk';
import type { GeneratorEnumeratorState } from './generator-enumerator-state';
import type { GeneratorSourceConfig } from './generator-source-config.generated';
import { GeneratorSourceReader } from './generator-source-reader';
import type { GeneratorSplit } from './generator-split';
import { GeneratorSplitEnumerator } from './generator-split-enumerator';
import { GeneratorEnumeratorStateSerializer } from './serializers/generator-enumerator-state-serializer';
import { GeneratorSplitSerializer } from './serializers/generator-split-serializer';

/**
 * The `generator` source: deterministic records `{ seq }` (plus an optional `payload`), seq from 0, striped over the
 * reader subtasks. Bounded when `count` is set. Replayable: a split's state is its next seq, and a record depends on
 * its seq only. Construction does no I/O.
 */
export class GeneratorSource implements Source<GeneratorSplit, GeneratorEnumeratorState> {
  readonly guarantee = 'replayable' as const;
  readonly bounded: boolean;
  readonly splitSerializer = new GeneratorSplitSerializer();
  readonly enumeratorStateSerializer = new GeneratorEnumeratorStateSerializer();

  constructor(private readonly config: GeneratorSourceConfig) {
    this.bounded = config.count !== undefined;
  }

  createEnumerator(
    context: SplitEnumeratorContext<GeneratorSplit>,
    init: InitContext,
  ): SplitEnumerator<GeneratorSplit, GeneratorEnumeratorState> {
    return new GeneratorSplitEnumerator(context, init.log);
  }

  restoreEnumerator(
    context: SplitEnumeratorContext<GeneratorSplit>,
    init: InitContext,
    state: GeneratorEnumeratorState,
  ): SplitEnumerator<GeneratorSplit, GeneratorEnumeratorState> {
    return new GeneratorSplitEnumerator(context, init.log, state);
  }

  createReader(init: InitContext): SourceReader<GeneratorSplit> {
    const { count, ratePerSecond, payloadBytes } = this.config;
    // the configured rate is the total across subtasks: each reader takes its share
    const share = ratePerSecond === undefined ? undefined : ratePerSecond / Math.max(1, init.parallelism);
    const limiter = share === undefined ? undefined : new RateLimiter(share);
    return new GeneratorSourceReader({ count, payloadBytes: payloadBytes ?? 0, limiter }, init);
  }
}
