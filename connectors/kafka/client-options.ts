import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { installCompressionCodecs } from './internals';
import type { KafkaSinkConfig } from './sink/kafka-sink-config.generated';

/**
 * Connection options shared by the Kafka source and sink: the properties both schemas `$ref` from
 * `config-schemas/kafka/client.schema.json`, typed as the generated sink config types them (the source's generated
 * type has the same ones; passing it to {@link createKafkaClient} checks that).
 */
export type KafkaClientOptions = Pick<KafkaSinkConfig, 'brokers' | 'clientId' | 'ssl' | 'sasl' | 'connectionTimeout' | 'requestTimeout'>;

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'debug',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs' retries of connects, metadata and coordinator lookups (its `retry` option): 300 ms doubling, capped at 1 s,
 * 10 retries — about 9 s in all, as long as kafkajs' default (5 retries up to 4.8 s apart), but never more than a
 * second between two tries, so a broker that comes back (a restart, a coordinator done loading) is seen within a
 * second instead of up to five. What follows a failure past them is the engine's restart (docs/design.md §3).
 */
export const KAFKA_CLIENT_RETRY = { initialRetryTime: 300, maxRetryTime: 1_000, retries: 10, multiplier: 2, factor: 0.2 } as const;

/** kafkajs namespaces whose errors the caller sees as thrown errors anyway: logged at debug only. */
const QUIET_NAMESPACES: ReadonlySet<string> = new Set(['Connection', 'BrokerPool']);

/** Node error codes kafkajs' connection errors name in their message (`Connection error: connect ECONNREFUSED …`). */
const CONNECT_CODES = /\b(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENOTFOUND|EAI_AGAIN|EAI_NONAME)\b/;

/**
 * The failed connect a kafkajs `Connection` error log line stands for, as an error with Node's `code` and the
 * `broker`, or undefined for other lines (failed requests on a connected socket).
 */
function connectFailure(message: string, broker: unknown): Error | undefined {
  if (!/^(Connection error|Connection timeout|Failed to connect)/.test(message)) return undefined;
  const code = message.startsWith('Connection timeout') ? 'ETIMEDOUT' : CONNECT_CODES.exec(message)?.[1];
  return Object.assign(new Error(message), { code, broker: typeof broker === 'string' ? broker : undefined });
}

/**
 * A kafkajs client logging through pino. kafkajs' own INFO chatter (connects, rebalances) goes to debug; so do the
 * error responses its `Connection` logs for every request (CONCURRENT_TRANSACTIONS, NOT_COORDINATOR while a
 * coordinator loads…): the caller retries or throws them; and so do its BrokerPool's "Failed to connect to seed broker"
 * per connect try (the failure reaches the engine, which logs one line per restart). Each failed connect is also
 * handed to `reportConnectFailure` (the engine folds them into its lines and fails at once on an unknown host). Other
 * warnings and errors stay what they are. Installs lockstep's batch codecs (gzip, snappy, lz4, zstd) in kafkajs first.
 */
export function createKafkaClient(
  options: KafkaClientOptions,
  log: Logger,
  defaultClientId: string,
  reportConnectFailure?: (error: Error) => void,
): Kafka {
  installCompressionCodecs();
  const config: KafkaConfig = {
    brokers: [...options.brokers],
    clientId: options.clientId ?? defaultClientId,
    connectionTimeout: options.connectionTimeout,
    requestTimeout: options.requestTimeout,
    retry: { ...KAFKA_CLIENT_RETRY },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      const failure = entry.namespace === 'Connection' && entry.level === logLevel.ERROR ? connectFailure(message, rest.broker) : undefined;
      if (failure !== undefined) reportConnectFailure?.(failure);
      const level = QUIET_NAMESPACES.has(entry.namespace) ? 'debug' : (LEVELS[entry.level] ?? 'debug');
      log[level]({ kafkajs: entry.namespace, ...rest }, message);
    },
  };
  if (options.ssl !== undefined) config.ssl = options.ssl === true ? true : options.ssl === false ? false : { ...options.ssl };
  if (options.sasl !== undefined) config.sasl = { ...options.sasl } as SASLOptions;
  return new Kafka(config);
}
