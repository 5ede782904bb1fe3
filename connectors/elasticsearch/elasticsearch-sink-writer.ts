import type { Client } from '@elastic/elasticsearch';
import type { LockstepRecord, SinkWriter, SinkWriterInitContext } from '../../core/sdk';
import { LockstepError, RecordError } from '../../core/sdk';
import { BulkActionBuilder, type BulkAction } from './bulk-action';
import { BulkSender } from './bulk-sender';
import { connectClient } from './elasticsearch-client';
import type { ElasticsearchSinkConfig, ResolvedElasticsearchSink } from './elasticsearch-sink-config';

/** Counts since the writer started, logged at each flush. */
export interface ElasticsearchWriteCounts {
  applied: number;
  /** 409s of external-version writes and creates: the effect was already there. */
  conflicts: number;
  /** Deletes of documents that were not there. */
  missingDeletes: number;
  rejected: number;
}

/**
 * The writer of one subtask. `write` turns the records into bulk actions, sends them and returns once Elasticsearch
 * acknowledged every one (so `flush` at the barrier has nothing left in flight: the checkpoint is acknowledged only
 * after every action of it was). A record it cannot build an action for, or that the server refuses (400), is thrown
 * as a `RecordError`: the actions after it were already sent and answered, and their outcomes are kept, so when the
 * engine calls `write` again with the rest they are not sent twice (sending them twice would be harmless: the writes
 * are idempotent).
 */
export class ElasticsearchSinkWriter implements SinkWriter {
  readonly counts: ElasticsearchWriteCounts = { applied: 0, conflicts: 0, missingDeletes: 0, rejected: 0 };
  private client: Client | undefined;
  private sender: BulkSender | undefined;
  private readonly builder: BulkActionBuilder;
  /** Outcomes of records after a refused one, from the last `write`: undefined = done, else its error. */
  private settled = new Map<LockstepRecord, RecordError | undefined>();
  private closing: () => void = () => undefined;
  private readonly closed = new Promise<void>((resolve) => (this.closing = resolve));

  constructor(
    private readonly config: ElasticsearchSinkConfig,
    private readonly resolved: ResolvedElasticsearchSink,
    private readonly context: Pick<SinkWriterInitContext, 'log'>,
  ) {
    this.builder = new BulkActionBuilder(resolved);
  }

  async init(): Promise<void> {
    const { client, version } = await connectClient(this.config);
    this.client = client;
    this.sender = new BulkSender(client, this.resolved, this.context.log, this.closed);
    this.context.log.info({ server: version }, 'elasticsearch sink connected');
  }

  async write(records: readonly LockstepRecord[]): Promise<void> {
    const sender = this.sender;
    if (sender === undefined) throw new LockstepError('elasticsearch sink writer used before init', { code: 'LS_SINK_CONTRACT' });
    const known = this.takeSettled(records);
    if (known !== undefined) return known;
    const actions: BulkAction[] = [];
    let refused: RecordError | undefined;
    for (const record of records) {
      try {
        actions.push(this.builder.build(record));
      } catch (error) {
        if (!RecordError.isRecordError(error)) throw error;
        refused = error;
        break;
      }
    }
    const result = await sender.send(actions);
    this.counts.applied += result.applied;
    this.counts.conflicts += result.conflicts;
    this.counts.missingDeletes += result.missingDeletes;
    const errors = actions.map((action) => {
      const rejection = result.rejected.get(action);
      if (rejection === undefined) return undefined;
      return new RecordError(
        `${action.record.origin ?? '(no origin)'}: elasticsearch refused document ${action.id ?? '(auto id)'} of index ${action.index} (HTTP ${rejection.status}): ${rejection.reason}`,
        action.record,
        { code: 'LS_ELASTICSEARCH_REJECTED' },
      );
    });
    const first = errors.findIndex((error) => error !== undefined);
    if (first >= 0) {
      this.counts.rejected += 1;
      this.settled = new Map(actions.slice(first + 1).map((action, i) => [action.record, errors[first + 1 + i]]));
      throw errors[first] as RecordError;
    }
    if (refused !== undefined) throw refused;
  }

  /**
   * When `records` is the rest after a refused record of the last `write`, the records already answered are not sent
   * again: throws the next refused one (or returns when all of them were done and nothing else is new). Returns
   * undefined to write normally from the first record not yet answered.
   */
  private takeSettled(records: readonly LockstepRecord[]): undefined | Promise<void> {
    if (this.settled.size === 0 || !this.settled.has(records[0] as LockstepRecord)) {
      this.settled.clear();
      return undefined;
    }
    let i = 0;
    for (; i < records.length && this.settled.has(records[i] as LockstepRecord); i++) {
      const error = this.settled.get(records[i] as LockstepRecord);
      if (error !== undefined) {
        this.counts.rejected += 1;
        for (let j = 0; j <= i; j++) this.settled.delete(records[j] as LockstepRecord);
        throw error;
      }
    }
    this.settled.clear();
    return i === records.length ? Promise.resolve() : this.write(records.slice(i));
  }

  flush(): Promise<void> {
    this.settled.clear();
    this.context.log.debug({ ...this.counts }, 'elasticsearch sink flushed');
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closing();
    const client = this.client;
    this.client = undefined;
    this.sender = undefined;
    if (client !== undefined) await client.close();
  }
}
