import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaService } from '../test-services';
import { freePort } from './free-port';
import type { LocalServiceContext, StartedLocalService } from './local-service';
import { restartableProcess } from './restartable-process';
import { spawnService, waitUntilReady, type ServiceProcess } from './service-process';

const execFileAsync = promisify(execFile);

/**
 * Kafka release the local provider runs (broker and CLI tools from the same jars). 4.3.1 is the newest release whose
 * `kafka-tools` artifact is on Maven Central (4.4.0 and 4.2.2 publish the broker only). kafkajs 2.2.4 was verified
 * against it (and against a 4.4.0 broker): admin, transactions, read_committed, sendOffsets, classic group rebalance.
 */
export const KAFKA_VERSION = '4.3.1';

/**
 * Upper bound the broker accepts for a producer's `transactionTimeout`. Kafka's default is 900000 (15 min); it is set
 * explicitly because exactly-once sinks keep a transaction open across a whole checkpoint interval, and a test that
 * asks for more must fail loudly (INVALID_TRANSACTION_TIMEOUT) rather than depend on an unstated broker default.
 */
export const KAFKA_TRANSACTION_MAX_TIMEOUT_MS = 900_000;

/** Main classes of Kafka's own CLI tools, runnable through {@link kafkaToolCommand}. */
export const KAFKA_TOOLS = {
  /** `kafka-transactions.sh`: `list`, `describe`, `find-hanging`, `abort`. */
  transactions: 'org.apache.kafka.tools.TransactionsCommand',
  /** `kafka-console-consumer.sh` (pass `--isolation-level read_committed` to see committed data only). */
  consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  consoleProducer: 'org.apache.kafka.tools.ConsoleProducer',
  topics: 'org.apache.kafka.tools.TopicCommand',
  consumerGroups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  getOffsetShell: 'org.apache.kafka.tools.GetOffsetShell',
} as const;

const POM_PATH = join(__dirname, 'kafka', 'pom.xml');
const BROKER_HEAP = ['-Xms256m', '-Xmx768m'];
/** Short-lived JVMs (storage format, CLI tools): C1 only and the serial GC start ~1 s faster on a busy machine. */
const TOOL_JVM_OPTS = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;

/** Folder holding this version's jars and shared config. */
function kafkaHome(ctx: Pick<LocalServiceContext, 'cacheDir'>): string {
  return join(ctx.cacheDir, `kafka-${KAFKA_VERSION}`);
}

function libDir(ctx: Pick<LocalServiceContext, 'cacheDir'>): string {
  return join(kafkaHome(ctx), 'lib');
}

function markerFile(ctx: Pick<LocalServiceContext, 'cacheDir'>): string {
  return join(kafkaHome(ctx), 'prepared.json');
}

function toolsLog4jFile(ctx: Pick<LocalServiceContext, 'cacheDir'>): string {
  return join(kafkaHome(ctx), 'tools-log4j2.properties');
}

/** The `java` to run: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. */
function javaCommand(): string {
  const home = process.env['JAVA_HOME'];
  return home ? join(home, 'bin', 'java') : 'java';
}

function isMissingCommand(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Throws a precise error unless a Java 17+ runtime is runnable. */
async function checkJava(): Promise<void> {
  const java = javaCommand();
  let versionText: string;
  try {
    const { stdout, stderr } = await execFileAsync(java, ['-version'], { timeout: 30_000 });
    versionText = `${stderr}${stdout}`;
  } catch (error) {
    if (isMissingCommand(error)) {
      throw new Error(
        `java not found (tried ${java}): the local provider needs Java 17+; ` +
          'or set LOCKSTEP_TEST_SERVICES=testcontainers',
      );
    }
    throw new Error(`${java} -version failed: ${(error as Error).message}`);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionText);
  const first = Number(match?.[1] ?? 0);
  const major = first === 1 ? Number(match?.[2] ?? 0) : first;
  if (major < 17) {
    throw new Error(
      `${java} is Java ${major || 'unknown'} ("${versionText.split('\n')[0] ?? ''}"): Kafka ${KAFKA_VERSION} needs ` +
        'Java 17+; set JAVA_HOME to a newer JDK, or set LOCKSTEP_TEST_SERVICES=testcontainers',
    );
  }
}

async function pomDigest(): Promise<string> {
  return createHash('sha256').update(await readFile(POM_PATH)).digest('hex');
}

interface PreparedMarker {
  readonly version: string;
  readonly pomSha256: string;
}

async function isPrepared(ctx: LocalServiceContext, digest: string): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(markerFile(ctx), 'utf8')) as PreparedMarker;
    return marker.version === KAFKA_VERSION && marker.pomSha256 === digest && existsSync(libDir(ctx));
  } catch {
    return false;
  }
}

/** Resolves the broker and tool jars with Maven into a temporary folder, then moves it into place. */
async function resolveJars(ctx: LocalServiceContext): Promise<void> {
  const home = kafkaHome(ctx);
  const staging = join(home, `lib.partial-${process.pid}`);
  await mkdir(home, { recursive: true });
  await rm(staging, { recursive: true, force: true });
  const args = [
    '-B',
    '-q',
    '-f',
    POM_PATH,
    'dependency:copy-dependencies',
    `-Dkafka.version=${KAFKA_VERSION}`,
    '-DincludeScope=runtime',
    `-DoutputDirectory=${staging}`,
  ];
  const started = Date.now();
  ctx.log.info({ version: KAFKA_VERSION, dir: home }, 'resolving Kafka jars from Maven Central');
  try {
    await execFileAsync('mvn', args, { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (isMissingCommand(error)) {
      throw new Error(
        'mvn not found: the local provider resolves the Kafka broker from Maven Central with Maven ' +
          '(apt-get install maven); or set LOCKSTEP_TEST_SERVICES=testcontainers',
      );
    }
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `mvn could not resolve org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (pom ${POM_PATH}): ` +
        `${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`.trim(),
    );
  }
  await rm(libDir(ctx), { recursive: true, force: true });
  await rename(staging, libDir(ctx));
  ctx.log.info({ version: KAFKA_VERSION, ms: Date.now() - started }, 'Kafka jars resolved');
}

/**
 * Makes the Kafka jars available under `${cacheDir}/kafka-<version>/lib`, resolving them with Maven the first time.
 * Idempotent: a marker (version + pom digest) skips the work on later calls. Checks for Java 17+ every time.
 */
export async function prepareKafka(ctx: LocalServiceContext): Promise<void> {
  await checkJava();
  const digest = await pomDigest();
  if (!(await isPrepared(ctx, digest))) {
    await resolveJars(ctx);
    const marker: PreparedMarker = { version: KAFKA_VERSION, pomSha256: digest };
    await writeFile(markerFile(ctx), `${JSON.stringify(marker, null, 2)}\n`);
  }
  await writeFile(toolsLog4jFile(ctx), log4jConfig({ file: undefined, consoleLevel: 'warn' }));
}

/**
 * The command that runs one of Kafka's CLI tools (e.g. {@link KAFKA_TOOLS}.transactions) from the same jars as the
 * broker, its own logging at WARN on stderr. Call after {@link prepareKafka}.
 * @example
 * kafkaToolCommand(ctx, KAFKA_TOOLS.transactions, ['--bootstrap-server', broker, 'find-hanging', '--broker-id', '1'])
 */
export function kafkaToolCommand(
  ctx: Pick<LocalServiceContext, 'cacheDir'>,
  mainClass: string,
  args: readonly string[],
): { command: string; args: string[] } {
  return {
    command: javaCommand(),
    args: [
      ...TOOL_JVM_OPTS,
      `-Dlog4j2.configurationFile=${toolsLog4jFile(ctx)}`,
      '-cp',
      join(libDir(ctx), '*'),
      mainClass,
      ...args,
    ],
  };
}

/**
 * log4j2 configuration: everything at INFO to `file` (if given), only `consoleLevel` and above to the console —
 * stderr, so a tool's log lines never mix with the records or tables it prints on stdout.
 */
function log4jConfig(options: { file: string | undefined; consoleLevel: string }): string {
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
function serverProperties(options: { brokerPort: number; controllerPort: number; dataDir: string }): string {
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
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'transaction.max.timeout.ms': KAFKA_TRANSACTION_MAX_TIMEOUT_MS,
    // Consumers join at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': 'true',
    'log.retention.check.interval.ms': 300_000,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}

/** A random cluster id in Kafka's format (16 random bytes, URL-safe base64 without padding). */
function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** True when a kafkajs admin can connect and the broker lists itself in the cluster metadata. */
async function kafkaAnswers(broker: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'lockstep-ready-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  for (;;) {
    const second = await freePort();
    if (second !== first) return [first, second];
  }
}

/**
 * Starts a single-node KRaft Kafka (broker+controller in one JVM) on free ports under `ctx.runDir`: writes
 * `server.properties` and a log4j2 config (server log in `runDir/kafka-server.log`, console output in
 * `runDir/kafka.out`), formats the data dir, starts the JVM and waits until a kafkajs admin sees the broker.
 */
export async function startKafka(ctx: LocalServiceContext): Promise<StartedLocalService<KafkaService>> {
  await prepareKafka(ctx);
  const [brokerPort, controllerPort] = await twoFreePorts();
  const broker = `127.0.0.1:${brokerPort}`;
  const dataDir = join(ctx.runDir, 'kafka-data');
  const propertiesFile = join(ctx.runDir, 'server.properties');
  const log4jFile = join(ctx.runDir, 'kafka-log4j2.properties');
  await mkdir(dataDir, { recursive: true });
  await writeFile(propertiesFile, serverProperties({ brokerPort, controllerPort, dataDir }));
  await writeFile(
    log4jFile,
    log4jConfig({ file: join(ctx.runDir, 'kafka-server.log'), consoleLevel: 'warn' }),
  );
  const jvmArgs = [
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dkafka.logs.dir=${ctx.runDir}`,
    '-Djava.awt.headless=true',
    '-cp',
    join(libDir(ctx), '*'),
  ];
  const clusterId = newClusterId();
  const formatStarted = Date.now();
  try {
    await execFileAsync(
      javaCommand(),
      [
        ...TOOL_JVM_OPTS,
        ...jvmArgs,
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId,
        '--config',
        propertiesFile,
      ],
      { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`kafka storage format failed: ${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`.trim());
  }
  const jvmStarted = Date.now();
  // A relaunch after a kill reuses the formatted data dir and the ports in server.properties.
  const launchBroker = (): ServiceProcess =>
    spawnService({
      command: javaCommand(),
      args: [...BROKER_HEAP, '-XX:+ExitOnOutOfMemoryError', ...jvmArgs, 'kafka.Kafka', propertiesFile],
      logFile: join(ctx.runDir, 'kafka.out'),
      cwd: ctx.runDir,
    });
  const service = launchBroker();
  try {
    await waitUntilReady(`kafka ${KAFKA_VERSION}`, service, () => kafkaAnswers(broker), START_TIMEOUT_MS);
  } catch (error) {
    await service.stop(2_000);
    throw error;
  }
  ctx.log.info(
    {
      broker,
      version: KAFKA_VERSION,
      pid: service.pid,
      formatMs: jvmStarted - formatStarted,
      startMs: Date.now() - jvmStarted,
    },
    'kafka ready',
  );
  const brokerProcess = restartableProcess(service, {
    name: `kafka ${KAFKA_VERSION}`,
    relaunch: launchBroker,
    ready: () => kafkaAnswers(broker),
    readyTimeoutMs: START_TIMEOUT_MS,
    stopProcess: (proc) => proc.stop(STOP_GRACE_MS),
  });
  return {
    info: { brokers: [broker], version: KAFKA_VERSION },
    pids: brokerProcess.pids,
    faults: { kill: brokerProcess.kill, start: brokerProcess.start },
    stop: brokerProcess.stop,
  };
}
