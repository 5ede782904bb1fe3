import { LockstepError } from '../errors/lockstep-error';
import { ConfigError } from './config-error';
import { formatIssue } from './config-issue';

describe('ConfigError', () => {
  const error = new ConfigError('LS_CONFIG_INVALID', [
    { file: 'pipeline.yaml', path: '/sinks/0/mode', message: 'must be one of: insert, upsert' },
    { file: 'pipeline.yaml', path: '', message: 'must be an object' },
    { file: 'pipeline.yaml', path: '', message: 'Map keys must be unique', line: 3, column: 7 },
  ]);

  it('formats one line per issue', () => {
    expect(error.toString()).toBe(
      [
        'pipeline.yaml: /sinks/0/mode: must be one of: insert, upsert',
        'pipeline.yaml: must be an object',
        'pipeline.yaml:3:7: Map keys must be unique',
      ].join('\n'),
    );
    expect(error.message).toBe(error.toString());
    expect(formatIssue({ file: 'p.json', path: '/a~1b', message: 'x', line: 1, column: 2 })).toBe('p.json:1:2: /a~1b: x');
  });

  it('is a LockstepError with a stable code, not retriable', () => {
    expect(LockstepError.is(error)).toBe(true);
    expect(error).toBeInstanceOf(LockstepError);
    expect(error.code).toBe('LS_CONFIG_INVALID');
    expect(error.retriable).toBe(false);
    expect(error.context).toEqual({ file: 'pipeline.yaml', issues: 3 });
    expect(ConfigError.isConfigError(error)).toBe(true);
    expect(ConfigError.isConfigError(new LockstepError('x', { code: 'LS_CONFIG_INVALID' }))).toBe(false);
  });
});
