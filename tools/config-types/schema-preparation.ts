import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A JSON Schema (sub)schema as read from a file. */
export type SchemaNode = { [keyword: string]: unknown };

/**
 * Keywords whose subschemas only add cross-field rules (`anyOf: [{ required: [topic] }, { required: [topicField] }]`,
 * `if/then/else`, `not`) when they sit beside `properties`. Validation checks them; the types leave them out, so a
 * config type is a sound superset (every field those rules concern stays optional).
 */
const RULE_KEYWORDS = ['anyOf', 'oneOf', 'if', 'then', 'else', 'not'] as const;

/**
 * Rewrites one schema file into what json-schema-to-typescript should type: the shape of a config **after** lockstep
 * validated it (shared Ajv, `useDefaults`, lockstep keywords), which is what plugins and the engine receive.
 * - `$ref`s (to `#/$defs/…` or to a sibling file's `$defs`) are inlined, so each generated file stands alone. A
 *   `default` inside the referenced definition is dropped: Ajv applies only the one beside the `$ref`.
 * - `x-duration` values are replaced by milliseconds during validation: typed `number`.
 * - Properties with a `default` are always present after validation: they become `required`.
 * - Cross-field rules beside `properties` (see {@link RULE_KEYWORDS}) are left out.
 */
export function prepareSchema(schemaFile: string): SchemaNode {
  const root = readSchema(schemaFile);
  return prepare(inline(root, schemaFile, root, new Set()) as SchemaNode);
}

function readSchema(file: string): SchemaNode {
  return JSON.parse(readFileSync(file, 'utf8')) as SchemaNode;
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inline(node: unknown, file: string, root: SchemaNode, seen: ReadonlySet<string>): unknown {
  if (Array.isArray(node)) return node.map((item) => inline(item, file, root, seen));
  if (!isNode(node)) return node;
  const { $ref, ...rest } = node;
  const result: SchemaNode = {};
  for (const [key, value] of Object.entries(rest)) result[key] = key === '$defs' ? value : inline(value, file, root, seen);
  if (typeof $ref !== 'string') return result;
  const [target, targetFile, targetRoot] = resolveRef($ref, file, root);
  const key = `${targetFile}#${$ref.split('#')[1] ?? ''}`;
  if (seen.has(key)) throw new Error(`${file}: recursive $ref ${$ref} is not supported by the config type generator`);
  const { default: _ignoredByAjv, ...referenced } = target;
  const inlined = inline(referenced, targetFile, targetRoot, new Set([...seen, key])) as SchemaNode;
  return { ...inlined, ...result };
}

function resolveRef(ref: string, file: string, root: SchemaNode): [SchemaNode, string, SchemaNode] {
  const [path = '', pointer = ''] = ref.split('#');
  const targetFile = path === '' ? file : join(dirname(file), path);
  const targetRoot = path === '' ? root : readSchema(targetFile);
  let target: unknown = targetRoot;
  for (const segment of pointer.split('/').filter((part) => part !== '')) {
    target = isNode(target) ? target[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  if (!isNode(target)) throw new Error(`${file}: cannot resolve $ref ${ref}`);
  return [target, targetFile, targetRoot];
}

function prepare(node: SchemaNode): SchemaNode {
  const result: SchemaNode = {};
  const hasProperties = isNode(node.properties);
  for (const [key, value] of Object.entries(node)) {
    if (key === '$defs') continue; // every $ref is inlined
    if (hasProperties && (RULE_KEYWORDS as readonly string[]).includes(key)) continue;
    result[key] = prepareValue(key, value);
  }
  if ('x-duration' in node) {
    delete result['x-duration'];
    result.tsType = 'number';
  }
  if (hasProperties) {
    const defaulted = Object.entries(node.properties as SchemaNode)
      .filter(([, property]) => isNode(property) && 'default' in property)
      .map(([name]) => name);
    const required = Array.isArray(node.required) ? (node.required as string[]) : [];
    if (defaulted.length > 0) result.required = [...required, ...defaulted.filter((name) => !required.includes(name))];
  }
  return result;
}

/** Keywords whose values are data, not subschemas. */
const DATA_KEYWORDS = new Set(['default', 'const', 'enum', 'examples', 'required', 'x-duration']);

function prepareValue(key: string, value: unknown): unknown {
  if (DATA_KEYWORDS.has(key)) return value;
  if (key === 'properties' && isNode(value)) {
    return Object.fromEntries(Object.entries(value).map(([name, property]) => [name, isNode(property) ? prepare(property) : property]));
  }
  if (Array.isArray(value)) return value.map((item) => (isNode(item) ? prepare(item) : item));
  if (isNode(value)) return prepare(value);
  return value;
}
