import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaService } from '../test-services';
import { freePort } from './free-port';
import type { LocalServiceContext, StartedLocalService } from './local-service';
import { restartableProcess } from './restartable-process';
import { spawnService, waitUntilReady, type ServiceProcess } from './service-process';
import {
  KAFKA_VERSION,
  kafkaToolClass,
  log4jConfig,
  serverProperties,
} from './kafka-config';

export {
  KAFKA_3_VERSION,
  KAFKA_TOOLS,
  KAFKA_TRANSACTION_MAX_TIMEOUT_MS,
  KAFKA_VERSION,
  kafkaToolClass,
} from './kafka-config';

const execFileAsync = promisify(execFile);

const POM_PATH = join(__dirname, 'kafka', 'pom.xml');
const BROKER_HEAP = ['-Xms256m', '-Xmx768m'];
/** Short-lived JVMs (storage format, CLI tools): C1 only and the serial GC start ~1 s faster on a busy machine. */
const TOOL_JVM_OPTS = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;

type CacheContext = Pick<LocalServiceContext, 'cacheDir'>;

/** Folder holding one release's jars and shared config. */
function kafkaHome(ctx: CacheContext, version: string): string {
  return join(ctx.cacheDir, `kafka-${version}`);
}

function libDir(ctx: CacheContext, version: string): string {
  return join(kafkaHome(ctx, version), 'lib');
}

function markerFile(ctx: CacheContext, version: string): string {
  return join(kafkaHome(ctx, version), 'prepared.json');
}

function toolsLog4jFile(ctx: CacheContext, version: string): string {
  return join(kafkaHome(ctx, version), 'tools-log4j2.properties');
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
async function checkJava(version: string): Promise<void> {
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
      `${java} is Java ${major || 'unknown'} ("${versionText.split('\n')[0] ?? ''}"): Kafka ${version} needs ` +
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

async function isPrepared(ctx: LocalServiceContext, version: string, digest: string): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(markerFile(ctx, version), 'utf8')) as PreparedMarker;
    return marker.version === version && marker.pomSha256 === digest && existsSync(libDir(ctx, version));
  } catch {
    return false;
  }
}

/** Resolves the broker and tool jars with Maven into a temporary folder, then moves it into place. */
async function resolveJars(ctx: LocalServiceContext, version: string): Promise<void> {
  const home = kafkaHome(ctx, version);
  const staging = join(home, `lib.partial-${process.pid}`);
  await mkdir(home, { recursive: true });
  await rm(staging, { recursive: true, force: true });
  const args = [
    '-B',
    '-q',
    '-f',
    POM_PATH,
    'dependency:copy-dependencies',
    `-Dkafka.version=${version}`,
    '-DincludeScope=runtime',
    `-DoutputDirectory=${staging}`,
  ];
  const started = Date.now();
  ctx.log.info({ version, dir: home }, 'resolving Kafka jars from Maven Central');
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
      `mvn could not resolve org.apache.kafka:kafka_2.13:${version} (pom ${POM_PATH}): ` +
        `${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`.trim(),
    );
  }
  await dropSecondLoggingBinding(staging);
  await rm(libDir(ctx, version), { recursive: true, force: true });
  await rename(staging, libDir(ctx, version));
  ctx.log.info({ version, ms: Date.now() - started }, 'Kafka jars resolved');
}

/**
 * 3.x's kafka-tools bring slf4j's reload4j binding (and reload4j) besides the log4j2 binding the pom adds: with two
 * bindings slf4j picks one at random. Dropping them makes both releases log through log4j2 (log4jConfig).
 */
async function dropSecondLoggingBinding(lib: string): Promise<void> {
  for (const name of await readdir(lib)) {
    if (/^(slf4j-reload4j|reload4j)-[\d.]+\.jar$/.test(name)) await rm(join(lib, name));
  }
}

/**
 * Makes the jars of Kafka `version` available under `${cacheDir}/kafka-<version>/lib`, resolving them with Maven the
 * first time. Idempotent: a marker (version + pom digest) skips the work on later calls. Checks for Java 17+ every time.
 */
export async function prepareKafka(ctx: LocalServiceContext, version: string = KAFKA_VERSION): Promise<void> {
  await checkJava(version);
  const digest = await pomDigest();
  if (!(await isPrepared(ctx, version, digest))) {
    await resolveJars(ctx, version);
    const marker: PreparedMarker = { version, pomSha256: digest };
    await writeFile(markerFile(ctx, version), `${JSON.stringify(marker, null, 2)}\n`);
  }
  await writeFile(toolsLog4jFile(ctx, version), log4jConfig({ file: undefined, consoleLevel: 'warn' }));
}

/**
 * The command that runs one of Kafka's CLI tools (e.g. {@link KAFKA_TOOLS}.transactions) of Kafka `version` from the
 * same jars as that broker, its own logging at WARN on stderr. A tool 3.x ships under another class name is mapped
 * ({@link kafkaToolClass}). Call after {@link prepareKafka} of that version.
 * @example
 * kafkaToolCommand(ctx, KAFKA_TOOLS.transactions, ['--bootstrap-server', broker, 'find-hanging', '--broker-id', '1'])
 */
export function kafkaToolCommand(
  ctx: CacheContext,
  mainClass: string,
  args: readonly string[],
  version: string = KAFKA_VERSION,
): { command: string; args: string[] } {
  return {
    command: javaCommand(),
    args: [
      ...TOOL_JVM_OPTS,
      `-Dlog4j2.configurationFile=${toolsLog4jFile(ctx, version)}`,
      '-cp',
      join(libDir(ctx, version), '*'),
      kafkaToolClass(mainClass, version),
      ...args,
    ],
  };
}

/** A random cluster id in Kafka's format (16 random bytes, URL-safe base64 without padding). */
function newClusterId(): string {
  // Like Kafka's own Uuid.randomUuid, never one starting with '-': the storage tool would read it as an option.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
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

/** One local node's files: its config, its log4j2 config, and the JVM arguments both the format and the node use. */
interface KafkaNodeFiles {
  readonly version: string;
  readonly broker: string;
  readonly propertiesFile: string;
  readonly jvmArgs: readonly string[];
}

/** Writes `server.properties` and the log4j2 config under `ctx.runDir` for a node on the given ports. */
async function writeNodeFiles(ctx: LocalServiceContext, version: string): Promise<KafkaNodeFiles> {
  const [brokerPort, controllerPort] = await twoFreePorts();
  const dataDir = join(ctx.runDir, 'kafka-data');
  const propertiesFile = join(ctx.runDir, 'server.properties');
  const log4jFile = join(ctx.runDir, 'kafka-log4j2.properties');
  await mkdir(dataDir, { recursive: true });
  await writeFile(propertiesFile, serverProperties({ version, brokerPort, controllerPort, dataDir }));
  await writeFile(log4jFile, log4jConfig({ file: join(ctx.runDir, 'kafka-server.log'), consoleLevel: 'warn' }));
  const jvmArgs = [
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dkafka.logs.dir=${ctx.runDir}`,
    '-Djava.awt.headless=true',
    '-cp',
    join(libDir(ctx, version), '*'),
  ];
  return { version, broker: `127.0.0.1:${brokerPort}`, propertiesFile, jvmArgs };
}

/**
 * Formats the node's log dir with a fresh cluster id. `format --cluster-id <id> --config <file>` is the same in 3.9
 * and 4.x for a static quorum (`controller.quorum.voters`); 3.9's `--standalone` is for dynamic quorums only.
 */
async function formatStorage(node: KafkaNodeFiles): Promise<void> {
  const args = ['kafka.tools.StorageTool', 'format', '--cluster-id', newClusterId(), '--config', node.propertiesFile];
  try {
    await execFileAsync(javaCommand(), [...TOOL_JVM_OPTS, ...node.jvmArgs, ...args], {
      timeout: 60_000,
      maxBuffer: 4 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`kafka storage format failed: ${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`.trim());
  }
}

/**
 * Spawns the node's JVM (console output appended to `runDir/kafka.out`). A relaunch after a kill reuses the formatted
 * data dir and the ports in server.properties.
 */
function spawnNode(ctx: LocalServiceContext, node: KafkaNodeFiles): ServiceProcess {
  return spawnService({
    command: javaCommand(),
    args: [...BROKER_HEAP, '-XX:+ExitOnOutOfMemoryError', ...node.jvmArgs, 'kafka.Kafka', node.propertiesFile],
    logFile: join(ctx.runDir, 'kafka.out'),
    cwd: ctx.runDir,
  });
}

/**
 * Starts a single-node KRaft Kafka `version` (broker+controller in one JVM) on free ports under `ctx.runDir`: writes
 * `server.properties` and a log4j2 config (server log in `runDir/kafka-server.log`, console output in
 * `runDir/kafka.out`), formats the data dir, starts the JVM and waits until a kafkajs admin sees the broker. The
 * broker can be killed and started again (`faults`, see restartable-process.ts).
 */
export async function startKafka(
  ctx: LocalServiceContext,
  version: string = KAFKA_VERSION,
): Promise<StartedLocalService<KafkaService>> {
  await prepareKafka(ctx, version);
  const node = await writeNodeFiles(ctx, version);
  const formatStarted = Date.now();
  await formatStorage(node);
  const jvmStarted = Date.now();
  const name = `kafka ${version}`;
  const ready = (): Promise<boolean> => kafkaAnswers(node.broker);
  const service = spawnNode(ctx, node);
  try {
    await waitUntilReady(name, service, ready, START_TIMEOUT_MS);
  } catch (error) {
    await service.stop(2_000);
    throw error;
  }
  ctx.log.info(
    { broker: node.broker, version, pid: service.pid, formatMs: jvmStarted - formatStarted, startMs: Date.now() - jvmStarted },
    'kafka ready',
  );
  const brokerProcess = restartableProcess(service, {
    name,
    relaunch: () => spawnNode(ctx, node),
    ready,
    readyTimeoutMs: START_TIMEOUT_MS,
    stopProcess: (proc) => proc.stop(STOP_GRACE_MS),
  });
  return {
    info: { brokers: [node.broker], version },
    pids: brokerProcess.pids,
    faults: { kill: brokerProcess.kill, start: brokerProcess.start },
    stop: brokerProcess.stop,
  };
}
