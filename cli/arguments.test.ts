import { commandHelp, parseCommandArguments } from './arguments';
import type { Command } from './command';
import { runCommand } from './run-command';
import { validateCliCommand } from './validate-command';

const parse = (command: Command, argv: string[]) => parseCommandArguments(command, argv);

describe('command arguments (node:util parseArgs)', () => {
  it('takes one file and repeatable --plugin, in any order, as --opt value or --opt=value', () => {
    const args = parse(runCommand, ['--plugin', 'a', 'p.yaml', '--plugin=./b', '--savepoint-name=v1']);
    expect(args.positionals).toEqual(['p.yaml']);
    expect(args.values).toMatchObject({ plugin: ['a', './b'], 'savepoint-name': 'v1' });
    expect(parse(runCommand, ['p.yaml', '--from-savepoint=x']).values['from-savepoint']).toBe('x');
    expect(parse(runCommand, ['--reset', 'p.yaml']).values.reset).toBe(true);
    expect(parse(validateCliCommand, ['p.yaml']).positionals).toEqual(['p.yaml']);
  });

  it('refuses a missing value, also when the next word is another option', () => {
    expect(() => parse(runCommand, ['p.yaml', '--from-savepoint'])).toThrow('--from-savepoint needs a value');
    expect(() => parse(runCommand, ['p.yaml', '--from-savepoint', '--reset'])).toThrow('--from-savepoint needs a value');
    expect(() => parse(runCommand, ['--plugin'])).toThrow('--plugin needs a value');
    expect(() => parse(runCommand, ['p.yaml', '--reset=yes'])).toThrow('--reset takes no value');
  });

  it('names unknown options, extra and missing arguments, and shows the usage', () => {
    expect(() => parse(validateCliCommand, ['p.yaml', '--reset'])).toThrow(
      "unknown option --reset; usage: lockstep validate <file> [options] (see 'lockstep validate --help')",
    );
    expect(() => parse(runCommand, ['p.yaml', 'q.yaml'])).toThrow('unexpected argument q.yaml; usage: lockstep run <file>');
    expect(() => parse(runCommand, [])).toThrow('missing the argument <file>; usage: lockstep run <file> [options]');
  });

  it('checks choices: --log-format pretty|json, --log-level a pino level', () => {
    expect(parse(runCommand, ['p.yaml', '--log-format', 'json', '--log-level=debug']).values).toMatchObject({ 'log-format': 'json', 'log-level': 'debug' });
    expect(() => parse(runCommand, ['p.yaml', '--log-format', 'xml'])).toThrow("--log-format must be one of pretty, json, not 'xml'");
    expect(() => parse(runCommand, ['p.yaml', '--log-level', 'loud'])).toThrow('--log-level must be one of fatal, error, warn, info, debug, trace, silent');
  });

  it('accepts --help (and -h) without the file', () => {
    expect(parse(runCommand, ['--help']).values.help).toBe(true);
    expect(parse(validateCliCommand, ['-h']).values.help).toBe(true);
    const help = commandHelp(runCommand);
    expect(help).toContain('Usage: lockstep run <file> [options]');
    expect(help).toMatch(/--from-savepoint <name\|path> +start from a savepoint/);
    expect(help).toMatch(/--log-format <format> +pretty/);
  });
});
