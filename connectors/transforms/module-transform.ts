import {
  LockstepError,
  type LockstepErrorCode,
  type LockstepRecord,
  type PluginContext,
  RecordError,
  type Transform,
  type TransformPlugin,
} from '../../core/sdk';
import type { ModuleTransformConfig } from './module-transform-config.generated';
import { originOf } from './record-origin';
import { loadUserFunction, messageOf } from './user-module-loader';
import type { UserFunctionResult, UserModuleReference, UserRecordFunction } from './user-module-loader';

/**
 * Calls a user's function once per record: `(record) => record | record[] | null | undefined`, or a Promise of
 * that. `null`, `undefined` and `[]` drop the record; an array splits it. A returned record without an `origin` gets
 * the incoming one, so later errors still say where the data came from.
 *
 * Call order: `open()` loads the module (a missing file or export fails there, not at config validation), then
 * `process` per record. An error thrown by the function becomes a `RecordError` (`LS_TRANSFORM_MODULE_FAILED`) with
 * the user's error as its cause; a `RecordError` the function throws itself passes through unchanged.
 */
export class ModuleTransform implements Transform {
  private fn: UserRecordFunction | undefined;

  constructor(private readonly reference: UserModuleReference) {}

  async open(): Promise<void> {
    this.fn = loadUserFunction(this.reference);
  }

  async process(record: LockstepRecord): Promise<LockstepRecord[]> {
    const fn = this.fn;
    if (fn === undefined) {
      throw new LockstepError(`transform '${this.reference.component}' (module): process() called before open()`, {
        code: 'LS_TRANSFORM_NOT_OPEN',
        context: { component: this.reference.component },
      });
    }
    let result: UserFunctionResult;
    try {
      result = await fn(record);
    } catch (error) {
      if (error instanceof RecordError) throw error;
      throw this.recordError(record, 'LS_TRANSFORM_MODULE_FAILED', `the function threw: ${messageOf(error)}`, error);
    }
    return this.toRecords(record, result);
  }

  private toRecords(input: LockstepRecord, result: unknown): LockstepRecord[] {
    if (result === null || result === undefined) return [];
    const results: readonly unknown[] = Array.isArray(result) ? result : [result];
    return results.map((output, index) => {
      if (!isRecord(output)) {
        const where = Array.isArray(result) ? `item ${index} of the returned list` : 'the returned value';
        const problem = `${where} is not a record (an object with a 'value' field)`;
        throw this.recordError(input, 'LS_TRANSFORM_MODULE_RESULT', problem, undefined);
      }
      return output.origin === undefined && input.origin !== undefined ? { ...output, origin: input.origin } : output;
    });
  }

  private recordError(record: LockstepRecord, code: LockstepErrorCode, problem: string, cause: unknown): RecordError {
    const { component, path, exportName } = this.reference;
    return new RecordError(
      `transform '${component}' (module ${path}#${exportName}): ${problem} (record ${originOf(record)})`,
      record,
      { code, cause },
    );
  }
}

/**
 * The `module` transform type. `create` does no I/O: the module is loaded by each transform's `open()`. `check`
 * (run by `validate` and before `run`) loads it once, so a missing file or export makes the pipeline invalid.
 */
export const moduleTransformPlugin: TransformPlugin<ModuleTransformConfig> = {
  kind: 'transform',
  type: 'module',
  configSchema: 'transforms/module.schema.json',
  create(config: ModuleTransformConfig, context: PluginContext) {
    const reference: UserModuleReference = {
      path: config.module,
      exportName: config.export,
      baseDir: context.baseDir,
      component: context.componentId,
    };
    return () => new ModuleTransform(reference);
  },
  check(config: ModuleTransformConfig, context: PluginContext) {
    try {
      loadUserFunction({ path: config.module, exportName: config.export, baseDir: context.baseDir, component: context.componentId });
    } catch (error) {
      if (LockstepError.is(error)) throw new LockstepError(error.message, { code: error.code, context: { ...error.context, option: 'module' } });
      throw error;
    }
  },
};

function isRecord(value: unknown): value is LockstepRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'value' in value;
}
