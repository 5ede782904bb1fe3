import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorCatalogue, type ErrorFacts } from './error-codes';

/**
 * docs/errors.md shows the catalogue as a table between two markers; this test fails when they differ. To rewrite the
 * table from the catalogue: `LOCKSTEP_UPDATE_DOCS=1 npx jest core/errors/error-docs`.
 */
const PATH = resolve(__dirname, '..', '..', 'docs', 'errors.md');
const START = '<!-- error-table:start (generated from core/errors/error-codes.ts) -->';
const END = '<!-- error-table:end -->';

function row(facts: ErrorFacts): string {
  const mark = (flag: boolean): string => (flag ? 'yes' : '');
  const cells = [`\`${facts.code}\``, facts.retriable, mark(facts.fatal), mark(facts.dataLoss), mark(facts.fenced), facts.description];
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
}

function table(): string {
  const header = ['| code | retriable | fatal | data loss | fenced | what happened |', '| --- | --- | --- | --- | --- | --- |'];
  return [...header, ...errorCatalogue().map(row)].join('\n');
}

describe('docs/errors.md', () => {
  it('lists every catalogued code with its facts', () => {
    const text = readFileSync(PATH, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const expected = `${START}\n${table()}\n${END}`;
    if (process.env.LOCKSTEP_UPDATE_DOCS === '1') writeFileSync(PATH, text.slice(0, start) + expected + text.slice(end + END.length));
    else expect(text.slice(start, end + END.length)).toBe(expected);
  });
});
