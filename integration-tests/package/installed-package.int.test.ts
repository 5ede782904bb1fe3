import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../env/local/free-port';

/**
 * The package as a user gets it: `npm pack` (which builds through `prepack`), then `npm install` of the tarball in an
 * empty folder, together with the example plugin package (examples/custom-connector) packed the same way. Then the
 * installed `lockstep` command validates and runs pipelines that load the plugin by `plugins:` and by `--plugin`, and
 * a plain script requires the API (`lockstep`), the SDK (`lockstep/sdk`) and the testing kit (`lockstep/testing`).
 * Needs no service; npm installs the dependencies from its cache when it can (`--prefer-offline`).
 */
const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const SALT = 'installed-salt';

interface Packed {
  readonly filename: string;
  readonly entryCount: number;
  readonly files: readonly { readonly path: string }[];
}

/** npm's own environment minus what npm sets for a running script (its prefix would point into this repository). */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const entries = Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_') || keep.has(key.toLowerCase()));
  return { ...Object.fromEntries(entries), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

/** The npm that runs this test (`npm test`), else the one on PATH. */
async function npm(args: readonly string[], cwd: string): Promise<string> {
  const cli = process.env.npm_execpath;
  const [file, argv] = cli !== undefined && cli.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', [...args]];
  const { stdout } = await run(file, argv, { cwd, env: npmEnv(), maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function pack(folder: string, destination: string): Promise<Packed> {
  const [packed] = JSON.parse(await npm(['pack', '--json', '--pack-destination', destination], folder)) as Packed[];
  if (packed === undefined) throw new Error(`npm pack of ${folder} reported nothing`);
  return packed;
}

describe('the npm package, installed in an empty folder', () => {
  let dir: string;
  let app: string;
  let packed: Packed;
  const env = { ...npmEnv(), LOCKSTEP_LOG_LEVEL: 'silent' };

  /** Runs the installed `lockstep` bin (what `npx lockstep` finds) in the app folder. */
  async function lockstep(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(app, 'node_modules', '.bin', 'lockstep'), ...args], { cwd: app, env });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
    }
  }

  async function pipeline(name: string, lines: readonly string[]): Promise<string> {
    await writeFile(join(app, name), [...lines, ''].join('\n'));
    return name;
  }

  const maskPipeline = (name: string, extra: readonly string[], mask: string): string[] => [
    `name: ${name}`,
    ...extra,
    `checkpoint: { interval: 1s, storage: ./state/${name} }`,
    'sources: [{ id: gen, type: generator, count: 10 }]',
    'transforms:',
    `  - { id: with-email, type: map, set: { email: "'user' + value.seq + '@example.com'" } }`,
    `  - { id: mask-email, type: mask, ${mask} }`,
    `sinks: [{ id: out, type: file, path: ./out/${name} }]`,
  ];

  async function emails(name: string): Promise<unknown[]> {
    const folder = join(app, 'out', name);
    const parts = (await readdir(folder)).filter((file) => file.endsWith('.jsonl'));
    const texts = await Promise.all(parts.map((file) => readFile(join(folder, file), 'utf8')));
    return texts.flatMap((text) => text.split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { email: unknown }).email));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-package-'));
    app = join(dir, 'app');
    await mkdir(app);
    packed = await pack(ROOT, dir);
    const plugin = await pack(join(ROOT, 'examples', 'custom-connector'), dir);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed.filename), join(dir, plugin.filename)], app);
    await copyFile(join(ROOT, 'examples', 'quickstart.yaml'), join(app, 'quickstart.yaml'));
  }, 240_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('holds the build, its types and the schemas, and no tests or CI files', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining(['bin/lockstep.js', 'dist/cli/main.js', 'dist/cli/api.d.ts', 'dist/core/sdk/index.d.ts', 'config-schemas/pipeline.schema.json']),
    );
    expect(paths.filter((path) => /\.test\.|^integration-tests\/|^\.ci\/|^core\/|^connectors\/|\.map$/.test(path))).toEqual([]);
    expect(basename(packed.filename)).toBe('lockstep-0.1.0.tgz');
  });

  it('runs npx lockstep --help and validates an example', async () => {
    // `npx lockstep` is `npm exec lockstep`; --no: use the installed package, never download one.
    expect(await npm(['exec', '--no', '--', 'lockstep', '--help'], app)).toContain('Usage:');
    const valid = await lockstep('validate', 'quickstart.yaml');
    expect(valid).toMatchObject({ code: 0, err: '' });
    expect(valid.out).toContain('guarantee: exactly-once');
  });

  it('runs a pipeline that loads the installed plugin package by plugins: and by --plugin', async () => {
    const listed = await pipeline('listed.yaml', maskPipeline('listed', ['plugins: [lockstep-connector-mask]'], `fields: [email], mode: hash, salt: ${SALT}`));
    const ran = await lockstep('run', listed);
    // The run's summary is for people (stderr); stdout belongs to the stdout sink.
    expect(ran).toMatchObject({ code: 0, out: '' });
    expect(ran.err).toContain('listed: finished');
    const hashed = await emails('listed');
    expect(hashed).toHaveLength(10);
    for (const email of hashed) expect(email).toMatch(/^[0-9a-f]{16}$/);

    const bare = await pipeline('bare.yaml', maskPipeline('bare', [], 'fields: [email]'));
    expect((await lockstep('validate', bare)).code).toBe(2);
    expect((await lockstep('run', bare, '--plugin', 'lockstep-connector-mask')).code).toBe(0);
    expect(await emails('bare')).toEqual(Array(10).fill('***'));
  });

  it("reports a config error inside the plugin's own schema with its field path", async () => {
    const bad = await pipeline('bad.yaml', maskPipeline('bad', ['plugins: [lockstep-connector-mask]'], `fields: [email], mode: hsah, salt: ${SALT}`));
    const result = await lockstep('validate', bad);
    expect(result.code).toBe(2);
    expect(result.err).toBe('bad.yaml:7:52: /transforms/1/mode: must be one of: redact, hash\n');
  });

  it('runs lockstep serve from the build: a config-directory pipeline finishes, SIGTERM exits 0', async () => {
    await mkdir(join(app, 'serve-pipelines'));
    await pipeline(join('serve-pipelines', 'served.yaml'), [
      'name: served',
      'checkpoint: { interval: 200ms, storage: ../state/served }',
      'sources: [{ id: gen, type: generator, count: 50 }]',
      'sinks: [{ id: out, type: file, path: ../out/served }]',
    ]);
    const port = await freePort();
    const child = spawn(process.execPath, [join(app, 'node_modules', '.bin', 'lockstep'), 'serve', '--port', String(port), '--config-dir', 'serve-pipelines', '--state-dir', 'serve-state'], {
      cwd: app,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let state: string | undefined;
    for (let i = 0; i < 300 && state !== 'FINISHED'; i += 1) {
      await sleep(100);
      const reply = await fetch(`http://127.0.0.1:${port}/pipelines/served/status`).catch(() => undefined);
      if (reply?.ok === true) state = ((await reply.json()) as { state: string }).state;
    }
    child.kill('SIGTERM');
    expect(state).toBe('FINISHED');
    expect(await exited).toBe(0);
  });

  it('serves the API, the SDK and the testing kit to a plain script', async () => {
    await pipeline('api.yaml', maskPipeline('api', [], 'fields: [email]'));
    await writeFile(
      join(app, 'use-api.js'),
      [
        "const { runPipeline, validatePipeline } = require('lockstep');",
        "const { RecordError } = require('lockstep/sdk');",
        "const { configSchemaCheck } = require('lockstep/testing');",
        "const { maskTransformPlugin } = require('lockstep-connector-mask');",
        '(async () => {',
        "  const pipeline = await validatePipeline('api.yaml', { plugins: ['lockstep-connector-mask'] });",
        '  const { outcome, metrics } = await runPipeline(pipeline);',
        "  const schemaDir = require('node:path').dirname(require.resolve('lockstep-connector-mask/package.json'));",
        '  const problems = configSchemaCheck(maskTransformPlugin.configSchema, schemaDir)({ fields: [] });',
        '  console.log(JSON.stringify({ guarantee: pipeline.report.guarantee, outcome, written: metrics.recordsOut, problems, recordError: typeof RecordError }));',
        '})();',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['use-api.js'], { cwd: app, env });
    expect(JSON.parse(stdout)).toEqual({
      guarantee: 'exactly-once',
      outcome: expect.objectContaining({ status: 'finished' }),
      written: 10,
      problems: ['/fields must NOT have fewer than 1 items'],
      recordError: 'function',
    });
  });
});
