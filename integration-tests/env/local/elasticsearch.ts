import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { ElasticsearchService } from '../test-services';
import { freePort } from './free-port';
import type { LocalServiceContext, StartedLocalService } from './local-service';
import { spawnService, waitUntilReady } from './service-process';

/**
 * The Elasticsearch release the local provider runs. It must be one for which Elastic published
 * `org.elasticsearch.plugin:transport-netty4` to Maven Central (not every release has it), and the testcontainers
 * provider should pin the same image tag so both providers test the same server.
 */
export const ELASTICSEARCH_VERSION = '8.19.21';

/** Sources of the launcher and its pom, kept beside this file. */
const SOURCE_DIR = join(__dirname, 'elasticsearch');
const LAUNCHER_SOURCE = 'ElasticsearchLauncher.java';
const ROOT_PLUGIN_SOURCE = 'RootEndpointPlugin.java';
const FALLBACK_HINT = 'or set LOCKSTEP_TEST_SERVICES=testcontainers (needs Docker)';
const MIN_JAVA = 17;
const READY_TIMEOUT_MS = 120_000;

/** Where prepared files live: `lib/` (server jars), `modules/` (netty4 and our root endpoint), `launcher/`. */
function homeDir(ctx: LocalServiceContext): string {
  return join(ctx.cacheDir, `elasticsearch-${ELASTICSEARCH_VERSION}`);
}

interface Jdk {
  readonly java: string;
  readonly javac: string;
  readonly jar: string;
  readonly major: number;
}

interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool to completion; a missing executable is reported as `ENOENT` on the error. */
function run(command: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function failure(what: string, error: unknown): Error {
  const detail = error as { message?: string; stdout?: string; stderr?: string };
  const output = `${detail.stdout ?? ''}\n${detail.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
  return new Error(`${what} failed: ${detail.message ?? String(error)}${output ? `\n${output}` : ''}`);
}

/**
 * Finds the JDK: `$JAVA_HOME/bin` when JAVA_HOME is set, else `java`, `javac`, `jar` from PATH. Elasticsearch 8 runs
 * on Java 17 or newer; javac and jar (checked when first needed) build the launcher at setup.
 */
async function findJdk(): Promise<Jdk> {
  const javaHome = process.env.JAVA_HOME;
  const tool = (name: string): string => (javaHome ? join(javaHome, 'bin', name) : name);
  const where = javaHome ? `in JAVA_HOME (${javaHome}/bin)` : 'on PATH';
  let versionText: string;
  try {
    versionText = (await run(tool('java'), ['-version'])).stderr;
  } catch (error) {
    if (isMissing(error)) {
      throw new Error(`java not found ${where}: the local provider needs Java ${MIN_JAVA}+ for Elasticsearch; ${FALLBACK_HINT}`);
    }
    throw failure(`${tool('java')} -version`, error);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionText);
  const first = Number(match?.[1] ?? 0);
  const major = first === 1 ? Number(match?.[2] ?? 0) : first;
  if (major < MIN_JAVA) {
    throw new Error(
      `java ${where} is version ${major || 'unknown'} (${versionText.split('\n')[0] ?? ''}): the local provider needs ` +
        `Java ${MIN_JAVA}+ for Elasticsearch (set JAVA_HOME to a newer JDK); ${FALLBACK_HINT}`,
    );
  }
  return { java: tool('java'), javac: tool('javac'), jar: tool('jar'), major };
}

async function readMarker(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
}

/** Writes a module's `plugin-descriptor.properties`: the fields Elasticsearch's PluginDescriptor requires. */
function descriptor(name: string, description: string, classname: string): string {
  return [
    `name=${name}`,
    `description=${description}`,
    `version=${ELASTICSEARCH_VERSION}`,
    `classname=${classname}`,
    `java.version=${MIN_JAVA}`,
    `elasticsearch.version=${ELASTICSEARCH_VERSION}`,
    '',
  ].join('\n');
}

/**
 * Resolves the server jars with Maven (into `~/.m2` as usual, then copied) and lays them out like a distribution:
 * `lib/` for the server (the launcher's classpath) and `modules/transport-netty4/` for the HTTP module.
 */
async function prepareJars(ctx: LocalServiceContext, home: string): Promise<void> {
  const pom = join(SOURCE_DIR, 'pom.xml');
  const stamp = `${ELASTICSEARCH_VERSION} ${createHash('sha256').update(await readFile(pom)).digest('hex')}`;
  const marker = join(home, 'jars.done');
  if ((await readMarker(marker)) === stamp) return;

  const staging = join(home, `.staging-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  const started = Date.now();
  ctx.log.info({ version: ELASTICSEARCH_VERSION }, 'resolving Elasticsearch jars from Maven Central');
  const mvnArgs = ['-q', '-B', '-f', pom, 'dependency:copy-dependencies'];
  mvnArgs.push(`-DoutputDirectory=${join(staging, 'all')}`, `-Delasticsearch.version=${ELASTICSEARCH_VERSION}`);
  try {
    await run('mvn', mvnArgs);
  } catch (error) {
    if (isMissing(error)) {
      throw new Error(
        'mvn not found on PATH: the local provider resolves the Elasticsearch server jars from Maven Central with ' +
          `Maven (Debian: apt-get install maven); ${FALLBACK_HINT}`,
      );
    }
    throw failure(`resolving org.elasticsearch:elasticsearch:${ELASTICSEARCH_VERSION} with mvn`, error);
  }

  // The netty4 module (and only it) needs netty; the server itself does not depend on io.netty.
  const lib = join(staging, 'lib');
  const netty = join(staging, 'modules', 'transport-netty4');
  await mkdir(lib, { recursive: true });
  await mkdir(netty, { recursive: true });
  for (const file of await readdir(join(staging, 'all'))) {
    const isNetty = file.startsWith('transport-netty4-') || file.startsWith('netty-');
    await rename(join(staging, 'all', file), join(isNetty ? netty : lib, file));
  }
  // No `modulename=`: the module is loaded with a plain class loader, since the server runs on the classpath here.
  const nettyPlugin = 'org.elasticsearch.transport.netty4.Netty4Plugin';
  await writeFile(join(netty, 'plugin-descriptor.properties'), descriptor('transport-netty4', 'Netty 4 HTTP', nettyPlugin));

  await rm(join(home, 'lib'), { recursive: true, force: true });
  await rm(join(home, 'modules', 'transport-netty4'), { recursive: true, force: true });
  await mkdir(join(home, 'modules'), { recursive: true });
  await rename(lib, join(home, 'lib'));
  await rename(netty, join(home, 'modules', 'transport-netty4'));
  await rm(staging, { recursive: true, force: true });
  await writeFile(marker, `${stamp}\n`);
  ctx.log.info({ ms: Date.now() - started, home }, 'Elasticsearch jars ready');
}

/**
 * Compiles the launcher into `launcher/` and the root-endpoint plugin into `modules/lockstep-root/` (a module must be
 * a jar of its own: Elasticsearch refuses a plugin class that its module class loader did not load itself).
 */
async function prepareLauncher(ctx: LocalServiceContext, home: string, jdk: Jdk): Promise<void> {
  const hash = createHash('sha256').update(`${ELASTICSEARCH_VERSION} java${jdk.major}`);
  for (const source of [LAUNCHER_SOURCE, ROOT_PLUGIN_SOURCE]) hash.update(await readFile(join(SOURCE_DIR, source)));
  const stamp = hash.digest('hex');
  const marker = join(home, 'launcher.done');
  if ((await readMarker(marker)) === stamp && existsSync(join(home, 'launcher', 'ElasticsearchLauncher.class'))) return;

  ctx.log.info({ home }, 'compiling the Elasticsearch launcher');
  const staging = join(home, `.launcher-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  const classpath = join(home, 'lib', '*');
  const javacArgs = ['-nowarn', '--release', String(MIN_JAVA), '-cp', classpath];
  try {
    await run(jdk.javac, [...javacArgs, '-d', join(staging, 'launcher'), join(SOURCE_DIR, LAUNCHER_SOURCE)]);
    await run(jdk.javac, [...javacArgs, '-d', join(staging, 'root-classes'), join(SOURCE_DIR, ROOT_PLUGIN_SOURCE)]);
    const rootModule = join(staging, 'lockstep-root');
    await mkdir(rootModule, { recursive: true });
    await run(jdk.jar, ['cf', join(rootModule, 'lockstep-root.jar'), '-C', join(staging, 'root-classes'), '.']);
    const about = 'lockstep stand-in for the rest-root module (GET / and HEAD /)';
    await writeFile(join(rootModule, 'plugin-descriptor.properties'), descriptor('lockstep-root', about, 'RootEndpointPlugin'));
  } catch (error) {
    if (isMissing(error)) {
      throw new Error(
        `javac or jar not found (${jdk.javac}, ${jdk.jar}): the local provider compiles a small Elasticsearch ` +
          `launcher and needs a full JDK ${MIN_JAVA}+, not only a JRE (Debian: apt-get install ` +
          `openjdk-17-jdk-headless; or set JAVA_HOME); ${FALLBACK_HINT}`,
      );
    }
    throw failure('compiling the Elasticsearch launcher', error);
  }
  await rm(join(home, 'launcher'), { recursive: true, force: true });
  await rm(join(home, 'modules', 'lockstep-root'), { recursive: true, force: true });
  await rename(join(staging, 'launcher'), join(home, 'launcher'));
  await rename(join(staging, 'lockstep-root'), join(home, 'modules', 'lockstep-root'));
  await rm(staging, { recursive: true, force: true });
  await writeFile(marker, `${stamp}\n`);
}

/**
 * Makes `${cacheDir}/elasticsearch-<version>` ready to start: server jars resolved from Maven Central (skipped when
 * `jars.done` matches the version and pom) and the launcher compiled (skipped when `launcher.done` matches the hash of
 * its sources). Idempotent. Throws an error naming the missing tool (java 17+, javac/jar, mvn) when one is missing.
 */
export async function prepareElasticsearch(ctx: LocalServiceContext): Promise<void> {
  await prepare(ctx);
}

/** {@link prepareElasticsearch}, returning the JDK it checked so that start-up does not probe it twice. */
async function prepare(ctx: LocalServiceContext): Promise<Jdk> {
  const home = homeDir(ctx);
  const jdk = await findJdk();
  await mkdir(home, { recursive: true });
  await prepareJars(ctx, home);
  await prepareLauncher(ctx, home, jdk);
  return jdk;
}

/** True when `GET /` answers and the cluster is at least yellow (every primary shard assigned). */
async function isReady(url: string): Promise<boolean> {
  const root = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
  if (!root.ok) return false;
  const health = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
    signal: AbortSignal.timeout(3_000),
  });
  if (!health.ok) return false;
  const body = (await health.json()) as { status?: string };
  return body.status === 'green' || body.status === 'yellow';
}

/** The last lines of a log file, for error messages (CI shows the error, not always the file). */
async function logTail(file: string, lines = 25): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts a real single-node Elasticsearch on a free loopback port (security off: no x-pack), its data and log under
 * `ctx.runDir`, and waits until `GET /` answers and the cluster is yellow or green. `stop()` shuts the node down
 * (SIGTERM, clean close) and kills its process group if it lingers; the JVM also exits by itself if this process dies.
 */
export async function startElasticsearch(ctx: LocalServiceContext): Promise<StartedLocalService<ElasticsearchService>> {
  const jdk = await prepare(ctx);
  const home = homeDir(ctx);
  // Two tries: the free port may be taken by someone else between freePort() and the JVM binding it.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const workDir = join(ctx.runDir, `elasticsearch-${attempt}`);
    await mkdir(join(workDir, 'tmp'), { recursive: true });
    const logFile = join(ctx.runDir, `elasticsearch-${attempt}.log`);
    const started = Date.now();
    ctx.log.info({ url, logFile, java: jdk.java }, 'starting Elasticsearch');
    const service = spawnService({
      command: jdk.java,
      args: [
        '-Xms512m',
        '-Xmx1g', // Plenty for test indices; the machines have 24 GB but only 2 cores.
        '-XX:+UseG1GC',
        '-XX:-OmitStackTraceInFastThrow',
        '-Dfile.encoding=UTF-8',
        '-Djava.awt.headless=true',
        `-Djava.io.tmpdir=${join(workDir, 'tmp')}`,
        '-cp',
        [join(home, 'launcher'), join(home, 'lib', '*')].join(delimiter),
        'ElasticsearchLauncher',
        ...['--home', home, '--work-dir', workDir, '--http-port', String(port)],
        ...['--parent-pid', String(process.pid)],
      ],
      logFile,
    });
    try {
      await waitUntilReady('elasticsearch', service, () => isReady(url), READY_TIMEOUT_MS);
    } catch (error) {
      await service.stop();
      const tail = await logTail(logFile);
      if (attempt < 2 && tail.includes('BindException')) {
        ctx.log.warn({ port }, 'Elasticsearch port was taken; retrying on another port');
        continue;
      }
      throw new Error(`${(error as Error).message}\n--- last lines of ${logFile} ---\n${tail}`);
    }
    const root = (await (await fetch(`${url}/`)).json()) as { version?: { number?: string } };
    const version = root.version?.number ?? ELASTICSEARCH_VERSION;
    ctx.log.info({ url, version, ms: Date.now() - started }, 'Elasticsearch ready');
    let stopping: Promise<void> | undefined;
    return {
      info: { url, version },
      pids: () => (service.isRunning() ? [service.pid] : []),
      stop: () => (stopping ??= service.stop(20_000)),
    };
  }
}
