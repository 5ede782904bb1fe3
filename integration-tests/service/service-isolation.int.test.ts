import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { testServices } from '../env';
import { useTempDir, usePostgresClient } from '../support/chaos-fixtures';
import { useDatabaseSwitch } from './database-switch';
import { useServices, waitForStatus, type PipelineStatus, type ServiceUnderTest } from './service-process';

const services = testServices();
const { url } = services.postgres;

describe('lockstep serve: one pipeline failing does not hold back another', () => {
  // declared first: jest runs afterEach hooks in declaration order, so the services stop before their folders go
  const startService = useServices();
  const switchedDatabase = useDatabaseSwitch(url);
  const tempDir = useTempDir('lockstep-serve-isolation-');
  const pg = usePostgresClient(url);

  it('restarts the pipeline whose database stopped with growing backoff, while the other keeps running; both end well', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    await mkdir(stateDir);
    const run = randomUUID().slice(0, 8);
    const table = `serve_isolation_${run}`;
    await pg().query(`CREATE TABLE ${table} (seq integer PRIMARY KEY)`);
    const { database, url: proxied } = await switchedDatabase();

    const service = await startService({ stateDir });
    const victim = `serve-victim-${run}`;
    const bystander = `serve-bystander-${run}`;
    const restart = { maxAttempts: 1, initialBackoff: '100ms', maxBackoff: '200ms', startupDeadline: '2s' };
    expect(
      (
        await service.call('POST', '/pipelines', {
          name: victim,
          checkpoint: { interval: '300ms', storage: join(dir, 'victim-checkpoints') },
          restart,
          sources: [{ id: 'gen', type: 'generator', count: 1_000_000_000, ratePerSecond: 200 }],
          sinks: [{ id: 'db', type: 'postgres', url: proxied, table, mode: 'upsert', key: ['seq'] }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await service.call('POST', '/pipelines', {
          name: bystander,
          checkpoint: { interval: '300ms', storage: join(dir, 'bystander-checkpoints') },
          sources: [{ id: 'gen', type: 'generator', count: 1_000_000_000, ratePerSecond: 1_000 }],
          sinks: [{ id: 'files', type: 'file', path: join(dir, 'bystander-out') }],
        })
      ).status,
    ).toBe(201);
    const checkpointed = (status: PipelineStatus): boolean => status.state === 'RUNNING' && status.lastCheckpoint !== null;
    expect(checkpointed(await waitForStatus(service, victim, checkpointed))).toBe(true);
    expect(checkpointed(await waitForStatus(service, bystander, checkpointed))).toBe(true);

    await database.stop();
    const downAt = Date.now();
    const bystanderAtStop = await status(service, bystander);
    // the engine gives up after its one restart; then the service restarts it, 1 s, 2 s, 4 s … apart
    const failing = await waitForStatus(service, victim, (status) => status.restarts.service >= 2 && status.state === 'RESTARTING', 90_000);
    expect(failing.state).toBe('RESTARTING');
    expect(failing.restarts.service).toBeGreaterThanOrEqual(2);
    expect(failing.nextRestartAt).not.toBeNull();
    expect(failing.lastError?.message).toContain(String(database.port));
    const ready = await service.call<{ ready: boolean; degraded: { name?: string }[] }>('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.degraded.map((entry) => entry.name)).toEqual([victim]);
    const bystanderNow = await status(service, bystander);
    const failingMs = Date.now() - downAt;
    expect(bystanderNow.state).toBe('RUNNING');
    expect(bystanderNow.restarts.total).toBe(0);
    expect(bystanderNow.records.in).toBeGreaterThan(bystanderAtStop.records.in);
    expect(bystanderNow.lastCheckpoint?.id).toBeGreaterThan(bystanderAtStop.lastCheckpoint?.id ?? 0);
    const rate = ((bystanderNow.records.in - bystanderAtStop.records.in) / failingMs) * 1000;
    process.stdout.write(
      `lockstep serve isolation: victim restarted ${failing.restarts.service} times by the service in ${failingMs} ms ` +
        `(engine restarts ${failing.restarts.engine}); bystander ${rate.toFixed(0)} records/s meanwhile (throttled to 1000/s)\n`,
    );

    await database.start();
    const back = await waitForStatus(service, victim, (status) => checkpointed(status) && (status.lastCheckpoint?.id ?? 0) > (failing.lastCheckpoint?.id ?? 0), 90_000);
    expect(back.state).toBe('RUNNING');
    expect((await service.call('GET', '/readyz')).status).toBe(200);
  }, 300_000);
});

async function status(service: ServiceUnderTest, name: string): Promise<PipelineStatus> {
  return (await service.call<PipelineStatus>('GET', `/pipelines/${name}/status`)).body;
}
