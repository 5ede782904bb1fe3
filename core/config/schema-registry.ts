import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MissingRefError, type AnySchemaObject, type ValidateFunction } from 'ajv/dist/2020';
import type { ConfigSchema } from '../api/plugin';
import { ConfigError } from './config-error';
import { sharedAjv } from './shared-ajv';

/** The pipeline's own schema, under the schema root. */
export const PIPELINE_SCHEMA = 'pipeline.schema.json';

/** A compiled schema with its source, which the loader reads to see which properties it declares. */
export interface CompiledSchema {
  readonly schema: AnySchemaObject;
  readonly validate: ValidateFunction;
}

/**
 * Compiled file schemas of the whole process, by absolute path: each file is compiled once, whatever registry asks.
 * Failures are kept too: a second attempt would only meet Ajv's leftovers of the first ("id already exists").
 */
const compiledFiles = new Map<string, CompiledSchema | ConfigError>();
/** Compiled schema objects that plugins hold as their `configSchema`, each compiled once. */
const compiledObjects = new WeakMap<object, CompiledSchema | ConfigError>();
/** Which file claimed which `$id`, to refuse two files claiming the same one. */
const fileById = new Map<string, string>();
/**
 * How lockstep's own schema files name themselves: `$id` `urn:lockstep:config-schemas:<path under config-schemas/>`
 * (editors and other validators can refer to them; relative `$ref`s between them resolve under the same prefix).
 */
export const SCHEMA_ID_PREFIX = 'urn:lockstep:config-schemas:';
/** Referenced schemas resolved through MissingRefError before giving up: deeper chains are a bug. */
const MAX_REFERENCED_FILES = 32;

/**
 * Finds `config-schemas/` from a module folder: `core/config` in the source tree (`../../config-schemas`) or
 * `dist/core/config` in a build (`../../../config-schemas`).
 * @throws ConfigError `LS_CONFIG_SCHEMA` when neither holds `pipeline.schema.json`.
 */
export function findSchemaRoot(moduleDir: string = __dirname): string {
  const candidates = [join(moduleDir, '..', '..', 'config-schemas'), join(moduleDir, '..', '..', '..', 'config-schemas')];
  const found = candidates.find((candidate) => existsSync(join(candidate, PIPELINE_SCHEMA)));
  if (found !== undefined) return resolve(found);
  throw new ConfigError('LS_CONFIG_SCHEMA', [
    { file: 'config-schemas', path: '', message: `cannot find ${PIPELINE_SCHEMA}; looked in ${candidates.join(', ')}` },
  ]);
}

/**
 * Schemas by name (a path relative to the schema root, as in `SourcePlugin.configSchema`), compiled once into the
 * shared Ajv instance and cached. Files may `$ref` each other by relative path (`../common.schema.json#/$defs/x`).
 * Schemas can also be registered in memory under a name, for tests. Plugins outside this repository bring their own
 * schema, as an object or a file in their package ({@link SchemaRegistry.getConfigSchema}).
 * Ajv applies a `default` only where the property is declared, not through a `$ref`: put defaults beside the `$ref`.
 */
export class SchemaRegistry {
  /** Absolute folder that names are resolved against. */
  readonly root: string;
  private readonly inMemory = new Map<string, { readonly schema: AnySchemaObject; compiled?: CompiledSchema }>();

  constructor(options: { readonly root?: string } = {}) {
    this.root = resolve(options.root ?? findSchemaRoot());
  }

  /**
   * Registers a schema under `name`; it takes precedence over a file of that name. Give it no `$id` unless it must be
   * referenced from elsewhere: ids are unique per process.
   */
  register(name: string, schema: AnySchemaObject): this {
    this.inMemory.set(name, { schema: structuredClone(schema) });
    return this;
  }

  /**
   * The compiled schema called `name`.
   * @throws ConfigError `LS_CONFIG_SCHEMA` when it does not exist, is not JSON, or does not compile in strict mode.
   */
  get(name: string): CompiledSchema {
    const registered = this.inMemory.get(name);
    if (registered !== undefined) {
      registered.compiled ??= { schema: registered.schema, validate: compile(registered.schema, name) };
      return registered.compiled;
    }
    const file = this.resolveName(name);
    return cached(compiledFiles, file, () => compileFile(file, this.root));
  }

  /**
   * The compiled schema a plugin declares as its `configSchema` (see `ConfigSchema`): the object itself (`owner`
   * names it in errors); a file resolved against `schemaDir` (the plugin's package folder, which its `$ref`s may not
   * leave), or an absolute path; else a name, as for {@link get}.
   * @throws ConfigError `LS_CONFIG_SCHEMA` as {@link get} does.
   */
  getConfigSchema(schema: ConfigSchema, schemaDir?: string, owner = 'configSchema'): CompiledSchema {
    if (typeof schema !== 'string') return cached(compiledObjects, schema, () => compileObject(schema, owner));
    if (schemaDir === undefined && !isAbsolute(schema)) return this.get(schema);
    const file = resolve(schemaDir ?? '', schema);
    return cached(compiledFiles, file, () => compileFile(file, schemaDir ?? dirname(file)));
  }

  private resolveName(name: string): string {
    const file = resolve(this.root, name);
    const inside = relative(this.root, file);
    if (isAbsolute(name) || inside.startsWith('..') || isAbsolute(inside) || !name.endsWith('.json')) {
      throw schemaError(name, `schema names are .json paths inside ${this.root}`);
    }
    return file;
  }
}

let defaultRegistry: SchemaRegistry | undefined;

/** The registry over the repository's `config-schemas/` folder, created on first use. */
export function defaultSchemaRegistry(): SchemaRegistry {
  defaultRegistry ??= new SchemaRegistry();
  return defaultRegistry;
}

/** The cached compilation (or compile error) of `key`, compiling it on first use. */
interface SchemaCache<K> {
  get(key: K): CompiledSchema | ConfigError | undefined;
  set(key: K, value: CompiledSchema | ConfigError): unknown;
}

function cached<K>(cache: SchemaCache<K>, key: K, compileIt: () => CompiledSchema): CompiledSchema {
  let compiled = cache.get(key);
  if (compiled === undefined) {
    try {
      compiled = compileIt();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      compiled = error;
    }
    cache.set(key, compiled);
  }
  if (compiled instanceof ConfigError) throw compiled;
  return compiled;
}

function compileObject(schema: object, owner: string): CompiledSchema {
  let copy: AnySchemaObject;
  try {
    copy = structuredClone(schema) as AnySchemaObject;
  } catch (error) {
    throw schemaError(owner, `not a JSON object: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { schema: copy, validate: compile(copy, owner) };
}

function compileFile(file: string, root: string): CompiledSchema {
  const schema = readSchema(file);
  const id = claimId(schema, file);
  const existing = sharedAjv.getSchema(id);
  if (existing !== undefined) return { schema, validate: existing };
  return { schema, validate: compile(schema, file, root) };
}

/** Compiles, loading files that `$ref`s point to as Ajv reports them missing (Ajv only loads asynchronously). */
function compile(schema: AnySchemaObject, name: string, root?: string): ValidateFunction {
  for (let loaded = 0; ; loaded += 1) {
    try {
      return sharedAjv.compile(schema);
    } catch (error) {
      const missing = error instanceof MissingRefError ? referencedFile(error.missingSchema, root) : undefined;
      if (missing === undefined || loaded >= MAX_REFERENCED_FILES) {
        throw schemaError(name, error instanceof Error ? error.message : String(error));
      }
      const referenced = readSchema(missing);
      claimId(referenced, missing);
      sharedAjv.addSchema(referenced);
    }
  }
}

function referencedFile(missingSchema: string, root: string | undefined): string | undefined {
  if (root === undefined) return undefined;
  let file: string;
  if (missingSchema.startsWith(SCHEMA_ID_PREFIX)) file = resolve(root, missingSchema.slice(SCHEMA_ID_PREFIX.length).split('#')[0] ?? '');
  else if (missingSchema.startsWith('file:')) file = resolve(new URL(missingSchema).pathname);
  else return undefined;
  const inside = relative(root, file);
  return inside.startsWith('..') || isAbsolute(inside) || !existsSync(file) ? undefined : file;
}

/** Gives a file schema its file URL as `$id` (so relative `$ref`s resolve) unless it has one; ids must be unique. */
function claimId(schema: AnySchemaObject, file: string): string {
  schema.$id ??= pathToFileURL(file).href;
  const id = String(schema.$id);
  const owner = fileById.get(id);
  if (owner !== undefined && owner !== file) throw schemaError(file, `$id ${id} is already used by ${owner}`);
  fileById.set(id, file);
  return id;
}

function readSchema(file: string): AnySchemaObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw schemaError(file, error instanceof Error ? error.message : String(error));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw schemaError(file, 'must be a JSON object');
  return parsed as AnySchemaObject;
}

function schemaError(name: string, message: string): ConfigError {
  return new ConfigError('LS_CONFIG_SCHEMA', [{ file: name, path: '', message: `broken schema: ${message}` }]);
}
