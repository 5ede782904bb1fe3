import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cacheDir } from '../../env/choose-provider';
import { KAFKA_TOOLS, kafkaToolCommand } from '../../env/local/kafka';

const execFileAsync = promisify(execFile);

/** One record as Kafka's console consumer printed it. */
export interface ConsumedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: string;
}

/** A transaction the broker holds open, as `kafka-transactions.sh` shows it. */
export interface OpenTransaction {
  readonly transactionalId: string;
  readonly state: string;
}

const OPEN_STATES = new Set(['Ongoing', 'PrepareCommit', 'PrepareAbort']);

/**
 * The campaign's independent view of Kafka: Apache Kafka's own Java tools (same jars as the broker), not kafkajs and
 * not lockstep's fetch path. Needs the local provider's cached jars (`npm run services -- prepare`).
 */
export class KafkaOracle {
  constructor(private readonly brokers: readonly string[]) {}

  /**
   * Everything a `read_committed` consumer sees in `topic`: `kafka-console-consumer` from the beginning until no record
   * came for `idleMs` (its `--timeout-ms`, which also covers joining its group).
   */
  async readCommitted(topic: string, idleMs: number): Promise<ConsumedRecord[]> {
    const { stdout } = await this.tool(KAFKA_TOOLS.consoleConsumer, [
      '--topic', topic, '--from-beginning', '--isolation-level', 'read_committed', '--timeout-ms', String(idleMs),
      '--formatter-property', 'print.partition=true', '--formatter-property', 'print.offset=true',
      '--formatter-property', 'print.key=true', '--formatter-property', 'key.separator=\t',
    ], { timeoutExitIsNormal: true });
    const records: ConsumedRecord[] = [];
    for (const line of stdout.split('\n')) {
      if (line === '') continue;
      const match = /^Partition:(\d+)\tOffset:(\d+)\t([^\t]*)\t(.*)$/.exec(line);
      if (match === null) throw new Error(`unexpected console-consumer line: ${line.slice(0, 200)}`);
      records.push({ partition: Number(match[1]), offset: Number(match[2]), key: match[3] ?? '', value: match[4] ?? '' });
    }
    return records;
  }

  /**
   * {@link readCommitted}, read again with a longer idle wait when fewer than `expected` records came: on a loaded
   * machine the consumer's group join can eat most of a short wait, and a slow reader must not look like lost data.
   */
  async readCommittedPatiently(topic: string, expected: number): Promise<ConsumedRecord[]> {
    const quick = await this.readCommitted(topic, 3_000);
    return quick.length >= expected ? quick : this.readCommitted(topic, 20_000);
  }

  /** Transactions whose id starts with `prefix` that the coordinators hold open (`kafka-transactions.sh list`). */
  async openTransactions(prefix: string): Promise<OpenTransaction[]> {
    const { stdout } = await this.tool(KAFKA_TOOLS.transactions, ['list']);
    return rows(stdout)
      .map(([transactionalId = '', , , state = '']) => ({ transactionalId, state }))
      .filter((entry) => entry.transactionalId.startsWith(prefix) && OPEN_STATES.has(entry.state));
  }

  /**
   * Open transactions on `topic`'s partitions that their coordinator does not know as ongoing
   * (`kafka-transactions.sh find-hanging`, any age): each holds the partition's last stable offset back for good.
   */
  async hangingTransactions(topic: string): Promise<string[]> {
    const { stdout } = await this.tool(KAFKA_TOOLS.transactions, ['find-hanging', '--topic', topic, '--max-transaction-timeout', '0']);
    return rows(stdout).map((row) => row.join(' '));
  }

  private async tool(
    mainClass: string,
    args: readonly string[],
    options: { timeoutExitIsNormal?: boolean } = {},
  ): Promise<{ stdout: string; stderr: string }> {
    const { command, args: fullArgs } = kafkaToolCommand({ cacheDir: cacheDir() }, mainClass, [
      '--bootstrap-server', this.brokers.join(','), ...args,
    ]);
    try {
      return await execFileAsync(command, fullArgs, { timeout: 180_000, maxBuffer: 256 * 1024 * 1024 });
    } catch (error) {
      const failure = error as Error & { stdout?: string; stderr?: string; code?: number };
      // The console consumer ends its --timeout-ms wait with a TimeoutException and exit 1 in some releases.
      if (options.timeoutExitIsNormal === true && /TimeoutException/.test(failure.stderr ?? '') && failure.stdout !== undefined) {
        return { stdout: failure.stdout, stderr: failure.stderr ?? '' };
      }
      throw new Error(`${mainClass} ${args.join(' ')} failed: ${failure.message.split('\n')[0] ?? ''}\n${failure.stderr ?? ''}`);
    }
  }
}

/** The rows of a tab-separated table a Kafka tool printed, without its header. */
function rows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t').map((cell) => cell.trim()));
}
