import { locateIssues } from './source-positions';

const YAML = ['name: p', 'sources:', '  - id: gen', '    type: generator', '    cuont: 5', 'sinks: [{ id: out, type: stdout, mode: x }]', 'transforms:', '  - id: f', '    where: "value.a = 1"', ''].join('\n');

describe('locateIssues', () => {
  const at = (path: string, valueColumn?: number) =>
    locateIssues(YAML, 'p.yaml', [{ file: 'p.yaml', path, message: 'm', ...(valueColumn === undefined ? {} : { valueColumn }) }])[0];

  it('maps a JSON pointer to the line and column of its key, in block and flow style', () => {
    expect(at('/sources/0/cuont')).toMatchObject({ line: 5, column: 5 });
    expect(at('/sinks/0/mode')).toMatchObject({ line: 6, column: 34 });
    expect(at('/sources/0')).toMatchObject({ line: 3, column: 5 });
  });

  it('points a path past what the file holds at its deepest existing part', () => {
    expect(at('/sources/0/missing/deeper')).toMatchObject({ line: 3, column: 5 });
    expect(at('/checkpoint/interval')).toMatchObject({ line: 1, column: 1 });
  });

  it('places a column inside a string value on its character, after the opening quote', () => {
    expect(at('/transforms/0/where', 9)).toMatchObject({ line: 9, column: 21 });
  });

  it('keeps issues that have a position, belong to another file, or whose text does not parse', () => {
    const positioned = { file: 'p.yaml', path: '/sources', message: 'm', line: 9, column: 9 };
    const other = { file: 'q.yaml', path: '/sources', message: 'm' };
    expect(locateIssues(YAML, 'p.yaml', [positioned, other])).toEqual([positioned, other]);
    expect(locateIssues('a: [', 'p.yaml', [{ file: 'p.yaml', path: '/a', message: 'm' }])).toEqual([{ file: 'p.yaml', path: '/a', message: 'm' }]);
  });
});
