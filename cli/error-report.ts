import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/config/config-error';
import { formatIssue, type ConfigIssue } from '../core/config/config-issue';
import { LockstepError } from '../core/errors/lockstep-error';
import { EXIT } from './exit-codes';

/** Codes that mean the user's input is wrong (exit 2), besides every `LS_CONFIG_*` but `LS_CONFIG_SCHEMA`. */
const INVALID_INPUT = new Set(['LS_CLI_USAGE', 'LS_CHECKPOINT_SAVEPOINT_MISSING', 'LS_CHECKPOINT_SAVEPOINT_NAME']);

/** The exit code of a failed command: 2 when the input (command line, pipeline file, a named savepoint) is wrong, else 1. */
export function exitCodeOf(error: unknown): number {
  // A pipeline that fails for good wraps the reason as its cause: a savepoint that does not exist is still bad input.
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (isInvalidInput(current)) return EXIT.invalid;
  }
  return EXIT.failed;
}

function isInvalidInput(error: unknown): boolean {
  if (!LockstepError.is(error)) return false;
  return INVALID_INPUT.has(error.code) || (error.code.startsWith('LS_CONFIG_') && error.code !== 'LS_CONFIG_SCHEMA');
}

/**
 * What a failed command prints, once: a config error as one line per issue (`file:line:column: /path: message`)
 * followed by the offending line of the file and a caret; any other error as its message; the stack (and causes)
 * only when `verbose`.
 */
export function formatError(error: unknown, verbose: boolean): string {
  if (ConfigError.isConfigError(error)) return `${error.issues.map((issue) => formatIssueWithSource(issue)).join('\n')}\n`;
  const message = error instanceof Error ? error.message : String(error);
  if (!verbose || !(error instanceof Error)) return `${message}\n`;
  return `${error.stack ?? message}\n${causes(error)}`;
}

function causes(error: Error): string {
  let text = '';
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
    text += `caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/**
 * `file:3:5: /sources/0/cuont: …` plus `   3 |     cuont: 5` and a caret under column 5. The line is shown only when
 * it holds the offending entry alone (block style: `key: value` or `- item`), never a flow-style line that may carry
 * other values; a shown value whose key looks secret (password, secret, token, salt, credentials…) or that holds URL
 * credentials is masked: the file may hold a secret literally.
 */
export function formatIssueWithSource(issue: ConfigIssue): string {
  const line = issue.line === undefined ? undefined : linesOf(issue.file)[issue.line - 1];
  if (line === undefined || issue.line === undefined || !isBlockEntry(line)) return formatIssue(issue);
  const gutter = `${String(issue.line).padStart(4)} | `;
  const caret = `${' '.repeat(gutter.length + Math.max(0, (issue.column ?? 1) - 1))}^`;
  return `${formatIssue(issue)}\n${gutter}${maskSecrets(line)}\n${caret}`;
}

const SECRET_KEY = /((?:password|passwd|secret|token|credential|salt|accesskey|apikey|api_key|privatekey|sasl)[\w-]*["']?\s*:)\s*\S.*$/i;
const URL_CREDENTIALS = /(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g;

function maskSecrets(line: string): string {
  return line.replace(SECRET_KEY, '$1 ***').replace(URL_CREDENTIALS, '$1***@');
}

/** True for a block-style line: `key: value` or `- item` whose value is no flow collection (`{…}`, `[…]`). */
function isBlockEntry(line: string): boolean {
  const content = line.replace(/^\s*(?:-\s+)*/, '');
  const value = content.replace(/^(?:"[^"]*"|'[^']*'|[^\s:{[][^:]*?)\s*:(?:\s+|$)/, '');
  return !/^[[{]/.test(value);
}

function linesOf(file: string): readonly string[] {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return [];
  }
}
