import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { builtinRegistry } from './builtin-registry';
import { validateCommand } from './validate-command';

/** What validate catches offline that run would refuse: expressions, user modules, empty and absurd files. */
describe('lockstep validate checks what run checks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-validate-offline-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function validate(text: string): Promise<{ file: string; code: number; out: string; err: string }> {
    const file = join(dir, 'p.yaml');
    await writeFile(file, text);
    const out = new PassThrough();
    const err = new PassThrough();
    const code = await validateCommand(file, builtinRegistry(), { out, err, env: {} });
    return { file, code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
  }

  const pipeline = (...transforms: string[]) =>
    ['name: p', 'sources: [{ id: gen, type: generator, count: 10 }]', 'transforms:', ...transforms, 'sinks: [{ id: out, type: stdout }]', ''].join('\n');

  it('compiles filter and map expressions, pointing at the character in the file', async () => {
    const result = await validate(pipeline('  - id: f', '    type: filter', "    where: value.status = 'paid'", '  - id: m', '    type: map', '    set:', '      total: value.price * quantity'));
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      [
        `${result.file}:6:25: /transforms/0/where: transform 'f' option 'where': unexpected '='; use '==' to compare at column 14`,
        "   6 |     where: value.status = 'paid'",
        '                               ^',
        `${result.file}:10:28: /transforms/1/set/total: transform 'm' option 'set.total': unknown name 'quantity'; field paths start with value, key, headers or timestamp, and strings need quotes at column 15`,
        '  10 |       total: value.price * quantity',
        '                                  ^',
        '',
      ].join('\n'),
    );
  });

  it('finds and loads a module transform: a missing file is invalid, exit 2', async () => {
    const missing = await validate(pipeline('  - id: mod', '    type: module', '    module: ./missing.js'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`${missing.file}:6:5: /transforms/0/module: transform 'mod' (module): cannot find module './missing.js'`);
    await writeFile(join(dir, 'no-export.js'), 'module.exports = { other: () => null };\n');
    const noExport = await validate(pipeline('  - id: mod', '    type: module', '    module: ./no-export.js', '    export: enrich'));
    expect(noExport.code).toBe(2);
    expect(noExport.err).toContain('/transforms/0/module:');
    expect(noExport.err).toContain('enrich');
    await writeFile(join(dir, 'ok.js'), 'module.exports = (record) => record;\n');
    expect((await validate(pipeline('  - id: mod', '    type: module', '    module: ./ok.js'))).code).toBe(0);
  });

  it('says a file is empty instead of "must be an object"', async () => {
    for (const text of ['', '# nothing yet\n', '\n\n']) {
      const result = await validate(text);
      expect(result.code).toBe(2);
      expect(result.err).toBe(`${result.file}: the file is empty: a pipeline needs at least name, sources and sinks (try lockstep init)\n`);
    }
  });

  it('refuses absurd nesting in plain words, without a stack overflow message', async () => {
    const result = await validate(`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/p\.yaml(:\d+:\d+)?: the document is nested too deeply \(a pipeline needs at most 64 levels\)\n$/);
    expect(result.err).not.toMatch(/stack/i);
  });

  it('never shows a secret on the offending line: flow lines are not shown, secret-looking values are masked', async () => {
    const result = await validate(
      ['name: p', 'sources: [{ id: gen, type: generator, count: 10 }]', 'sinks:', '  - id: pg', '    type: postgres', '    url: "postgres://u:hunter2@localhost:5432/db?application_name=x"', '    table: t', ''].join('\n'),
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${result.file}:6:5: /sinks/0/url: cannot be created`);
    expect(result.err).toContain('   6 |     url: "postgres://u:***@localhost');
    expect(result.err).not.toContain('hunter2');
  });
});
