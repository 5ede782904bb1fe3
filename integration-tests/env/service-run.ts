import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { cacheDir, chooseProvider, requestedServices } from './choose-provider';
import type { ProviderContext, RunningServices, ServiceName, ServiceProvider } from './service-provider';

/** A started set of services plus the scratch folder holding their logs and data. */
export interface ServiceRun {
  readonly provider: ServiceProvider;
  readonly names: readonly ServiceName[];
  readonly runDir: string;
  readonly running: RunningServices;
  /** Stops every service and removes the run folder. Idempotent. */
  stop(): Promise<void>;
}

/** Creates a provider context writing its log to `<runDir>/supervisor.log` and progress lines to `progress`. */
export function providerContext(runDir: string, progress: (line: string) => void): ProviderContext {
  const log: Logger = pino({ level: process.env.LOCKSTEP_LOG_LEVEL ?? 'info' }, pino.destination({
    dest: join(runDir, 'supervisor.log'),
    sync: true,
  }));
  return { cacheDir: cacheDir(), runDir, log, progress };
}

/**
 * Chooses the provider, starts the requested services in a fresh run folder, and returns a handle to stop them.
 * On failure the run folder is kept and the error carries the tail of every log in it.
 */
export async function startServiceRun(progress: (line: string) => void): Promise<ServiceRun> {
  const provider = await chooseProvider();
  const names = requestedServices();
  const runDir = await mkdtemp(join(tmpdir(), 'lockstep-services-'));
  // Services that refuse root (postgres, elasticsearch) run as another user and must reach their data dirs here.
  await chmod(runDir, 0o755);
  const context = providerContext(runDir, progress);
  progress(`provider ${provider.name}: starting ${names.join(', ')} (logs in ${runDir})`);
  let running: RunningServices;
  try {
    running = await provider.start(names, context);
  } catch (error) {
    const tails = await logTails(runDir);
    throw new Error(`${error instanceof Error ? error.message : String(error)}${tails}`, { cause: error });
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= running.stop().finally(() => rm(runDir, { recursive: true, force: true }));
    return stopping;
  };
  return { provider, names, runDir, running, stop };
}

/** The last lines of every `*.log` under `dir`, so a failed start in CI explains itself without the files. */
export async function logTails(dir: string, lines = 25): Promise<string> {
  const files = await listLogs(dir);
  const parts = await Promise.all(
    files.map(async (file) => {
      const text = await readFile(file, 'utf8').catch(() => '');
      const tail = text.trimEnd().split('\n').slice(-lines).join('\n    ');
      return tail === '' ? '' : `\n  --- last lines of ${file} ---\n    ${tail}`;
    }),
  );
  return parts.join('');
}

async function listLogs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.log'))
    .map((entry) => join(entry.parentPath, entry.name));
}
