import type { Kafka } from 'kafkajs';
import type { InitContext, SinkTrace } from '../../../core/sdk';
import { createCluster, describeTransaction, initTransactionalId, type KafkaCluster, listTransactions, type ListedTransaction } from '../internals';
import { parseTransactionalId } from './kafka-sink-config';

/** Transaction states whose records are (or are being made) visible to read_committed consumers. */
const COMMITTED = new Set(['CompleteCommit', 'PrepareCommit']);
/** Open transactions: records written, not committed; `InitProducerId` aborts them. */
const OPEN = ['Ongoing', 'PrepareAbort', 'PrepareCommit'];
/** The producer timeout the cleaning `InitProducerId` sets (no transaction is begun under it). */
const CLEAN_TIMEOUT_MS = 60_000;

/** A few transactional ids, then how many more. */
function someIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 3).join(', ');
  return ids.length > 3 ? `${shown} and ${ids.length - 3} more` : shown;
}

/**
 * The exactly-once kafka sink's traces of its pipeline (the `SupportsTraceInspection` ability): transactional ids with
 * the sink's prefix (`<prefix>-<subtask>-<n>`) that the brokers' transaction coordinators know (`ListTransactions`,
 * Kafka ≥ 3.0), other than ids only ever initialized (producer epoch 0, which the writers' recovery probes leave).
 * They carry no checkpoint id: they tell that an earlier run of the pipeline wrote, not what it committed when.
 * `clear` aborts the open transactions; committed records stay in their topics.
 */
export class KafkaSinkTraces {
  constructor(
    private readonly prefix: string,
    private readonly client: (context: InitContext) => Kafka,
  ) {}

  async find(context: InitContext): Promise<SinkTrace[]> {
    return this.withCluster(context, async (cluster) => {
      const ours = await this.ownTransactions(cluster);
      const committed = ours.filter((entry) => COMMITTED.has(entry.state)).map((entry) => entry.transactionalId);
      const open = ours.filter((entry) => OPEN.includes(entry.state) && !COMMITTED.has(entry.state)).map((entry) => entry.transactionalId);
      const rest = ours.filter((entry) => !COMMITTED.has(entry.state) && !OPEN.includes(entry.state)).map((entry) => entry.transactionalId);
      const traces: SinkTrace[] = [];
      if (committed.length > 0) traces.push({ state: 'committed', description: `${committed.length} committed kafka transactions (${someIds(committed)})` });
      if (open.length > 0) traces.push({ state: 'uncommitted', description: `${open.length} open kafka transactions (${someIds(open)})` });
      if (traces.length > 0) {
        if (rest.length > 0) traces.push({ state: 'uncommitted', settled: true, description: `${rest.length} other kafka transactional ids known to the brokers (${someIds(rest)})` });
        return traces;
      }
      // Only aborted or idle ids: those with epoch 0 were only ever probed by a writer's recovery, never written with.
      const used = await this.usedBefore(cluster, rest);
      if (used.length > 0) traces.push({ state: 'uncommitted', settled: true, description: `${used.length} kafka transactional ids used before, now aborted or idle (${someIds(used)})` });
      return traces;
    });
  }

  async clear(context: InitContext): Promise<string[]> {
    return this.withCluster(context, async (cluster) => {
      const open = (await this.ownTransactions(cluster)).filter((entry) => OPEN.includes(entry.state)).map((entry) => entry.transactionalId);
      // InitProducerId aborts what is open under the id (and completes a commit already decided) and fences its producer.
      for (const id of open) await initTransactionalId(cluster, id, CLEAN_TIMEOUT_MS);
      return [
        open.length === 0 ? 'no open kafka transaction to abort' : `aborted ${open.length} open kafka transactions (${someIds(open)})`,
        `committed records stay in their topics; the transactional ids ${this.prefix}-* stay known to the brokers until they expire (transactional.id.expiration.ms)`,
      ];
    });
  }

  /** Every transaction of this sink's prefix the coordinators know, any state. */
  private async ownTransactions(cluster: KafkaCluster): Promise<ListedTransaction[]> {
    return (await listTransactions(cluster)).filter((entry) => parseTransactionalId(this.prefix, entry.transactionalId) !== undefined);
  }

  /** The ids among `ids` with a producer epoch above 0 (used for a transaction, or fenced, at least once). */
  private async usedBefore(cluster: KafkaCluster, ids: readonly string[]): Promise<string[]> {
    const used: string[] = [];
    for (const id of ids) {
      const description = await describeTransaction(cluster, id);
      if (description !== undefined && description.producerEpoch > 0) used.push(id);
    }
    return used;
  }

  private async withCluster<T>(context: InitContext, use: (cluster: KafkaCluster) => Promise<T>): Promise<T> {
    const cluster = createCluster(this.client(context));
    await cluster.connect();
    try {
      return await use(cluster);
    } finally {
      await cluster.disconnect().catch(() => undefined);
    }
  }
}
