import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { PostgresService } from '../test-services';
import { freePort } from './free-port';
import type { LocalServiceContext, StartedLocalService } from './local-service';
import { canReach, makeOwnedDir, runAsFor, runCommandAs, spawnIdentity, type RunAs } from './run-as';
import { restartableProcess, type RestartableProcess } from './restartable-process';
import { spawnService, waitUntilReady, type ServiceProcess } from './service-process';

const execFileAsync = promisify(execFile);

/** Environment variable naming a folder that holds `initdb` and `postgres` (overrides the search). */
export const PG_BIN_ENV_VAR = 'LOCKSTEP_PG_BIN';
/** The OS user that runs PostgreSQL when the tests run as root (initdb and postgres refuse root). */
const PG_OS_USER = 'postgres';
/** Debian/Ubuntu layout: one folder per major version. */
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';
const READY_TIMEOUT_MS = 60_000;
const START_ATTEMPTS = 3;
/** Unix socket paths are limited to 107 bytes (sun_path); longer socket dirs are replaced by TCP only. */
const MAX_SOCKET_PATH = 100;

/**
 * Server settings every test cluster gets. They go on the `postgres` command line, so the cached template never needs
 * editing and a settings change takes effect on the next start.
 * - `max_prepared_transactions`: the Postgres sink commits through two-phase commit (`PREPARE TRANSACTION`).
 * - `wal_level=logical` and slots/senders: the CDC source reads a logical replication slot (pgoutput).
 * - `fsync=off`, `full_page_writes=off`: the cluster is thrown away after the run and never survives an OS crash,
 *   so durability against power loss buys nothing; turning it off makes commits and checkpoints much cheaper.
 *   Crash-recovery tests that kill the *postgres process* still behave correctly: WAL is written to the OS page
 *   cache on every commit, fsync only matters when the machine itself goes down.
 */
const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '127.0.0.1',
  max_connections: '200',
  max_prepared_transactions: '64',
  wal_level: 'logical',
  max_replication_slots: '16',
  max_wal_senders: '16',
  fsync: 'off',
  full_page_writes: 'off',
};

/** Where PostgreSQL's server binaries live and which major version they are. */
export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly postgres: string;
  /** e.g. `15`. */
  readonly major: string;
  /** e.g. `15.20`. */
  readonly version: string;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function binariesIn(binDir: string): Promise<PostgresBinaries | undefined> {
  const initdb = join(binDir, 'initdb');
  const postgres = join(binDir, 'postgres');
  if (!(await isExecutable(initdb)) || !(await isExecutable(postgres))) return undefined;
  // `postgres --version` is answered before the server's refuse-root check.
  const { stdout } = await execFileAsync(postgres, ['--version']);
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`unexpected output of ${postgres} --version: ${stdout.trim()}`);
  const version = match[2] === undefined ? match[1] : `${match[1]}.${match[2]}`;
  return { binDir, initdb, postgres, major: match[1], version };
}

/**
 * Finds `initdb` and `postgres`: `$LOCKSTEP_PG_BIN` when set, otherwise the newest `/usr/lib/postgresql/<major>/bin`,
 * otherwise `pg_config --bindir` (Fedora, Homebrew). Throws an error that says how to fix a missing installation.
 */
export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const override = process.env[PG_BIN_ENV_VAR];
  if (override !== undefined && override !== '') {
    const found = await binariesIn(override);
    if (found === undefined) {
      throw new Error(
        `${PG_BIN_ENV_VAR}=${override} does not contain executable initdb and postgres binaries ` +
          `(unset it to search ${DEBIAN_PG_ROOT}/*/bin)`,
      );
    }
    return found;
  }
  const majors = await readdir(DEBIAN_PG_ROOT).catch(() => [] as string[]);
  const candidates = majors
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => join(DEBIAN_PG_ROOT, major, 'bin'));
  for (const binDir of candidates) {
    const found = await binariesIn(binDir);
    if (found !== undefined) return found;
  }
  const pgConfigDir = await execFileAsync('pg_config', ['--bindir']).then(
    (result) => result.stdout.trim(),
    () => '',
  );
  const fromPgConfig = pgConfigDir === '' ? undefined : await binariesIn(pgConfigDir);
  if (fromPgConfig !== undefined) return fromPgConfig;
  throw new Error(
    `PostgreSQL server binaries not found (looked in ${DEBIAN_PG_ROOT}/*/bin and pg_config --bindir): ` +
      `install postgresql (apt-get install postgresql) or set ${PG_BIN_ENV_VAR}; ` +
      'or set LOCKSTEP_TEST_SERVICES=testcontainers',
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function isInside(dir: string, parent: string): boolean {
  const rel = relative(parent, dir);
  return rel !== '' && !rel.startsWith('..');
}

/** `cp -a`: keeps modes (PostgreSQL insists on a 0700/0750 data dir) and, when root, the owner. */
async function copyTree(from: string, to: string): Promise<void> {
  await execFileAsync('cp', ['-a', from, to]);
}

interface Template {
  readonly bin: PostgresBinaries;
  readonly runAs: RunAs;
  readonly dir: string;
}

/**
 * Creates (once per major version) a pristine, never-started data dir at `<cacheDir>/postgres-<major>/template`.
 * initdb runs as the `postgres` OS user when we are root. That user usually cannot enter `/root`, so initdb then runs
 * in a staging folder under the system temp dir and the result is copied into the cache by us (root keeps its owner).
 * Publication is an atomic rename, so concurrent runs never see a half-written template.
 */
async function ensureTemplate(ctx: LocalServiceContext): Promise<Template> {
  const bin = await findPostgresBinaries();
  const runAs = await runAsFor(PG_OS_USER);
  const parent = join(ctx.cacheDir, `postgres-${bin.major}`);
  const dir = join(parent, 'template');
  if (await exists(join(dir, 'PG_VERSION'))) return { bin, runAs, dir };

  const started = Date.now();
  await mkdir(parent, { recursive: true });
  const stageInCache = await canReach(runAs, parent);
  const staging = await mkdtemp(join(stageInCache ? parent : tmpdir(), 'lockstep-initdb-'));
  try {
    await makeOwnedDir(runAs, staging);
    const dataDir = join(staging, 'data');
    await runCommandAs(
      runAs,
      bin.initdb,
      ['-D', dataDir, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-locale', '--no-sync'],
      { cwd: staging, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } },
    );
    let ready = dataDir;
    if (!isInside(staging, parent)) {
      ready = join(parent, `${staging.split('/').pop() ?? 'initdb'}.partial`);
      await copyTree(dataDir, ready);
    }
    try {
      await rename(ready, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another run published the template first: use theirs.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      await rm(ready, { recursive: true, force: true });
    }
    ctx.log.info({ template: dir, ms: Date.now() - started, version: bin.version }, 'postgres template created');
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { bin, runAs, dir };
}

/**
 * Prepares the local PostgreSQL provider: finds the server binaries and creates the cached template data dir (initdb,
 * trust auth, UTF8, superuser `postgres`). Cheap when the template already exists.
 */
export async function preparePostgres(ctx: LocalServiceContext): Promise<void> {
  await ensureTemplate(ctx);
}

/**
 * Picks the folder for this cluster's data dir and socket: `<runDir>/postgres` when the postgres OS user can reach it,
 * otherwise a private folder under the system temp dir (removed on stop). Returns it and whether it is such a fallback.
 */
async function clusterRoot(ctx: LocalServiceContext, runAs: RunAs): Promise<{ root: string; fallback: boolean }> {
  const inRunDir = join(ctx.runDir, 'postgres');
  if (await canReach(runAs, ctx.runDir)) {
    await makeOwnedDir(runAs, inRunDir);
    return { root: inRunDir, fallback: false };
  }
  const root = await mkdtemp(join(tmpdir(), 'lockstep-pg-'));
  await makeOwnedDir(runAs, root);
  ctx.log.debug({ root, runDir: ctx.runDir }, `runDir not reachable by OS user ${runAs.user}; data dir under temp`);
  return { root, fallback: true };
}

/** Copies the template into `dataDir`, making sure the service user owns every file. */
async function copyTemplate(template: Template, dataDir: string): Promise<void> {
  await copyTree(template.dir, dataDir);
  const { uid, gid } = template.runAs;
  if (uid !== undefined && gid !== undefined && (await stat(dataDir)).uid !== uid) {
    await execFileAsync('chown', ['-R', `${uid}:${gid}`, dataDir]);
  }
}

async function probe(url: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version.split(' ')[0];
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function logMentionsPortClash(logFile: string): Promise<boolean> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return /could not bind|Address already in use/i.test(text);
}

/**
 * Starts a private PostgreSQL cluster for this run: copies the cached template into a fresh data dir (warm start, no
 * initdb), then runs `postgres -D <dir>` directly as our child in its own process group — not `pg_ctl`, which
 * daemonizes, so we could not guarantee that no server outlives the run. Listens on 127.0.0.1 on a free port with the
 * settings in SERVER_SETTINGS; the unix socket goes next to the data dir. Resolves once a `pg` client can connect.
 */
export async function startPostgres(ctx: LocalServiceContext): Promise<StartedLocalService<PostgresService>> {
  const template = await ensureTemplate(ctx);
  const { runAs, bin } = template;
  const { root, fallback } = await clusterRoot(ctx, runAs);
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  const started = Date.now();
  try {
    await copyTemplate(template, dataDir);
    await makeOwnedDir(runAs, socketDir);
  } catch (error) {
    if (fallback) await rm(root, { recursive: true, force: true });
    throw error;
  }

  await mkdir(ctx.runDir, { recursive: true });
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const logFile = join(ctx.runDir, `postgres-${attempt}.log`);
    const launch = postgresLauncher(template, root, port);
    const proc = launch(logFile);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    let version: string | undefined;
    try {
      await waitUntilReady(
        'postgres',
        proc,
        async () => {
          version = await probe(url);
          return version !== undefined;
        },
        READY_TIMEOUT_MS,
      );
    } catch (error) {
      await shutdown(proc);
      if (attempt < START_ATTEMPTS && (await logMentionsPortClash(logFile))) {
        ctx.log.warn({ port, attempt }, 'postgres port was taken; retrying on another port');
        await rm(join(dataDir, 'postmaster.pid'), { force: true });
        continue;
      }
      if (fallback) await rm(root, { recursive: true, force: true });
      throw error;
    }
    ctx.log.info({ url, pid: proc.pid, dataDir, ms: Date.now() - started, asUser: runAs.user }, 'postgres started');
    const restartable = restartableProcess(proc, {
      name: 'postgres',
      relaunch: (launchNumber) => launch(join(ctx.runDir, `postgres-${attempt}-restart-${launchNumber}.log`)),
      ready: async () => (await probe(url)) !== undefined,
      readyTimeoutMs: READY_TIMEOUT_MS,
      stopProcess: (stopped) => shutdown(stopped),
    });
    return startedService(restartable, { url, version: version ?? bin.version }, fallback ? root : undefined);
  }
}

/**
 * Spawns `postgres` for the cluster under `root` (data dir `root/data`, socket in `root/socket`) on `port`, its output
 * in the given log file. A relaunch after a kill uses the same port and data dir: crash recovery replays the WAL.
 */
function postgresLauncher(template: Template, root: string, port: number): (logFile: string) => ServiceProcess {
  const socketDir = join(root, 'socket');
  const useSocket = join(socketDir, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH;
  const settings = Object.entries(SERVER_SETTINGS).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  return (logFile) =>
    spawnService({
      command: template.bin.postgres,
      args: ['-D', join(root, 'data'), '-p', String(port), '-k', useSocket ? socketDir : '', ...settings],
      logFile,
      cwd: root,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      ...spawnIdentity(template.runAs),
    });
}

/** Fast shutdown (SIGINT: abort sessions, checkpoint, exit), then SIGTERM and SIGKILL for the whole process group. */
async function shutdown(proc: ServiceProcess, graceMs = 10_000): Promise<void> {
  if (proc.isRunning()) {
    try {
      process.kill(proc.pid, 'SIGINT');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    await Promise.race([proc.exited, sleep(graceMs)]);
  }
  await proc.stop(2_000);
}

function startedService(
  proc: RestartableProcess,
  info: PostgresService,
  removeOnStop: string | undefined,
): StartedLocalService<PostgresService> {
  let stopping: Promise<void> | undefined;
  return {
    info,
    pids: proc.pids,
    faults: { kill: proc.kill, start: proc.start },
    stop: () => {
      stopping ??= (async () => {
        await proc.stop();
        if (removeOnStop !== undefined) await rm(removeOnStop, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

