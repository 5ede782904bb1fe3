import type { ErrorObject } from 'ajv/dist/2020';
import type { ConfigIssue } from './config-issue';
import { closestName } from './did-you-mean';
import { childPointer } from './json-pointer';

/** Where the document being validated sits in the pipeline file. */
export interface IssueLocation {
  readonly file: string;
  /** Pointer of the validated value in the file (`/sinks/0` for a component's options). */
  readonly base: string;
}

/**
 * Turns Ajv errors into issues a user can act on: the pointer of the offending value and what was expected
 * (`unknown property 'intervall'; did you mean 'interval'?`, `must be one of: fail, skip, dead-letter`,
 * `is required`). Alternatives (`anyOf`/`oneOf`) that all failed are folded into one "must be … or …" issue.
 * Messages are built from the schema and property names only, never from the value.
 */
export function toConfigIssues(errors: readonly ErrorObject[], location: IssueLocation): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const { error, message } of foldAlternatives(errors)) {
    const issue = describe(error, location, message);
    if (issue === undefined) continue;
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) issues.push(issue);
    seen.add(key);
  }
  return issues;
}

/** An error to report, possibly with a message already decided (folded alternatives). */
interface Reported {
  readonly error: ErrorObject;
  readonly message?: string;
}

/**
 * Ajv reports the errors of every failed branch right before the `anyOf`/`oneOf` error itself. When exactly one
 * branch fits the value's kind, only its errors are useful; otherwise the branches' errors about the value itself
 * become one "must be X or Y".
 */
function foldAlternatives(errors: readonly ErrorObject[]): Reported[] {
  const reported: Reported[] = [];
  for (const error of errors) {
    const alternative = error.keyword === 'anyOf' || (error.keyword === 'oneOf' && error.params.passingSchemas == null);
    if (!alternative) {
      reported.push({ error });
      continue;
    }
    let start = reported.length;
    while (start > 0 && isBranchError(reported[start - 1]?.error, error)) start -= 1;
    const branches = reported.splice(start);
    const fitting = fittingBranch(branches, error);
    if (fitting !== undefined) {
      reported.push(...fitting);
      continue;
    }
    reported.push({ error, message: alternativesWording(branches.filter((entry) => entry.error.instancePath === error.instancePath)) });
  }
  return reported;
}

/** `must be a string or must be a list`; `must have at least one of: set, remove` when each branch requires a key. */
function alternativesWording(shapeErrors: readonly Reported[]): string {
  if (shapeErrors.length === 0) return 'matches none of the allowed forms';
  if (shapeErrors.every((entry) => entry.error.keyword === 'required' && entry.message === undefined)) {
    const names = shapeErrors.map((entry) => String(entry.error.params.missingProperty));
    return `must have at least one of: ${[...new Set(names)].join(', ')}`;
  }
  const texts = shapeErrors.map((entry) => entry.message ?? wording(entry.error));
  return [...new Set(texts)].join(' or ');
}

/**
 * True when `candidate` came from a branch of `alternative`: about the same value or below it, and not from a
 * sibling keyword of the subschema holding the `anyOf` (`properties`, `additionalProperties`, `type` …). Branches
 * reached through a local `$ref` report `#/$defs/…` paths, so those count as branch errors.
 */
function isBranchError(candidate: ErrorObject | undefined, alternative: ErrorObject): boolean {
  if (candidate === undefined) return false;
  const within =
    candidate.instancePath === alternative.instancePath || candidate.instancePath.startsWith(`${alternative.instancePath}/`);
  const parent = alternative.schemaPath.slice(0, alternative.schemaPath.lastIndexOf('/'));
  const keyword = candidate.schemaPath.startsWith(`${parent}/`) ? candidate.schemaPath.slice(parent.length + 1).split('/')[0] : undefined;
  const sibling = keyword !== undefined && keyword !== alternative.keyword && keyword !== '$defs' && keyword !== 'definitions';
  return within && !sibling;
}

/** Errors saying a value has the wrong kind altogether, as opposed to the right kind with wrong details. */
const SHAPE_KEYWORDS = new Set(['type', 'const', 'enum', 'false schema', 'not']);

/**
 * The errors of the one branch that fits the value's kind (its errors are details: a missing property, a wrong
 * format, something deeper), or undefined when no branch or several fit.
 */
function fittingBranch(branches: readonly Reported[], alternative: ErrorObject): Reported[] | undefined {
  const groups = new Map<string | undefined, Reported[]>();
  for (const entry of branches) {
    // Errors reached through a $ref carry the referenced schema's path: they share the `undefined` group.
    const prefix = `${alternative.schemaPath}/`;
    const branch = entry.error.schemaPath.startsWith(prefix) ? entry.error.schemaPath.slice(prefix.length).split('/')[0] : undefined;
    groups.set(branch, [...(groups.get(branch) ?? []), entry]);
  }
  const fitting = [...groups.values()].filter((group) =>
    group.every((entry) => entry.error.instancePath !== alternative.instancePath || !SHAPE_KEYWORDS.has(entry.error.keyword)),
  );
  return fitting.length === 1 ? fitting[0] : undefined;
}

function describe(error: ErrorObject, location: IssueLocation, message?: string): ConfigIssue | undefined {
  const path = location.base + error.instancePath;
  const { file } = location;
  if (error.keyword === 'if') return undefined; // the failed then/else branch is reported itself
  if (error.keyword === 'required' || error.keyword === 'dependentRequired') {
    const missing = String(error.params.missingProperty);
    const when = error.keyword === 'dependentRequired' ? ` when ${String(error.params.property)} is set` : '';
    return { file, path: childPointer(path, missing), message: `is required${when}` };
  }
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const property = String(error.params.additionalProperty ?? error.params.unevaluatedProperty);
    return { file, path: childPointer(path, property), message: unknownProperty(property, error) };
  }
  return { file, path, message: message ?? wording(error) };
}

function unknownProperty(property: string, error: ErrorObject): string {
  const declared = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
  const suggestion = closestName(property, declared);
  if (suggestion !== undefined) return `unknown property '${property}'; did you mean '${suggestion}'?`;
  if (declared.length > 0 && declared.length <= 12) return `unknown property '${property}'; expected one of: ${declared.join(', ')}`;
  return `unknown property '${property}'`;
}

/** What the value should have been, in words, for errors about the value itself. */
function wording(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const expected = error.parentSchema?.['x-expected'];
  switch (error.keyword) {
    case 'type':
      return `must be ${typeWords(params.type)}`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).map(literal).join(', ')}`;
    case 'const':
      return `must be ${literal(params.allowedValue)}`;
    case 'pattern':
      return typeof expected === 'string' ? `must be ${expected}` : `must match the pattern ${String(params.pattern)}`;
    case 'format':
      return typeof expected === 'string' ? `must be ${expected}` : `must be a valid ${String(params.format)}`;
    case 'false schema':
    case 'not':
      return 'is not allowed here';
    default:
      return limitWording(error.keyword, params) ?? error.message ?? `fails ${error.keyword}`;
  }
}

function limitWording(keyword: string, params: Record<string, unknown>): string | undefined {
  const limit = params.limit as number;
  switch (keyword) {
    case 'minimum':
      return `must be at least ${limit}`;
    case 'maximum':
      return `must be at most ${limit}`;
    case 'exclusiveMinimum':
      return `must be greater than ${limit}`;
    case 'exclusiveMaximum':
      return `must be less than ${limit}`;
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}`;
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`;
    case 'maxLength':
      return `must be at most ${limit} characters long`;
    case 'minItems':
      return limit === 1 ? 'must have at least one entry' : `must have at least ${limit} entries`;
    case 'maxItems':
      return `must have at most ${limit} entries`;
    case 'minProperties':
      return `must have at least ${limit} properties`;
    case 'maxProperties':
      return `must have at most ${limit} properties`;
    case 'uniqueItems':
      return `must not contain duplicates (entries ${String(params.j)} and ${String(params.i)} are equal)`;
    default:
      return undefined;
  }
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object (a mapping of keys to values)',
  array: 'a list',
  null: 'null',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return types.map((name) => TYPE_WORDS[name] ?? name).join(' or ');
}

function literal(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
