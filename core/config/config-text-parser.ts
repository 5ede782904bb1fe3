import { extname } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { ConfigError } from './config-error';
import type { ConfigIssue } from './config-issue';
import { childPointer } from './json-pointer';

/** Deeper documents are refused: no pipeline needs them, and every later step walks the document recursively. */
export const MAX_CONFIG_DEPTH = 64;

/**
 * Parses pipeline text: JSON for `.json` files (YAML's JSON schema: no unquoted strings), YAML 1.2 core schema for
 * `.yaml`, `.yml` or no extension. Duplicate keys, unknown tags, several documents and keys named `__proto__` are
 * errors rather than silently resolved.
 * @throws ConfigError `LS_CONFIG_PARSE` with line and column of each syntax error.
 */
export function parseConfigText(text: string, file: string): unknown {
  const extension = extname(file).toLowerCase();
  if (!['.json', '.yaml', '.yml', ''].includes(extension)) {
    throw new ConfigError('LS_CONFIG_PARSE', [
      { file, path: '', message: `unsupported file type '${extension}': use .yaml, .yml or .json` },
    ]);
  }
  const parsed = parseYaml(text.replace(/^\uFEFF/, ''), file, extension === '.json' ? 'json' : 'core');
  const issues: ConfigIssue[] = [];
  const document = copyTree(parsed, '', 0, file, issues);
  if (issues.length > 0) throw new ConfigError('LS_CONFIG_PARSE', issues);
  return document;
}

function parseYaml(text: string, file: string, schema: 'json' | 'core'): unknown {
  const lineCounter = new LineCounter();
  try {
    const document = parseDocument(text, {
      schema,
      lineCounter,
      uniqueKeys: true,
      prettyErrors: false,
      // 1.1 tags (!!binary, !!set, !!timestamp) would yield Buffers, Sets and Dates no schema can describe.
      resolveKnownTags: false,
      // 'warn' would print through process.emitWarning; warnings become issues below instead.
      logLevel: 'error',
    });
    const problems: YAMLError[] = [...document.errors, ...document.warnings];
    if (problems.length > 0) {
      const overflow = problems.find((problem) => STACK_OVERFLOW.test(problem.message));
      // The parser ran out of stack on absurd nesting: one plain issue instead of the engine's words, several times.
      if (overflow !== undefined) throw new ConfigError('LS_CONFIG_PARSE', [{ ...toIssue(overflow, file, lineCounter), message: TOO_DEEP }]);
      throw new ConfigError('LS_CONFIG_PARSE', problems.map((problem) => toIssue(problem, file, lineCounter)));
    }
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // toJS refuses unresolved or excessive aliases; a stack overflow means absurd nesting. Both are the file's fault.
    const message = error instanceof RangeError || STACK_OVERFLOW.test(errorMessage(error)) ? TOO_DEEP : errorMessage(error);
    throw new ConfigError('LS_CONFIG_PARSE', [{ file, path: '', message }]);
  }
}

const STACK_OVERFLOW = /Maximum call stack size exceeded|stack overflow/i;
const TOO_DEEP = `the document is nested too deeply (a pipeline needs at most ${MAX_CONFIG_DEPTH} levels)`;

function toIssue(problem: YAMLError, file: string, lineCounter: LineCounter): ConfigIssue {
  const { line, col } = lineCounter.linePos(problem.pos[0]);
  return { file, path: '', message: problem.message, line, column: col };
}

/**
 * Copies the parsed tree while checking its shape. The copy matters: YAML aliases (`*defaults`) make several places
 * share one object, and later steps change values in place (interpolation would otherwise run twice on a shared
 * string, turning an escaped `$${` into a reference on the second pass).
 */
function copyTree(node: unknown, path: string, depth: number, file: string, issues: ConfigIssue[]): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (depth >= MAX_CONFIG_DEPTH) {
    issues.push({ file, path, message: `is nested deeper than ${MAX_CONFIG_DEPTH} levels` });
    return null;
  }
  if (Array.isArray(node)) return node.map((item, index) => copyTree(item, childPointer(path, index), depth + 1, file, issues));
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === '__proto__') issues.push({ file, path: childPointer(path, key), message: 'the key __proto__ is not allowed' });
    else entries.push([key, copyTree(value, childPointer(path, key), depth + 1, file, issues)]);
  }
  return Object.fromEntries(entries);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
