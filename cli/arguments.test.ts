import { parseArguments } from './arguments';

describe('command arguments', () => {
  it('takes one file and repeatable --plugin, in any order', () => {
    expect(parseArguments('run', ['--plugin', 'a', 'p.yaml', '--plugin', './b', '--savepoint-name', 'v1'])).toEqual({
      file: 'p.yaml',
      plugins: ['a', './b'],
      savepointName: 'v1',
    });
    expect(parseArguments('validate', ['p.yaml'])).toEqual({ file: 'p.yaml', plugins: [] });
    expect(parseArguments('run', ['--reset', 'p.yaml'])).toEqual({ file: 'p.yaml', plugins: [], reset: true });
    expect(() => parseArguments('validate', ['p.yaml', '--reset'])).toThrow('unknown option --reset');
  });

  it('names what is wrong and shows the usage', () => {
    expect(() => parseArguments('validate', ['p.yaml', '--from-savepoint', 'x'])).toThrow(
      'unknown option --from-savepoint; usage: lockstep validate <file> [--plugin <module>]...',
    );
    expect(() => parseArguments('run', ['p.yaml', 'q.yaml'])).toThrow('unexpected argument q.yaml; usage: lockstep run <file>');
    expect(() => parseArguments('run', ['--plugin'])).toThrow('--plugin needs a value');
    expect(() => parseArguments('run', [])).toThrow('missing the pipeline file');
  });
});
