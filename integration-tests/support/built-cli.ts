import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

/** What a finished `lockstep` process printed and its exit code. */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * The CLI as `npm run build` makes it, in `folder` (not in the repository's dist/, which other runs may be rebuilding):
 * the compiled sources in `folder/dist`, the bin, package.json, and links to `config-schemas/` and `node_modules/` —
 * the layout of the installed package. Returns the bin's path. Takes a while (a full `tsc`): once per test file.
 */
export async function buildCli(folder: string): Promise<string> {
  await mkdir(join(folder, 'bin'), { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(folder, 'dist')], { cwd: ROOT });
  await copyFile(join(ROOT, 'bin', 'lockstep.js'), join(folder, 'bin', 'lockstep.js'));
  await copyFile(join(ROOT, 'package.json'), join(folder, 'package.json'));
  await symlink(join(ROOT, 'config-schemas'), join(folder, 'config-schemas'));
  await symlink(join(ROOT, 'node_modules'), join(folder, 'node_modules'));
  return join(folder, 'bin', 'lockstep.js');
}

/** Runs the built bin with `args` to its end, in `cwd`. */
export async function runBuiltCli(bin: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const childEnv = { ...process.env, LOCKSTEP_LOG_LEVEL: '', LOCKSTEP_LOG_FORMAT: '', ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, env: childEnv, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

/** A built `lockstep` still running: its process, its exit (code, or signal name) and what it printed so far. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string>;
  readonly output: () => { readonly out: string; readonly err: string };
}

/** Starts the built bin with `args` in `cwd` without waiting for it. */
export function startBuiltCli(bin: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, LOCKSTEP_LOG_LEVEL: '', LOCKSTEP_LOG_FORMAT: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, exited, output: () => ({ out, err }) };
}
