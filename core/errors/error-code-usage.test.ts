import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { errorCatalogue, errorFacts } from './error-codes';

/**
 * Keeps the catalogue the only source of codes: every `LS_*` literal in lockstep's production sources (core/,
 * connectors/ and cli/, without tests and test fixtures) and in its docs is catalogued, and no production file throws a plain
 * `Error`. Type checking already refuses an uncatalogued code where a LockstepError is built; this also covers codes in
 * comments, docs and other strings.
 */
const ROOT = resolve(__dirname, '..', '..');

function filesUnder(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => !path.split(/[\\/]/).includes('node_modules') && keep(path));
}

function isProductionSource(path: string): boolean {
  return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.split(/[\\/]/).includes('fixtures');
}

const SOURCES = ['core', 'connectors', 'cli', 'service'].flatMap((dir) => filesUnder(dir, isProductionSource));
const DOCS = [...['core', 'connectors', 'docs'].flatMap((dir) => filesUnder(dir, (path) => path.endsWith('.md'))), 'README.md'];
const CODES = errorCatalogue().map((facts) => facts.code);

/** A catalogued code, or the stem of some (`LS_POSTGRES_` before a SQLSTATE, `LS_FILE` before `_VALUE_NOT_JSON`). */
function isKnown(literal: string): boolean {
  if (errorFacts(literal) !== undefined) return true;
  const stem = literal.endsWith('_') ? literal : `${literal}_`;
  return CODES.some((code) => code.startsWith(stem));
}

function occurrences(paths: readonly string[], pattern: RegExp): string[] {
  return paths.flatMap((path) =>
    readFileSync(join(ROOT, path), 'utf8')
      .split('\n')
      .flatMap((line, index) => [...line.matchAll(pattern)].map((match) => `${relative(ROOT, join(ROOT, path))}:${index + 1}: ${match[0]}`)),
  );
}

describe('error codes in use', () => {
  it('finds the production sources and docs', () => {
    expect(SOURCES).toEqual(expect.arrayContaining([join('core', 'errors', 'error-codes.ts'), join('connectors', 'kafka', 'internals', 'cluster.ts')]));
    expect(DOCS).toEqual(expect.arrayContaining([join('docs', 'errors.md')]));
  });

  it('uses only catalogued LS_* codes in production sources and docs', () => {
    const unknown = occurrences([...SOURCES, ...DOCS], /LS_[A-Z0-9_]+/g).filter((hit) => !isKnown(hit.slice(hit.lastIndexOf(' ') + 1)));
    expect(unknown).toEqual([]);
  });

  it('throws no plain Error in production sources: every failure is a LockstepError with a catalogued code', () => {
    expect(occurrences(SOURCES, /throw new Error\(/g)).toEqual([]);
  });
});
