import type { Kafka } from 'kafkajs';
import { readCommitted } from './kafka-read-committed';
import { openKafkaTransactions, tallyIds, type ChaosRecord, type IdTally } from './kafka-topics';

/**
 * What an independent read_committed consumer (kcat, see `readCommitted`) sees in the output of a chaos pipeline that
 * maps `doubled = seq * 2` and keys each record by its id, and which transactions of the sink are left open.
 */
export interface DoubledOutputVerdict {
  readonly records: number;
  readonly tally: IdTally;
  /** Records whose transform was not applied or whose key is not their id: `<partition>@<offset>: <value>`. */
  readonly malformed: readonly string[];
  /** Transactions whose id starts with `<transactionPrefix>-`, open or half-way through their end. */
  readonly open: readonly string[];
}

/** Reads `output` read_committed, tallies its ids against `r-0 … r-<records-1>` and lists the sink's open transactions. */
export async function readDoubledOutput(
  kafka: Kafka,
  brokers: readonly string[],
  output: string,
  options: { readonly records: number; readonly transactionPrefix: string },
): Promise<DoubledOutputVerdict> {
  const messages = await readCommitted(brokers, output);
  const ids: string[] = [];
  const malformed: string[] = [];
  for (const message of messages) {
    const value = JSON.parse(message.value ?? 'null') as (ChaosRecord & { doubled?: number }) | null;
    if (value === null || value.doubled !== value.seq * 2 || message.key !== value.id) malformed.push(`${message.partition}@${message.offset}: ${message.value}`);
    else ids.push(value.id);
  }
  const open = (await openKafkaTransactions(kafka, options.transactionPrefix)).map((entry) => `${entry.transactionalId} (${entry.state})`);
  return { records: messages.length, tally: tallyIds(ids, options.records), malformed, open };
}
