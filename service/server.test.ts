import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { PipelineSupervisor } from './pipeline-supervisor';
import { buildServer } from './server';
import { ServiceMetrics } from './service-metrics';

/** Keeps /openapi.json true: every route the server registers is documented there, and nothing else is. */
describe('lockstep serve: the OpenAPI document', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'lockstep-openapi-'));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  it('documents every route with its methods, in OpenAPI 3.1', async () => {
    const supervisor = new PipelineSupervisor({ stateDir, apiWritesConfigDir: false, plugins: [], cwd: stateDir, log: pino({ level: 'silent' }) });
    const registered: string[] = [];
    const app = await buildServer({
      supervisor,
      metrics: new ServiceMetrics(() => supervisor.list()),
      bodyLimit: 1024,
      version: 'test',
      onRoute: (method, url) => registered.push(`${method.toLowerCase()} ${url.replace(/:(\w+)/g, '{$1}')}`),
    });
    await app.ready();
    const document = app.swagger() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    expect(document.openapi).toBe('3.1.0');
    // /openapi.json itself is hidden from the document it serves
    expect(registered.filter((route) => route !== 'get /openapi.json').sort()).toEqual(documented.sort());
    expect(documented).toContain('put /pipelines/{name}/pause');
    await app.close();
  });
});
