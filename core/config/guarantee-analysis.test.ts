import type { SinkPlugin, SourcePlugin } from '../api/plugin';
import { ConfigError } from './config-error';
import { testSchemas, testSinkPlugin, testSourcePlugin, testTransformPlugin } from './fixtures/test-plugins';
import { analyzeGuarantee } from './guarantee-analysis';
import { formatGuaranteeReport, type GuaranteeReport } from './guarantee-report';
import { loadPipelineText } from './pipeline-loader';
import { PluginRegistry } from './plugin-registry';

const schemas = testSchemas();

function registryOf(...plugins: (SourcePlugin | SinkPlugin)[]): PluginRegistry {
  const registry = new PluginRegistry().register(testTransformPlugin());
  for (const plugin of plugins) registry.register(plugin);
  return registry;
}

const STANDARD = registryOf(
  testSourcePlugin({ type: 'kafka' }),
  testSourcePlugin({ type: 'http', guarantee: 'not-replayable' }),
  testSourcePlugin({ type: 'files', bounded: true }),
  testSinkPlugin({ type: 'postgres' }),
  testSinkPlugin({ type: 'elastic', mechanism: 'idempotent-writes' }),
  testSinkPlugin({ type: 'stdout', guarantee: 'at-least-once' }),
);

function pipeline(options: { sources: string[]; sinks: string[]; extra?: string }): string {
  const sources = options.sources.map((type, i) => `  - { id: s${i}, type: ${type}, topic: t }`).join('\n');
  const sinks = options.sinks.map((type, i) => `  - { id: k${i}, type: ${type}, table: t }`).join('\n');
  return `name: p\nsources:\n${sources}\nsinks:\n${sinks}\n${options.extra ?? ''}\n`;
}

function analyze(text: string, registry = STANDARD): GuaranteeReport {
  const config = loadPipelineText(text, { file: 'pipeline.yaml', registry, schemas, env: {} });
  return analyzeGuarantee(config, registry);
}

function refusal(text: string, registry = STANDARD): ConfigError {
  try {
    analyze(text, registry);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('guarantee analysis', () => {
  it('is exactly-once when every source is replayable and every sink exactly-once, and says how', () => {
    const report = analyze(pipeline({ sources: ['kafka', 'files'], sinks: ['postgres', 'elastic'], extra: 'guarantee: exactly-once' }));
    expect(report.guarantee).toBe('exactly-once');
    expect(report.requested).toBe('exactly-once');
    expect(report.components.map((c) => [c.kind, c.id, c.guarantee, c.mechanism])).toEqual([
      ['source', 's0', 'replayable', undefined],
      ['source', 's1', 'replayable', undefined],
      ['sink', 'k0', 'exactly-once', 'two-phase-commit'],
      ['sink', 'k1', 'exactly-once', 'idempotent-writes'],
    ]);
    expect(formatGuaranteeReport(report)).toEqual([
      'guarantee: exactly-once (requested: exactly-once)',
      '  every source is replayable and every sink is exactly-once',
      '  source s0 (kafka): replayable: after a failure it re-reads from the last checkpointed position',
      '  source s1 (files): replayable: after a failure it re-reads from the last checkpointed position',
      '  sink k0 (postgres): exactly-once by two-phase commit: writes become visible when the checkpoint that covers them completes',
      '  sink k1 (elastic): exactly-once by idempotent writes: a replayed record overwrites its earlier copy',
    ]);
  });

  it('is at-least-once when a sink is at-least-once', () => {
    const report = analyze(pipeline({ sources: ['kafka'], sinks: ['postgres', 'stdout'] }));
    expect(report.guarantee).toBe('at-least-once');
    expect(report.requested).toBeUndefined();
    expect(report.summary).toBe('every source is replayable, but an at-least-once sink writes replayed records again');
  });

  it('is at-most-once when a source is not replayable, whatever the sinks', () => {
    expect(analyze(pipeline({ sources: ['kafka', 'http'], sinks: ['postgres'] })).guarantee).toBe('at-most-once');
    expect(analyze(pipeline({ sources: ['http'], sinks: ['stdout'] })).guarantee).toBe('at-most-once');
  });

  it('counts the dead-letter sink and says which it is', () => {
    const report = analyze(
      pipeline({ sources: ['kafka'], sinks: ['postgres', 'stdout'], extra: 'errors: { policy: dead-letter, sink: k1 }' }),
    );
    expect(report.guarantee).toBe('at-least-once');
    expect(report.components[2]).toMatchObject({ id: 'k1', deadLetter: true });
    expect(report.components[2]?.explanation).toMatch(/it is the dead-letter sink$/);
  });

  it('refuses exactly-once when a sink is at-least-once, naming the sink and why', () => {
    const error = refusal(pipeline({ sources: ['kafka'], sinks: ['postgres', 'stdout'], extra: 'guarantee: exactly-once' }));
    expect(error.code).toBe('LS_CONFIG_GUARANTEE');
    expect(error.toString()).toBe(
      "pipeline.yaml: /sinks/1: sink 'k1' (stdout) is at-least-once: records replayed after a failure are written again (duplicates); the pipeline asks for exactly-once but can only give at-least-once",
    );
  });

  it('refuses exactly-once and at-least-once when a source is not replayable, naming every weak component', () => {
    const error = refusal(pipeline({ sources: ['http'], sinks: ['stdout'], extra: 'guarantee: exactly-once' }));
    expect(error.issues.map((issue) => issue.path)).toEqual(['/sources/0', '/sinks/0']);
    expect(error.issues[0]?.message).toContain("source 's0' (http) is not replayable");
    const weaker = refusal(pipeline({ sources: ['http'], sinks: ['stdout'], extra: 'guarantee: at-least-once' }));
    expect(weaker.issues.map((issue) => issue.path)).toEqual(['/sources/0']);
    expect(weaker.issues[0]?.message).toContain('the pipeline asks for at-least-once but can only give at-most-once');
  });

  it('accepts at-least-once when the pipeline gives more', () => {
    expect(analyze(pipeline({ sources: ['kafka'], sinks: ['postgres'], extra: 'guarantee: at-least-once' })).guarantee).toBe('exactly-once');
  });

  it('refuses checkpointing off with an unbounded source: nothing would ever commit', () => {
    const error = refusal(pipeline({ sources: ['files', 'kafka'], sinks: ['postgres'], extra: 'checkpoint: { interval: off }' }));
    expect(error.code).toBe('LS_CONFIG_GUARANTEE');
    expect(error.issues).toEqual([
      {
        file: 'pipeline.yaml',
        path: '/sources/1',
        message: "source 's1' is unbounded but checkpoint.interval is off: no checkpoint would ever complete, so nothing would be committed; set an interval",
      },
    ]);
  });

  it('accepts checkpointing off when every source is bounded', () => {
    expect(analyze(pipeline({ sources: ['files'], sinks: ['postgres'], extra: 'checkpoint: { interval: 0 }' })).guarantee).toBe('exactly-once');
  });

  it('hands plugins their validated config and context', () => {
    const seen: unknown[] = [];
    const registry = registryOf(
      testSourcePlugin({ type: 'kafka' }),
      {
        ...testSinkPlugin({ type: 'spy' }),
        create: (config, context) => {
          seen.push(config, context);
          return testSinkPlugin().create(config, context);
        },
      },
    );
    const report = analyze(pipeline({ sources: ['kafka'], sinks: ['spy'] }), registry);
    expect(report.guarantee).toBe('exactly-once');
    expect(seen[0]).toMatchObject({ id: 'k0', type: 'spy', table: 't', mode: 'insert', parallelism: 1 });
    expect(seen[1]).toMatchObject({ pipeline: 'p', componentId: 'k0', baseDir: process.cwd() });
    expect(seen[1]).toHaveProperty('checkpoint.timeoutMs');
  });

  it('reports a plugin that refuses its config, without the secrets it may quote', () => {
    const registry = registryOf(
      testSourcePlugin({ type: 'kafka' }),
      testSinkPlugin({
        type: 'picky',
        createError: (config) => new Error(`cannot connect with password ${(config as { password: string }).password}`),
      }),
    );
    const text = pipeline({ sources: ['kafka'], sinks: ['picky'] }).replace('table: t', 'table: t, password: "${PW}"');
    const config = loadPipelineText(text, { file: 'pipeline.yaml', registry, schemas, env: { PW: 'correct-horse-battery' } });
    try {
      analyzeGuarantee(config, registry);
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('LS_CONFIG_INVALID');
      expect(String(error)).toBe('pipeline.yaml: /sinks/0: cannot be created: cannot connect with password ***');
    }
  });
});
