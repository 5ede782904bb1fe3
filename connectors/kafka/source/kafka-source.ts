import type { Kafka } from 'kafkajs';
import {
  type InitContext,
  LockstepError,
  type PluginContext,
  type Source,
  type SourceReader,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../../core/sdk';
import { createKafkaClient } from '../client-options';
import { createCluster, ISOLATION_LEVEL } from '../internals';
import { GroupOffsetCommitter } from './group-offset-committer';
import type { KafkaEnumeratorState } from './kafka-enumerator-state';
import { DEFAULT_KAFKA_RETRY } from './kafka-retry';
import type { KafkaSourceConfig } from './kafka-source-config';
import { KafkaSourceReader, type KafkaReaderTuning } from './kafka-source-reader';
import type { KafkaSplit } from './kafka-split';
import { KafkaSplitEnumerator, type KafkaEnumeratorSettings } from './kafka-split-enumerator';
import { topicPatternRegExp } from './partition-discovery';
import { KafkaRecordDecoder } from './record-decoding';
import { KafkaEnumeratorStateSerializer } from './serializers/kafka-enumerator-state-serializer';
import { KafkaSplitSerializer } from './serializers/kafka-split-serializer';

/**
 * How readers fetch by default (measured with `npm run bench:memory`, docs/benchmarks.md "Memory under full load").
 * A reader holds at most `maxBufferedBytes` plus one fetch response (≤ `partitionMaxBytes` per partition,
 * ≤ `fetchMaxBytes` in all); 2 MiB keeps two 1 MiB responses of a partition, so the next fetch goes out while one is
 * handed out. 8 MiB cost ~30 MiB more Buffers and ~10 MiB more old-generation heap at parallelism 3, for no less CPU
 * per record.
 */
export const DEFAULT_KAFKA_READER_TUNING: KafkaReaderTuning = {
  fetchMaxWaitMs: 500,
  fetchMaxBytes: 16 * 1024 * 1024,
  partitionMaxBytes: 1024 * 1024,
  maxBufferedBytes: 2 * 1024 * 1024,
  retry: DEFAULT_KAFKA_RETRY,
};

/** Tuning that is not part of the config (tests use small buffers and short waits). */
export interface KafkaSourceOptions {
  readonly tuning?: Partial<KafkaReaderTuning>;
}

/**
 * `type: kafka` source: reads topic-partitions without a consumer group, positions kept in lockstep's checkpoints
 * (so it is replayable). Unbounded by default, discovering new partitions as they appear; `bounded: latest` reads up
 * to the end offsets seen at start and ends. Construction does no I/O: clients connect when enumerator and readers
 * start.
 */
export class KafkaSource implements Source<KafkaSplit, KafkaEnumeratorState> {
  readonly guarantee = 'replayable' as const;
  readonly bounded: boolean;
  readonly endpoint: string;
  readonly splitSerializer = new KafkaSplitSerializer();
  readonly enumeratorStateSerializer = new KafkaEnumeratorStateSerializer();
  private readonly settings: KafkaEnumeratorSettings;
  private readonly isolationLevel: number;
  private readonly decoder: KafkaRecordDecoder;
  private readonly tuning: KafkaReaderTuning;

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly context: Pick<PluginContext, 'pipeline' | 'componentId'>,
    options: KafkaSourceOptions = {},
  ) {
    const topics = config.topics ?? [];
    if (topics.length === 0 && config.topicPattern === undefined) {
      throw configError('set topics, topicPattern, or both');
    }
    this.bounded = config.bounded === 'latest';
    this.endpoint = config.brokers.join(',');
    this.isolationLevel =
      config.isolationLevel === 'read_uncommitted' ? ISOLATION_LEVEL.READ_UNCOMMITTED : ISOLATION_LEVEL.READ_COMMITTED;
    this.decoder = new KafkaRecordDecoder({ keyFormat: config.keyFormat, valueFormat: config.valueFormat });
    this.tuning = { ...DEFAULT_KAFKA_READER_TUNING, ...options.tuning };
    this.settings = {
      selection: { topics, pattern: config.topicPattern === undefined ? undefined : patternOf(config.topicPattern) },
      startFrom: config.startFrom,
      bounded: this.bounded,
      discoveryIntervalMs: config.partitionDiscoveryInterval,
      retry: this.tuning.retry,
    };
  }

  createEnumerator(context: SplitEnumeratorContext<KafkaSplit>, init: InitContext): SplitEnumerator<KafkaSplit, KafkaEnumeratorState> {
    return this.enumerator(context, init);
  }

  restoreEnumerator(
    context: SplitEnumeratorContext<KafkaSplit>,
    init: InitContext,
    state: KafkaEnumeratorState,
  ): SplitEnumerator<KafkaSplit, KafkaEnumeratorState> {
    return this.enumerator(context, init, state);
  }

  createReader(init: InitContext): SourceReader<KafkaSplit> {
    const client = this.client(init, `reader-${init.subtask}`);
    const groupId = this.config.commitOffsetsToGroup;
    return new KafkaSourceReader({
      cluster: createCluster(client, { isolationLevel: this.isolationLevel }),
      isolationLevel: this.isolationLevel,
      decoder: this.decoder,
      groupCommitter: groupId === undefined ? undefined : new GroupOffsetCommitter(createCluster(client), groupId, init.log),
      tuning: this.tuning,
      log: init.log,
      ...(init.reportSourceLag === undefined ? {} : { reportSourceLag: init.reportSourceLag }),
    });
  }

  private enumerator(
    context: SplitEnumeratorContext<KafkaSplit>,
    init: InitContext,
    state?: KafkaEnumeratorState,
  ): KafkaSplitEnumerator {
    const client = this.client(init, 'enumerator');
    const clients = { admin: client.admin(), cluster: createCluster(client, { isolationLevel: this.isolationLevel }) };
    return new KafkaSplitEnumerator(context, this.settings, clients, init.log, state);
  }

  private client(init: InitContext, role: string): Kafka {
    return createKafkaClient(this.config, init.log, `lockstep-${this.context.pipeline}-${this.context.componentId}-${role}`, init.reportConnectFailure);
  }
}

function patternOf(pattern: string): RegExp {
  try {
    return topicPatternRegExp(pattern);
  } catch (cause) {
    throw configError(`topicPattern is not a valid regular expression: ${(cause as Error).message}`, cause);
  }
}

function configError(message: string, cause?: unknown): LockstepError {
  return new LockstepError(`kafka source: ${message}`, { code: 'LS_CONFIG_INVALID', cause });
}
