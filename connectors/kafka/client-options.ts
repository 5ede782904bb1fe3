import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

/** Connection options shared by the Kafka source and sink (`config-schemas/kafka/client.schema.json`). */
export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** `true` for TLS with the system's CAs, or PEM material. */
  readonly ssl?: boolean | { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly rejectUnauthorized?: boolean };
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  readonly connectionTimeout?: number;
  readonly requestTimeout?: number;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'debug',
  [logLevel.DEBUG]: 'debug',
};

/**
 * A kafkajs client logging through pino. kafkajs' own INFO chatter (connects, rebalances) goes to debug; so do the
 * error responses its `Connection` logs for every request (CONCURRENT_TRANSACTIONS, NOT_COORDINATOR while a
 * coordinator loads…): the caller retries or throws them. Other warnings and errors stay what they are.
 */
export function createKafkaClient(options: KafkaClientOptions, log: Logger, defaultClientId: string): Kafka {
  const config: KafkaConfig = {
    brokers: [...options.brokers],
    clientId: options.clientId ?? defaultClientId,
    connectionTimeout: options.connectionTimeout ?? 5000,
    requestTimeout: options.requestTimeout ?? 30000,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      const level = entry.namespace === 'Connection' ? 'debug' : (LEVELS[entry.level] ?? 'debug');
      log[level]({ kafkajs: entry.namespace, ...rest }, message);
    },
  };
  if (options.ssl !== undefined) config.ssl = options.ssl === true ? true : options.ssl === false ? false : { ...options.ssl };
  if (options.sasl !== undefined) config.sasl = { ...options.sasl } as SASLOptions;
  return new Kafka(config);
}
