import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { LockstepError } from '../errors/lockstep-error';
import { SeededRandom } from '../testing/seeded-random';
import { ConfigError } from './config-error';
import { testRegistry, testSchemas, testSinkPlugin, testSourcePlugin, VALID_PIPELINE } from './fixtures/test-plugins';
import { analyzeGuarantee } from './guarantee-analysis';
import type { PipelineConfig } from './pipeline-config';
import { loadPipelineText } from './pipeline-loader';

/**
 * Feeds thousands of random and mutated pipeline documents to the loader and the guarantee analysis. Whatever the
 * input, they must return a config or throw a LockstepError (never a TypeError, RangeError or Ajv error), every issue
 * must point somewhere, and no message may contain the secret. Deterministic: a failure names its seed and case.
 */

const SEED = 20_240_501;
const CASES = 2_500;
const SECRET = 'correct-horse-battery-staple';
const ENV = { PG_PASSWORD: SECRET, HOST: 'db.local', EMPTY: '', PORT: '5432' };

const registry = testRegistry(
  testSourcePlugin({ type: 'http', guarantee: 'not-replayable' }),
  testSinkPlugin({ type: 'stdout', guarantee: 'at-least-once' }),
);
const schemas = testSchemas();

const NASTY_STRINGS = [
  '',
  ' ',
  '${',
  '}',
  '${HOST}',
  '${HOST:-x}',
  '${MISSING}',
  '${MISSING:-${PORT}}',
  '${EMPTY:-}',
  '$${HOST}',
  '${1x}',
  '${HOST:-${',
  '${:-}',
  '$$$${',
  '😀',
  '\u202eevil',
  'e\u0301',
  '\u200b',
  '\u0000',
  '\uFEFF',
  '\ud800',
  '数据',
  'off',
  '1s',
  '1.5s',
  '-1ms',
  '9999999h',
  'NaN',
  'null',
  'true',
  '0x1F',
  '__proto__',
  'constructor',
  'dead-letter',
  'exactly-once',
  'test',
  'http',
  'stdout',
  'a'.repeat(300),
  ': - [ ] { } # & * ! | > % @ `',
  '\n\t\r',
];
const NASTY_NUMBERS = [0, -0, 1, -1, 0.5, 1e21, -1e-7, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY];
const YAML_FRAGMENTS = ['\n', ': ', '- ', '[', ']', '{', '}', ',', '"', "'", '#', '&a ', '*a', '!!str ', '!x ', '\t', '${', '---\n', '? ', '|', '>', '%YAML 1.2\n', '\\', '\u0000', '😀'];

function randomString(random: SeededRandom): string {
  if (random.chance(0.6)) return random.pick(NASTY_STRINGS);
  const length = random.int(0, 12);
  let text = '';
  for (let i = 0; i < length; i += 1) text += random.chance(0.2) ? random.pick(NASTY_STRINGS) : String.fromCharCode(random.int(32, 0x2fff));
  return text;
}

function randomValue(random: SeededRandom, depth: number): unknown {
  const kind = random.int(0, depth > 3 ? 4 : 7);
  switch (kind) {
    case 0:
      return randomString(random);
    case 1:
      return random.chance(0.5) ? random.pick(NASTY_NUMBERS) : random.int(-5, 2_000);
    case 2:
      return random.chance(0.5);
    case 3:
    case 4:
      return null;
    case 5:
      return Array.from({ length: random.int(0, 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(0, 4) }, () => [randomString(random), randomValue(random, depth + 1)]),
      );
  }
}

function deeplyNested(random: SeededRandom): unknown {
  let value: unknown = randomString(random);
  for (let depth = random.int(50, 120); depth > 0; depth -= 1) value = random.chance(0.5) ? [value] : { k: value };
  return value;
}

/** Every container of `document` with the key that leads to it: where mutations may strike. */
function slots(document: unknown): { container: Record<string, unknown> | unknown[]; key: string | number }[] {
  const found: { container: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach((child, index) => (found.push({ container: node, key: index }), visit(child)));
    else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        found.push({ container: node as Record<string, unknown>, key });
        visit(child);
      }
    }
  };
  visit(document);
  return found;
}

function mutate(document: unknown, random: SeededRandom): void {
  const targets = slots(document);
  if (targets.length === 0) return;
  const { container, key } = random.pick(targets);
  const record = container as Record<string | number, unknown>;
  switch (random.int(0, 6)) {
    case 0: // delete
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete record[key];
      break;
    case 1: // swap type
    case 2:
      record[key] = randomValue(random, 0);
      break;
    case 3: // new key next to it
      if (!Array.isArray(container)) record[randomString(random)] = randomValue(random, 1);
      else container.push(randomValue(random, 1));
      break;
    case 4: // duplicate an entry
      if (Array.isArray(container)) container.push(structuredClone(container[key as number]));
      else record[key] = structuredClone(record[key]);
      break;
    case 5:
      record[key] = deeplyNested(random);
      break;
    default: // weave an interpolation fragment or weird text into a string
      record[key] = typeof record[key] === 'string' ? `${record[key] as string}${randomString(random)}` : randomString(random);
  }
}

function serialize(document: unknown, random: SeededRandom): { text: string; file: string } {
  if (random.chance(0.5)) return { text: JSON.stringify(document) ?? 'null', file: 'pipeline.json' };
  try {
    return { text: stringifyYaml(document, { aliasDuplicateObjects: false }), file: 'pipeline.yaml' };
  } catch {
    return { text: JSON.stringify(document) ?? 'null', file: 'pipeline.json' };
  }
}

function mutateText(text: string, random: SeededRandom): string {
  let out = text;
  for (let edits = random.int(1, 4); edits > 0; edits -= 1) {
    const at = random.int(0, out.length);
    const choice = random.int(0, 3);
    if (choice === 0) out = out.slice(0, at) + random.pick(YAML_FRAGMENTS) + out.slice(at);
    else if (choice === 1) out = out.slice(0, at) + out.slice(Math.min(out.length, at + random.int(1, 20)));
    else if (choice === 2) out = out.slice(0, at);
    else out = out.slice(0, at) + randomString(random) + out.slice(at);
  }
  return out;
}

type Outcome = { kind: 'loaded'; config: PipelineConfig } | { kind: 'refused'; error: LockstepError };

function run(text: string, file: string): Outcome {
  try {
    const config = loadPipelineText(text, { file, registry, schemas, env: ENV });
    try {
      analyzeGuarantee(config, registry);
    } catch (error) {
      if (!LockstepError.is(error)) throw error;
    }
    return { kind: 'loaded', config };
  } catch (error) {
    if (!LockstepError.is(error)) throw error;
    return { kind: 'refused', error };
  }
}

/** What is wrong with a refusal, if anything (plain checks: expect() per issue would dominate the run time). */
function refusalProblem(error: LockstepError): string | undefined {
  if (!error.code.startsWith('LS_CONFIG_')) return `unexpected code ${error.code}`;
  if (error.message.includes(SECRET)) return 'the secret appears in the message';
  if (!(error instanceof ConfigError)) return undefined;
  if (error.issues.length === 0) return 'a ConfigError without issues';
  const bad = error.issues.find((issue) => !(issue.path === '' || issue.path.startsWith('/')) || issue.message === '');
  return bad === undefined ? undefined : `malformed issue ${JSON.stringify(bad)}`;
}

/** The valid pipeline of the other tests, with every section present so that mutations reach each rule. */
const BASE_TEXT = `${VALID_PIPELINE.replace('timeout: 60s', 'timeout: 60s, storage: ./state, retain: 5')}
restart: { maxAttempts: 3, initialBackoff: 500ms, maxBackoff: 30s, jitter: 0.1 }
`;

describe('config loader fuzz', () => {
  const base = parseYaml(BASE_TEXT) as Record<string, unknown>;

  it('loads the untouched base document, as YAML and as JSON', () => {
    const fromYaml = run(BASE_TEXT, 'pipeline.yaml');
    const fromJson = run(JSON.stringify(base), 'pipeline.json');
    expect(fromYaml.kind).toBe('loaded');
    expect(fromJson.kind === 'loaded' && { ...fromJson.config, file: 'pipeline.yaml' }).toEqual(fromYaml.kind === 'loaded' && fromYaml.config);
  });

  it(`never throws anything but a LockstepError on ${CASES} random and mutated documents (seed ${SEED})`, () => {
    const random = new SeededRandom(SEED);
    const counts = { loaded: 0, refused: 0 };
    const problems: string[] = [];
    for (let index = 0; index < CASES; index += 1) {
      const strategy = random.int(0, 9);
      let input: { text: string; file: string };
      if (strategy <= 5) {
        const document = structuredClone(base);
        for (let mutations = random.int(1, 4); mutations > 0; mutations -= 1) mutate(document, random);
        input = serialize(document, random);
      } else if (strategy <= 8) {
        input = { text: mutateText(BASE_TEXT, random), file: random.chance(0.8) ? 'pipeline.yaml' : 'pipeline.json' };
      } else {
        input = serialize(random.chance(0.8) ? randomValue(random, 0) : deeplyNested(random), random);
      }
      let outcome: Outcome;
      try {
        outcome = run(input.text, input.file);
      } catch (error) {
        throw new Error(`case ${index} (seed ${SEED}) threw a non-LockstepError: ${String(error)}\n--- input ---\n${input.text}`);
      }
      counts[outcome.kind] += 1;
      const problem = outcome.kind === 'refused' ? refusalProblem(outcome.error) : undefined;
      if (problem !== undefined) problems.push(`case ${index}: ${problem}\n--- input ---\n${input.text}`);
    }
    expect(problems.slice(0, 3)).toEqual([]);
    // Mutations are mild enough that some documents stay valid, and wild enough that most do not.
    expect(counts.loaded).toBeGreaterThan(CASES * 0.02);
    expect(counts.refused).toBeGreaterThan(CASES * 0.5);
  });
});
