import { PassThrough } from 'node:stream';
import { logSettings } from './cli-logger';
import { Terminal } from './terminal';

function tty(isTTY: boolean): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY });
}

describe('Terminal', () => {
  it('writes log lines above the progress line and draws the progress line again below them', () => {
    const stream = tty(true);
    const terminal = new Terminal(stream);
    terminal.setStatus('10 read');
    terminal.write('a log line\n');
    terminal.setStatus('20 read');
    terminal.endStatus();
    terminal.write('summary\n');
    expect(String(stream.read())).toBe('\r\x1b[K10 read\r\x1b[Ka log line\n10 read\r\x1b[K20 read\nsummary\n');
  });

  it('has no status line off a terminal: writes pass through', () => {
    const stream = tty(false);
    const terminal = new Terminal(stream);
    terminal.setStatus('10 read');
    terminal.write('{"level":30}\n');
    terminal.endStatus();
    expect(String(stream.read())).toBe('{"level":30}\n');
  });
});

describe('logSettings', () => {
  it('defaults to pretty at warn on a terminal and json at info elsewhere; --verbose lowers the default to debug', () => {
    expect(logSettings({}, {}, true)).toEqual({ level: 'warn', format: 'pretty', verbose: false });
    expect(logSettings({}, {}, false)).toEqual({ level: 'info', format: 'json', verbose: false });
    expect(logSettings({ verbose: true }, {}, true)).toEqual({ level: 'debug', format: 'pretty', verbose: true });
  });

  it('takes flags over LOCKSTEP_LOG_LEVEL / LOCKSTEP_LOG_FORMAT over the defaults; an unknown environment value is ignored', () => {
    const env = { LOCKSTEP_LOG_LEVEL: 'error', LOCKSTEP_LOG_FORMAT: 'json' };
    expect(logSettings({}, env, true)).toEqual({ level: 'error', format: 'json', verbose: false });
    expect(logSettings({ logLevel: 'trace', logFormat: 'pretty' }, env, false)).toEqual({ level: 'trace', format: 'pretty', verbose: false });
    expect(logSettings({}, { LOCKSTEP_LOG_LEVEL: 'loud', LOCKSTEP_LOG_FORMAT: 'xml' }, false)).toEqual({ level: 'info', format: 'json', verbose: false });
  });
});
