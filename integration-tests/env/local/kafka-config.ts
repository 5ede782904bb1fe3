/**
 * The files a local Kafka node reads (`server.properties`, log4j2 configuration), and what differs between the Kafka
 * releases the local provider runs.
 */

/**
 * Kafka release the local provider runs by default (broker and CLI tools from the same jars). 4.3.1 is the newest
 * release whose `kafka-tools` artifact is on Maven Central (4.4.0 and 4.2.2 publish the broker only). kafkajs 2.2.4 was
 * verified against it (and against a 4.4.0 broker): admin, transactions, read_committed, sendOffsets, classic group
 * rebalance.
 */
export const KAFKA_VERSION = '4.3.1';

/**
 * The older release line the Kafka suites also run against (the `kafka3` service): users run both. 3.9 is the last 3.x
 * release, KRaft (no ZooKeeper) like 4.x.
 */
export const KAFKA_3_VERSION = '3.9.1';

/**
 * Upper bound the broker accepts for a producer's `transactionTimeout`. Kafka's default is 900000 (15 min); it is set
 * explicitly because exactly-once sinks keep a transaction open across a whole checkpoint interval, and a test that
 * asks for more must fail loudly (INVALID_TRANSACTION_TIMEOUT) rather than depend on an unstated broker default.
 */
export const KAFKA_TRANSACTION_MAX_TIMEOUT_MS = 900_000;

/** Major version of a Kafka release string (`3.9.1` → 3). */
export function kafkaMajor(version: string): number {
  return Number(version.split('.')[0]);
}

/** Main classes of Kafka's own CLI tools (as named in 4.x), runnable through `kafkaToolCommand` (local/kafka.ts). */
export const KAFKA_TOOLS = {
  /** `kafka-transactions.sh`: `list`, `describe`, `find-hanging`, `abort`. */
  transactions: 'org.apache.kafka.tools.TransactionsCommand',
  /** `kafka-console-consumer.sh` (pass `--isolation-level read_committed` to see committed data only). */
  consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  consoleProducer: 'org.apache.kafka.tools.ConsoleProducer',
  topics: 'org.apache.kafka.tools.TopicCommand',
  consumerGroups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  getOffsetShell: 'org.apache.kafka.tools.GetOffsetShell',
  /** `kafka-log-dirs.sh`: DescribeLogDirs (bytes per partition, and where). */
  logDirs: 'org.apache.kafka.tools.LogDirsCommand',
  /** `kafka-dump-log.sh`: record batches of segment files (codec, offsets, control flag). */
  dumpLogSegments: 'org.apache.kafka.tools.DumpLogSegments',
} as const;

/** Tools that 3.x still ships under their old Scala names (moved to `org.apache.kafka.tools` in 4.0). */
const KAFKA_3_TOOL_CLASSES: Readonly<Record<string, string>> = {
  [KAFKA_TOOLS.consoleProducer]: 'kafka.tools.ConsoleProducer',
  [KAFKA_TOOLS.dumpLogSegments]: 'kafka.tools.DumpLogSegments',
};

/** The main class of tool `mainClass` (a {@link KAFKA_TOOLS} value) in Kafka `version`. */
export function kafkaToolClass(mainClass: string, version: string): string {
  return kafkaMajor(version) < 4 ? (KAFKA_3_TOOL_CLASSES[mainClass] ?? mainClass) : mainClass;
}

/**
 * log4j2 configuration: everything at INFO to `file` (if given), only `consoleLevel` and above to the console —
 * stderr, so a tool's log lines never mix with the records or tables it prints on stdout. Both releases log through
 * slf4j → log4j2 (kafka.ts drops 3.x's reload4j binding from the resolved jars).
 */
export function log4jConfig(options: { file: string | undefined; consoleLevel: string }): string {
  const lines = [
    'status = error',
    'appender.console.type = Console',
    'appender.console.name = CONSOLE',
    'appender.console.target = SYSTEM_ERR',
    'appender.console.layout.type = PatternLayout',
    'appender.console.layout.pattern = [%d] %p %m (%c)%n',
    'appender.console.filter.threshold.type = ThresholdFilter',
    `appender.console.filter.threshold.level = ${options.consoleLevel}`,
    'rootLogger.level = info',
    'rootLogger.appenderRef.console.ref = CONSOLE',
  ];
  if (options.file !== undefined) {
    lines.push(
      'appender.file.type = File',
      'appender.file.name = FILE',
      `appender.file.fileName = ${options.file}`,
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.appenderRef.file.ref = FILE',
      // Per-request and state-change chatter is useless in a test run.
      'logger.request.name = kafka.request.logger',
      'logger.request.level = warn',
      'logger.state.name = state.change.logger',
      'logger.state.level = warn',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A combined broker+controller KRaft node for one test run: a single replica of everything. */
export function serverProperties(options: {
  version: string;
  brokerPort: number;
  controllerPort: number;
  dataDir: string;
}): string {
  const { brokerPort, controllerPort, dataDir } = options;
  const properties: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    // Internal topics: one replica, and few partitions so the first group/transaction does not wait for 50 of them.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 5,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 5,
    'transaction.max.timeout.ms': KAFKA_TRANSACTION_MAX_TIMEOUT_MS,
    // Consumers join at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': 'true',
    'log.retention.check.interval.ms': 300_000,
  };
  if (kafkaMajor(options.version) >= 4) {
    // Share groups (KIP-932) exist from 4.0 on; 3.x would log these as unknown settings.
    properties['share.coordinator.state.topic.replication.factor'] = 1;
    properties['share.coordinator.state.topic.min.isr'] = 1;
  }
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}
