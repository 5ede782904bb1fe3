import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ConfigError } from '../core/config/config-error';
import type { ManagedPipeline, PipelineState } from './managed-pipeline';
import { PipelineSupervisor } from './pipeline-supervisor';

/** The supervisor with real generator → file pipelines, in-process (the HTTP layer is covered by integration-tests/service). */
describe('PipelineSupervisor', () => {
  let dir: string;
  let supervisor: PipelineSupervisor | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-supervisor-'));
  });
  afterEach(async () => {
    await supervisor?.shutdown();
    supervisor = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const open = (): PipelineSupervisor =>
    new PipelineSupervisor({
      stateDir: join(dir, 'state'),
      apiWritesConfigDir: false,
      plugins: [],
      cwd: dir,
      log: pino({ level: 'silent' }),
      restartBackoff: { initialDelayMs: 10, maxDelayMs: 40, jitter: 0 },
    });
  const generator = (name: string, count: number, sinkPath = join(dir, 'out', name)): Record<string, unknown> => ({
    name,
    checkpoint: { interval: '50ms', storage: join(dir, 'checkpoints', name) },
    restart: { maxAttempts: 0 },
    sources: [{ id: 'gen', type: 'generator', count, ratePerSecond: 2_000 }],
    sinks: [{ id: 'files', type: 'file', path: sinkPath }],
  });
  const until = async (pipeline: ManagedPipeline, check: (p: ManagedPipeline) => boolean): Promise<void> => {
    for (let i = 0; i < 500 && !check(pipeline); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  const inState = (state: PipelineState) => (pipeline: ManagedPipeline) => pipeline.state === state;

  it('runs, pauses with a savepoint, resumes and stops a pipeline; a new supervisor brings it back held', async () => {
    supervisor = open();
    await supervisor.start();
    const pipeline = await supervisor.create(generator('held', 1_000_000));
    expect(pipeline.state).toBe('RUNNING');
    await until(pipeline, (p) => p.metrics.checkpointsCompleted > 0);
    await supervisor.hold('held', 'pause');
    expect(pipeline.state).toBe('PAUSED');
    expect(await readdir(join(dir, 'checkpoints', 'held', 'savepoints'))).toEqual([expect.stringMatching(/^pause-/)]);
    await supervisor.hold('held', 'resume');
    expect(pipeline.state).toBe('RUNNING');
    await supervisor.hold('held', 'stop');
    expect(pipeline.state).toBe('STOPPED');
    await supervisor.shutdown();

    supervisor = open();
    await supervisor.start();
    expect(supervisor.list().map((p) => [p.name, p.state, p.origin])).toEqual([['held', 'STOPPED', 'api']]);
    expect((await supervisor.get('held').lastCheckpoint())?.kind).toBe('savepoint');
  });

  it('ends a bounded pipeline FINISHED', async () => {
    supervisor = open();
    await supervisor.start();
    const pipeline = await supervisor.create(generator('bounded', 100));
    await until(pipeline, inState('FINISHED'));
    expect(pipeline.state).toBe('FINISHED');
    expect(pipeline.metrics.recordsOut).toBe(100);
    expect(Object.fromEntries(pipeline.metrics.taskStates)).toEqual({ 'source:gen#0': 'FINISHED', 'sink:files#0': 'FINISHED' });
  });

  it('restarts a pipeline the engine gave up on, with the service backoff, and shows its last error', async () => {
    supervisor = open();
    await supervisor.start();
    // a database on a closed port: one engine restart 200 ms after each refusal, then the service's restart
    const failing = {
      ...generator('failing', 1_000),
      restart: { maxAttempts: 1, initialBackoff: '200ms', maxBackoff: '200ms', startupDeadline: '5s' },
      sinks: [{ id: 'db', type: 'postgres', url: 'postgres://127.0.0.1:1/none', table: 'nowhere', mode: 'upsert', key: ['seq'] }],
    };
    const pipeline = await supervisor.create(failing);
    // every RESTARTING status, of the engine's restart or the service's, says when the restart comes
    const restartingWithoutTime: number[] = [];
    await until(pipeline, (p) => {
      if (p.state === 'RESTARTING' && p.nextRestartAt === undefined) restartingWithoutTime.push(p.serviceRestarts);
      return p.serviceRestarts >= 2;
    });
    expect(restartingWithoutTime).toEqual([]);
    expect(pipeline.serviceRestarts).toBeGreaterThanOrEqual(2);
    expect(['RESTARTING', 'RUNNING']).toContain(pipeline.state);
    expect(pipeline.lastError?.message).toContain('127.0.0.1:1');
    await supervisor.hold('failing', 'stop');
    expect(pipeline.state).toBe('STOPPED');
  });

  it('refuses an invalid document with every issue and its JSON pointer, and a second pipeline of the same name', async () => {
    supervisor = open();
    await supervisor.start();
    let error: unknown;
    try {
      supervisor.validateDocument({ name: 'bad', sources: [{ id: 'gen', type: 'generator', count: -5 }], sinks: [{ id: 'x', type: 'fil' }] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['/sources/0/count', '/sinks/0/type']));
    await supervisor.create(generator('once', 10));
    await expect(supervisor.create(generator('once', 10))).rejects.toMatchObject({ code: 'LS_SERVICE_CONFLICT' });
    await expect(supervisor.replace('other', generator('once', 10))).rejects.toMatchObject({ code: 'LS_SERVICE_CONFLICT' });
  });

  it('loads the config directory read-only and lists a file that does not load', async () => {
    const configDir = join(dir, 'conf');
    await mkdir(configDir);
    await writeFile(join(configDir, 'good.json'), JSON.stringify(generator('from-file', 10)));
    await writeFile(join(configDir, 'broken.yaml'), 'name: broken\nsources: [');
    supervisor = new PipelineSupervisor({ configDir, stateDir: join(dir, 'state'), apiWritesConfigDir: false, plugins: [], cwd: dir, log: pino({ level: 'silent' }) });
    await supervisor.start();
    expect(supervisor.list().map((p) => [p.name, p.origin])).toEqual([['from-file', 'config-dir']]);
    expect(supervisor.invalidFiles.map((invalid) => invalid.file)).toEqual([join(configDir, 'broken.yaml')]);
    await expect(supervisor.remove('from-file')).rejects.toMatchObject({ code: 'LS_SERVICE_READ_ONLY' });
  });

  it('with --api-writes-config-dir, replaces a config-directory pipeline in its own file, which loads again', async () => {
    const configDir = join(dir, 'conf');
    await mkdir(configDir);
    const file = join(configDir, 'editable.yaml');
    await writeFile(file, `name: editable\nsources: [{ id: gen, type: generator, count: 10 }]\nsinks: [{ id: files, type: file, path: ${join(dir, 'out', 'editable')} }]\n`);
    const options = { configDir, stateDir: join(dir, 'state'), apiWritesConfigDir: true, plugins: [], cwd: dir, log: pino({ level: 'silent' }) };
    supervisor = new PipelineSupervisor(options);
    await supervisor.start();
    const { created, pipeline } = await supervisor.replace('editable', generator('editable', 20));
    expect(created).toBe(false);
    expect(pipeline.origin).toBe('config-dir');
    await until(pipeline, inState('FINISHED'));
    await supervisor.shutdown();
    supervisor = new PipelineSupervisor(options);
    await supervisor.start();
    expect((supervisor.get('editable').pipeline.config.sources[0] as { count?: number }).count).toBe(20);
  });
});
