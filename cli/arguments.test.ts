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
    expect(parseArguments('run', ['p.yaml', '--take-over'])).toEqual({ file: 'p.yaml', plugins: [], takeOver: true });
    expect(() => parseArguments('validate', ['p.yaml', '--take-over'])).toThrow('unknown option --take-over');
    expect(() => parseArguments('validate', ['p.yaml', '--reset'])).toThrow('unknown option --reset');
    expect(parseArguments('run', ['p.yaml', '--from-checkpoint', 'chk/chk-000000000012.json'])).toEqual({
      file: 'p.yaml',
      plugins: [],
      fromCheckpoint: 'chk/chk-000000000012.json',
    });
  });

  it('takes one way to start: from a savepoint, from a checkpoint file or reset', () => {
    expect(() => parseArguments('run', ['p.yaml', '--reset', '--from-checkpoint', 'c.json'])).toThrow(
      '--from-checkpoint and --reset exclude each other: choose one way to start',
    );
    expect(() => parseArguments('run', ['p.yaml', '--from-savepoint', 's', '--from-checkpoint', 'c.json'])).toThrow(
      '--from-savepoint and --from-checkpoint exclude each other',
    );
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
