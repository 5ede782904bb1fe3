import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * bin/lockstep.js starts itself again with V8's young generation capped (--max-semi-space-size=8) unless the user
 * gave a size. Run as a process with a preloaded probe that prints the process id and node flags of each process
 * image and stands in for the compiled CLI (dist/ need not be built: the probe resolves its path to the stub).
 */
const BIN = join(__dirname, '..', 'bin', 'lockstep.js');
const PROBE = `
const Module = require('node:module');
const path = require('node:path');
const main = path.join(${JSON.stringify(join(__dirname, '..', 'dist', 'cli'))}, 'main.js');
const stub = new Module(main);
stub.filename = main;
stub.loaded = true;
stub.exports = { runCli: (args) => Promise.resolve(args.length), exitWhenDone: (code) => process.exit(code) };
require.cache[main] = stub;
// resolved to the stub also when dist/ was never built (require resolves the file before it looks at the cache)
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (parent && parent.filename && path.resolve(path.dirname(parent.filename), request) === main) return main;
  return resolve.call(this, request, parent, ...rest);
};
process.stderr.write(JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n');
`;

describe('bin/lockstep.js', () => {
  let probe: string;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-bin-'));
    probe = join(dir, 'probe.js');
    await writeFile(probe, PROBE);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  function images(nodeFlags: readonly string[], env: NodeJS.ProcessEnv = {}): { code: number | null; images: { pid: number; execArgv: string[] }[] } {
    const ran = spawnSync(process.execPath, [...nodeFlags, '--require', probe, BIN, 'run', 'p.yaml'], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      encoding: 'utf8',
    });
    const lines = ran.stderr.split('\n').filter((line) => line.startsWith('{'));
    return { code: ran.status, images: lines.map((line) => JSON.parse(line) as { pid: number; execArgv: string[] }) };
  }

  const canExecve = typeof (process as { execve?: unknown }).execve === 'function';

  (canExecve ? it : it.skip)('replaces its process with one started with --max-semi-space-size=8, keeping the flags, arguments and exit code', () => {
    const ran = images(['--no-warnings']);
    expect(ran.code).toBe(2);
    expect(ran.images).toHaveLength(2);
    const [first, second] = ran.images;
    expect(second?.pid).toBe(first?.pid);
    expect(first?.execArgv).toEqual(['--no-warnings', '--require', probe]);
    expect(second?.execArgv).toEqual(['--no-warnings', '--require', probe, '--max-semi-space-size=8']);
  });

  it('leaves a size the user gave on the command line or in NODE_OPTIONS alone', () => {
    for (const ran of [images(['--max_semi_space_size=64']), images([], { NODE_OPTIONS: '--max-semi-space-size=64' })]) {
      expect(ran.code).toBe(2);
      expect(ran.images).toHaveLength(1);
    }
  });
});
