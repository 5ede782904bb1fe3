import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LockstepError } from '../../core/sdk';
import { mapFileError } from './error-mapping';

/** Files a folder contributes when no `pattern` is configured. */
const DEFAULT_PATTERNS = [/^[^/]*\.jsonl$/, /^[^/]*\.json$/];

/**
 * Turns a glob-lite pattern into a regular expression over a file name: `*` is any run of characters, `?` one
 * character, everything else literal. No folders, braces or classes: a pattern picks files of one folder.
 */
export function globToRegExp(pattern: string): RegExp {
  const body = [...pattern]
    .map((char) => (char === '*' ? '[^/]*' : char === '?' ? '[^/]' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/**
 * The files to read for `path`: the file itself, or a folder's regular files matching `pattern` (default `*.jsonl`
 * and `*.json`), hidden ones (`.name`) left out, sorted by name in code-point order so every run sees the same order.
 *
 * @throws LockstepError `LS_FILE_NOT_FOUND` when `path` does not exist; `LS_CONFIG_INVALID` when `path` is a file and
 *   a `pattern` is given (it would have nothing to pick from).
 */
export async function listInputFiles(path: string, pattern: string | undefined): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw mapFileError(error, 'read input', path);
  }
  if (info.isFile()) {
    // A pattern picks files of a folder; applied to nothing it would be silently ignored.
    if (pattern !== undefined) {
      throw new LockstepError(`pattern "${pattern}" picks files of a folder, but path ${path} is a file: remove pattern, or set path to the folder`, {
        code: 'LS_CONFIG_INVALID',
        context: { path, field: 'pattern' },
      });
    }
    return [path];
  }
  if (!info.isDirectory()) {
    throw new LockstepError(`input ${path} is neither a file nor a folder`, {
      code: 'LS_FILE_NOT_A_FILE',
      context: { path },
    });
  }
  const matchers = pattern === undefined ? DEFAULT_PATTERNS : [globToRegExp(pattern)];
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    throw mapFileError(error, 'list input folder', path);
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || !matchers.some((matcher) => matcher.test(entry.name))) continue;
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(join(path, entry.name))).isFile());
    if (isFile) names.push(entry.name);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => join(path, name));
}
