import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { type CheckpointTiming, LockstepError } from '../../../core/sdk';

/** Kafka's default `transaction.max.timeout.ms`, used when the broker's own value cannot be read. */
export const KAFKA_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS = 900_000;
/** Warn when a checkpoint cycle (interval + timeout) takes more than this share of the transaction timeout. */
const WARN_SHARE = 0.8;

function formatMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Refuses a transaction timeout that a checkpoint may outlast: a transaction is open from the first write after one
 * checkpoint until the next one completes and commits, and one the broker times out is aborted — its records lost.
 * Throws when the checkpoint timeout alone reaches it; warns when interval + timeout comes within 80 % of it.
 */
export function checkTransactionTimeout(transactionTimeoutMs: number, checkpoint: CheckpointTiming, log?: Logger): void {
  if (checkpoint.timeoutMs >= transactionTimeoutMs) {
    throw new LockstepError(
      `transactionTimeout ${formatMs(transactionTimeoutMs)} must be longer than checkpoint.timeout ${formatMs(checkpoint.timeoutMs)}: ` +
        'a transaction the broker times out is aborted and its records are lost',
      { code: 'LS_KAFKA_TRANSACTION_TIMEOUT' },
    );
  }
  const cycle = checkpoint.intervalMs + checkpoint.timeoutMs;
  if (log !== undefined && cycle > WARN_SHARE * transactionTimeoutMs) {
    log.warn(
      { transactionTimeoutMs, checkpointIntervalMs: checkpoint.intervalMs, checkpointTimeoutMs: checkpoint.timeoutMs },
      `checkpoint.interval + checkpoint.timeout (${formatMs(cycle)}) comes close to the Kafka transaction timeout ` +
        `(${formatMs(transactionTimeoutMs)}): a slow checkpoint may lose a transaction`,
    );
  }
}

/** The broker's `transaction.max.timeout.ms`, or undefined when it cannot be read (no DescribeConfigs permission). */
export async function readBrokerMaxTransactionTimeout(client: Kafka, log: Logger): Promise<number | undefined> {
  const admin = client.admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    const broker = brokers[0];
    if (broker === undefined) return undefined;
    const result = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: ['transaction.max.timeout.ms'] }],
    });
    const value = result.resources[0]?.configEntries.find((entry) => entry.configName === 'transaction.max.timeout.ms')?.configValue;
    const ms = Number(value);
    return value === undefined || value === null || !Number.isFinite(ms) ? undefined : ms;
  } catch (error) {
    log.warn({ err: error }, 'cannot read the broker\'s transaction.max.timeout.ms; assuming Kafka\'s default of 15m');
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * The transaction timeout to use: the configured one, else the broker's maximum. Refuses a configured one above the
 * broker's maximum (InitProducerId would fail with INVALID_TRANSACTION_TIMEOUT) and one a checkpoint may outlast.
 */
export async function resolveTransactionTimeout(
  client: Kafka,
  configured: number | undefined,
  checkpoint: CheckpointTiming,
  log: Logger,
): Promise<number> {
  const brokerMax = await readBrokerMaxTransactionTimeout(client, log);
  if (configured !== undefined && brokerMax !== undefined && configured > brokerMax) {
    throw new LockstepError(
      `transactionTimeout ${formatMs(configured)} exceeds the broker's transaction.max.timeout.ms ${formatMs(brokerMax)}`,
      { code: 'LS_KAFKA_TRANSACTION_TIMEOUT' },
    );
  }
  const timeout = configured ?? brokerMax ?? KAFKA_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS;
  checkTransactionTimeout(timeout, checkpoint, log);
  return timeout;
}
