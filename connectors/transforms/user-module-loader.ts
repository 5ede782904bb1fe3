import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { LockstepError, type LockstepErrorCode, type LockstepRecord } from '../../core/sdk';

/** What a user function may return: one record, several, or none (`null`/`undefined`/`[]` drop the record). */
export type UserFunctionResult = LockstepRecord | readonly LockstepRecord[] | null | undefined;

/** The function a `module` transform calls once per record. It must not modify the record it is given. */
export type UserRecordFunction = (record: LockstepRecord) => UserFunctionResult | Promise<UserFunctionResult>;

/** Which function to load, and for whom (error messages). */
export interface UserModuleReference {
  /** Path as written in the config: relative to `baseDir` or absolute, with its extension. */
  readonly path: string;
  /** Export name; `default` also accepts a CommonJS `module.exports = fn`. */
  readonly exportName: string;
  readonly baseDir: string;
  readonly component: string;
}

/** Resolves and loads a module file: Node's own loader for JavaScript, tsx's for TypeScript. */
interface ModuleLoader {
  resolve(absolutePath: string): string;
  load(resolvedPath: string): unknown;
}

/** A tsx namespace: a private `require` that compiles TypeScript without hooking the process-wide `require`. */
interface TsxNamespace {
  require(id: string, fromFile: string): unknown;
  resolve(id: string, fromFile: string): string;
}

const TYPESCRIPT = /\.[cm]?ts$/;
const TSX_NAMESPACE = 'lockstep-module-transform';

// One namespace per process, created on the first TypeScript module: tsx then caches compiled modules, so every
// subtask sees the same module instance, exactly as Node's require cache does for JavaScript modules.
let tsxNamespace: TsxNamespace | undefined;

/**
 * Loads a user's record function. Synchronous I/O (the module is read and run); call it from `open()`, never at
 * config validation. Throws `LockstepError` `LS_TRANSFORM_MODULE_NOT_FOUND`, `LS_TRANSFORM_MODULE_LOAD`,
 * `LS_TRANSFORM_MODULE_EXPORT` or `LS_TRANSFORM_MODULE_TYPESCRIPT`, each naming the path and export.
 */
export function loadUserFunction(reference: UserModuleReference): UserRecordFunction {
  const absolutePath = resolve(reference.baseDir, reference.path);
  const loader = TYPESCRIPT.test(absolutePath) ? typescriptLoader(reference) : javascriptLoader(reference.baseDir);
  const resolvedPath = resolveModule(loader, absolutePath, reference);
  let exports: unknown;
  try {
    exports = loader.load(resolvedPath);
  } catch (cause) {
    const message = `loading ${absolutePath} failed: ${messageOf(cause)}`;
    throw moduleError(reference, 'LS_TRANSFORM_MODULE_LOAD', message, cause);
  }
  return pickExport(exports, reference, absolutePath);
}

function resolveModule(loader: ModuleLoader, absolutePath: string, reference: UserModuleReference): string {
  try {
    return loader.resolve(absolutePath);
  } catch (cause) {
    const message = `cannot find module '${reference.path}' (looked for ${absolutePath})`;
    throw moduleError(reference, 'LS_TRANSFORM_MODULE_NOT_FOUND', message, cause);
  }
}

function javascriptLoader(baseDir: string): ModuleLoader {
  // The file name only anchors resolution (node_modules lookup from the pipeline folder); it need not exist.
  const load = createRequire(join(baseDir, 'lockstep-pipeline.js'));
  return { resolve: (path) => load.resolve(path), load: (path): unknown => load(path) };
}

function typescriptLoader(reference: UserModuleReference): ModuleLoader {
  const namespace = tsx(reference);
  const fromFile = join(reference.baseDir, 'lockstep-pipeline.js');
  return { resolve: (path) => namespace.resolve(path, fromFile), load: (path) => namespace.require(path, fromFile) };
}

function tsx(reference: UserModuleReference): TsxNamespace {
  if (tsxNamespace !== undefined) return tsxNamespace;
  let api: { register(options: { namespace: string }): TsxNamespace };
  try {
    api = createRequire(__filename)('tsx/cjs/api') as typeof api;
  } catch (cause) {
    const message =
      `loading the TypeScript module '${reference.path}' needs the 'tsx' package, which is not installed; ` +
      'install it next to lockstep or compile the module to JavaScript';
    throw moduleError(reference, 'LS_TRANSFORM_MODULE_TYPESCRIPT', message, cause);
  }
  tsxNamespace = api.register({ namespace: TSX_NAMESPACE });
  return tsxNamespace;
}

function pickExport(exports: unknown, reference: UserModuleReference, absolutePath: string): UserRecordFunction {
  const { exportName } = reference;
  // `module.exports = fn` has no `default`; an ES module or compiled TypeScript has one.
  if (exportName === 'default' && typeof exports === 'function') return exports as UserRecordFunction;
  const candidate = isObjectLike(exports) ? exports[exportName] : undefined;
  if (typeof candidate === 'function') return candidate as UserRecordFunction;
  const available = isObjectLike(exports) ? Object.keys(exports).filter((name) => name !== '__esModule').sort() : [];
  const found = candidate === undefined ? 'no export' : `an export that is not a function`;
  const message =
    `module ${absolutePath} has ${found} named '${exportName}' ` +
    `(exports: ${available.length === 0 ? 'none' : available.join(', ')}); set 'export' to the function's name`;
  throw moduleError(reference, 'LS_TRANSFORM_MODULE_EXPORT', message, undefined);
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function moduleError(reference: UserModuleReference, code: LockstepErrorCode, message: string, cause: unknown): LockstepError {
  return new LockstepError(`transform '${reference.component}' (module): ${message}`, {
    code,
    cause,
    context: { component: reference.component, module: reference.path, export: reference.exportName },
  });
}

/** The message of an error from any realm (user modules may not share the caller's `Error`). */
export function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}
