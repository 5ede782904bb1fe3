import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { kinesisClient } from '../kinesis-client';
import type { KinesisService } from '../test-services';
import { freePort } from './free-port';
import type { LocalServiceContext, StartedLocalService } from './local-service';
import { spawnService, waitUntilReady } from './service-process';

/** The npm package that carries kinesis-mock as a single Node script (`main.js`) plus its TLS cert (`server.json`). */
const PACKAGE = 'kinesis-local';
const REGION = 'us-east-1';
const READY_TIMEOUT_MS = 60_000;
const START_ATTEMPTS = 3;

/**
 * kinesis-mock settings (see its README, "Service Configuration"). Stream state changes (CREATING → ACTIVE etc.) are
 * made instant instead of the default 500 ms so tests do not wait; shard and on-demand limits are raised because all
 * suites of a run share one emulator; nothing is persisted; the mock's own logging is kept to warnings (the log file
 * is in the run folder). The mock has no `UPDATE_STREAM_DURATION`; the `*_DURATION` variables below are all it reads.
 */
const MOCK_SETTINGS: Readonly<Record<string, string>> = {
  CREATE_STREAM_DURATION: '0ms',
  DELETE_STREAM_DURATION: '0ms',
  REGISTER_STREAM_CONSUMER_DURATION: '0ms',
  DEREGISTER_STREAM_CONSUMER_DURATION: '0ms',
  START_STREAM_ENCRYPTION_DURATION: '0ms',
  STOP_STREAM_ENCRYPTION_DURATION: '0ms',
  MERGE_SHARDS_DURATION: '0ms',
  SPLIT_SHARD_DURATION: '0ms',
  UPDATE_SHARD_COUNT_DURATION: '0ms',
  UPDATE_STREAM_MODE_DURATION: '0ms',
  SHARD_LIMIT: '1000',
  ON_DEMAND_STREAM_COUNT_LIMIT: '100',
  SHOULD_PERSIST_DATA: 'false',
  LOAD_DATA_IF_EXISTS: 'false',
  AWS_REGION: REGION,
  LOG_LEVEL: 'WARN',
  ROOT_LOG_LEVEL: 'ERROR',
};

/** Static credentials to sign with; kinesis-mock accepts any (a non-12-digit key id means its default account). */
const CREDENTIALS = { accessKeyId: 'lockstep', secretAccessKey: 'lockstep' } as const;

/** The folder of the installed `kinesis-local` package (it holds `main.js` and `server.json`). */
async function mockPackageDir(): Promise<string> {
  let packageJson: string;
  try {
    packageJson = require.resolve(`${PACKAGE}/package.json`);
  } catch {
    throw new Error(
      `the npm package ${PACKAGE} (kinesis-mock) is not installed: run npm install in the repository ` +
        '(it is a devDependency); or set LOCKSTEP_TEST_SERVICES=testcontainers',
    );
  }
  const dir = dirname(packageJson);
  for (const file of ['main.js', 'server.json']) {
    await access(join(dir, file)).catch(() => {
      throw new Error(`${PACKAGE} at ${dir} lacks ${file}; reinstall it (npm install ${PACKAGE})`);
    });
  }
  return dir;
}

/** Prepares the local Kinesis provider: checks that kinesis-mock (npm `kinesis-local`) is installed. No download. */
export async function prepareKinesis(ctx: LocalServiceContext): Promise<void> {
  const dir = await mockPackageDir();
  ctx.log.debug({ dir }, 'kinesis-mock found');
}

async function probe(service: KinesisService): Promise<boolean> {
  const client = kinesisClient(service, { maxAttempts: 1 });
  try {
    await client.send(new ListStreamsCommand({}));
    return true;
  } finally {
    client.destroy();
  }
}

/**
 * Starts kinesis-mock: `node main.js` with this process's Node binary, from inside the package folder (the mock reads
 * its TLS certificate `server.json` from the working directory), as a child in its own process group. Plain HTTP goes
 * to a free port; the TLS listener cannot be switched off, so it gets another free port on which nobody talks.
 * Resolves once a ListStreams call over HTTP/1.1 succeeds.
 */
export async function startKinesis(ctx: LocalServiceContext): Promise<StartedLocalService<KinesisService>> {
  const dir = await mockPackageDir();
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    const plainPort = await freePort();
    let tlsPort = await freePort();
    while (tlsPort === plainPort) tlsPort = await freePort();
    const logFile = join(ctx.runDir, `kinesis-mock-${attempt}.log`);
    const proc = spawnService({
      command: process.execPath,
      // The extra argument is ignored by kinesis-mock; it marks the process as ours for leftover checks (`ps`).
      args: ['main.js', `--lockstep-run=${ctx.runDir}`],
      cwd: dir,
      logFile,
      env: {
        ...process.env,
        ...MOCK_SETTINGS,
        KINESIS_MOCK_PLAIN_PORT: String(plainPort),
        KINESIS_MOCK_TLS_PORT: String(tlsPort),
      },
    });
    const endpoint = `http://127.0.0.1:${plainPort}`;
    const info: KinesisService = { endpoint, region: REGION, credentials: CREDENTIALS };
    try {
      await waitUntilReady('kinesis-mock', proc, () => probe(info), READY_TIMEOUT_MS);
    } catch (error) {
      await proc.stop(2_000);
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt < START_ATTEMPTS && /EADDRINUSE|address already in use/i.test(log)) {
        ctx.log.warn({ plainPort, tlsPort, attempt }, 'kinesis-mock port was taken; retrying on other ports');
        continue;
      }
      throw error;
    }
    ctx.log.info({ endpoint: info.endpoint, pid: proc.pid, ms: Date.now() - started }, 'kinesis-mock started');
    let stopping: Promise<void> | undefined;
    let stopped = false;
    return {
      info,
      pids: () => (stopped ? [] : [proc.pid]),
      stop: () => {
        // An in-memory emulator: nothing to flush, so SIGTERM (then SIGKILL) for the group is the whole shutdown.
        stopping ??= proc.stop(5_000).then(() => {
          stopped = true;
        });
        return stopping;
      },
    };
  }
}
