import {
  type InitContext,
  LockstepError,
  type PluginContext,
  retryDefaults,
  type Source,
  type SourceReader,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../../core/sdk';
import { createKinesisClient, streamName } from '../kinesis-client';
import { FinishedShards } from './finished-shards';
import type { KinesisEnumeratorState } from './kinesis-enumerator-state';
import { kinesisShardApi, type KinesisShardApi } from './kinesis-shard-api';
import type { KinesisSourceConfig } from './kinesis-source-config';
import { KinesisSourceReader, type KinesisReaderTuning } from './kinesis-source-reader';
import type { KinesisSplit, KinesisStartPosition } from './kinesis-split';
import { KinesisSplitEnumerator, type KinesisEnumeratorSettings } from './kinesis-split-enumerator';
import { KinesisEnumeratorStateSerializer } from './serializers/kinesis-enumerator-state-serializer';
import { KinesisSplitSerializer } from './serializers/kinesis-split-serializer';

/** Tuning that is not part of the config (tests use short backoffs). */
export interface KinesisSourceOptions {
  readonly backoff?: Partial<KinesisReaderTuning['backoff']>;
  /** The Kinesis calls, for tests that put a throttling proxy in front of them (default: the AWS SDK client). */
  readonly api?: (role: string) => KinesisShardApi;
}

/**
 * `type: kinesis` source: reads a stream's shards without a consumer application; each shard's position (the last
 * sequence number handed out) is kept in lockstep's checkpoints, so it is replayable. One enumerator lists shards and
 * hands them out (children after their parents, see {@link KinesisSplitEnumerator}); readers report finished shards
 * back through a {@link FinishedShards} this source shares between them. Construction does no I/O.
 */
export class KinesisSource implements Source<KinesisSplit, KinesisEnumeratorState> {
  readonly guarantee = 'replayable' as const;
  readonly bounded: boolean;
  readonly splitSerializer = new KinesisSplitSerializer();
  readonly enumeratorStateSerializer = new KinesisEnumeratorStateSerializer();
  private readonly finishedShards = new FinishedShards();
  private readonly settings: KinesisEnumeratorSettings;
  private readonly tuning: KinesisReaderTuning;

  constructor(
    private readonly config: KinesisSourceConfig,
    _context: Pick<PluginContext, 'pipeline' | 'componentId'>,
    private readonly options: KinesisSourceOptions = {},
  ) {
    this.bounded = config.bounded;
    const defaults = retryDefaults();
    const backoff = { initialDelayMs: defaults.initialDelayMs, maxDelayMs: Math.min(defaults.maxDelayMs, 10_000), maxAttempts: defaults.maxAttempts, ...options.backoff };
    this.tuning = { pollIntervalMs: config.pollInterval, recordsPerCall: config.recordsPerCall, backoff };
    this.settings = {
      stream: config.stream,
      initialStart: initialStart(config),
      bounded: config.bounded,
      discoveryIntervalMs: config.shardDiscoveryInterval,
      retry: backoff,
    };
  }

  createEnumerator(context: SplitEnumeratorContext<KinesisSplit>, init: InitContext): SplitEnumerator<KinesisSplit, KinesisEnumeratorState> {
    return new KinesisSplitEnumerator(context, this.settings, this.api('enumerator'), this.finishedShards, init.log);
  }

  restoreEnumerator(
    context: SplitEnumeratorContext<KinesisSplit>,
    init: InitContext,
    state: KinesisEnumeratorState,
  ): SplitEnumerator<KinesisSplit, KinesisEnumeratorState> {
    return new KinesisSplitEnumerator(context, this.settings, this.api('enumerator'), this.finishedShards, init.log, state);
  }

  createReader(init: InitContext): SourceReader<KinesisSplit> {
    return new KinesisSourceReader({
      stream: streamName(this.config.stream),
      api: this.api(`reader-${init.subtask}`),
      finishedShards: this.finishedShards,
      valueFormat: this.config.valueFormat,
      tuning: this.tuning,
      log: init.log,
      ...(init.reportSourceLag === undefined ? {} : { reportSourceLag: init.reportSourceLag }),
    });
  }

  private api(role: string): KinesisShardApi {
    return this.options.api?.(role) ?? kinesisShardApi(createKinesisClient(this.config), this.config.stream);
  }
}

function initialStart(config: KinesisSourceConfig): KinesisStartPosition {
  if (config.startFrom === 'AT_TIMESTAMP') {
    if (config.startTimestamp === undefined) throw configError('startFrom AT_TIMESTAMP needs startTimestamp (ms since the epoch)');
    return { kind: 'at-timestamp', timestamp: config.startTimestamp };
  }
  if (config.startTimestamp !== undefined) throw configError(`startTimestamp is only for startFrom AT_TIMESTAMP (startFrom is ${config.startFrom})`);
  return config.startFrom === 'LATEST' ? { kind: 'latest' } : { kind: 'trim-horizon' };
}

function configError(message: string): LockstepError {
  return new LockstepError(`kinesis source: ${message}`, { code: 'LS_CONFIG_INVALID' });
}
