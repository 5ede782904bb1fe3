import {
  LockstepError,
  type LockstepRecord,
  type PluginContext,
  RecordError,
  type Transform,
  type TransformPlugin,
} from '../../core/sdk';
import type { MapTransformConfig } from './map-transform-config.generated';
import { compileExpression } from './expression';
import type { CompiledExpression } from './expression';
import { describeType, isPlainObject } from './expression/values';
import { FieldPath } from './field-path';
import { originOf } from './record-origin';
import { FieldPathConflict, ValueEditor } from './value-editor';

/** One compiled `set` entry. */
interface Assignment {
  readonly path: FieldPath;
  readonly expression: CompiledExpression;
}

/** What `map` does to each record, compiled from its config. */
export interface MapPlan {
  readonly component: string;
  readonly assignments: readonly Assignment[];
  readonly removals: readonly FieldPath[];
  readonly key: CompiledExpression | undefined;
}

/**
 * Rewrites records: evaluates every `set` expression and `key` against the *incoming* record (so the order of `set`
 * entries never changes what an expression sees), writes the results in the order written, then deletes the `remove`
 * paths. Works on a copy: the incoming record and its value are never modified. With `set` or `remove`, a value that
 * is not an object is a `RecordError` (`LS_TRANSFORM_MAP_NOT_OBJECT`).
 */
export class MapTransform implements Transform {
  constructor(private readonly plan: MapPlan) {}

  process(record: LockstepRecord): LockstepRecord[] {
    const { assignments, removals, key } = this.plan;
    // Evaluate everything before writing anything: expressions see the incoming record only.
    const values = assignments.map((assignment) => assignment.expression.evaluate(record));
    const newKey = key?.evaluate(record);
    const value = assignments.length + removals.length === 0 ? record.value : this.edit(record, values);
    return [key === undefined ? { ...record, value } : { ...record, value, key: newKey }];
  }

  private edit(record: LockstepRecord, values: readonly unknown[]): Record<string, unknown> {
    if (!isPlainObject(record.value)) {
      throw this.recordError(record, `the value is ${describeValue(record.value)}, not an object`, undefined);
    }
    const editor = new ValueEditor(record.value);
    this.plan.assignments.forEach((assignment, index) => {
      try {
        editor.set(assignment.path, values[index]);
      } catch (error) {
        if (!(error instanceof FieldPathConflict)) throw error;
        throw this.recordError(record, error.message, `set.${assignment.path.text}`);
      }
    });
    for (const path of this.plan.removals) editor.remove(path);
    return editor.result;
  }

  private recordError(record: LockstepRecord, problem: string, field: string | undefined): RecordError {
    return new RecordError(
      `transform '${this.plan.component}' (map): ${problem} (record ${originOf(record)})`,
      record,
      { code: 'LS_TRANSFORM_MAP_NOT_OBJECT', ...(field === undefined ? {} : { field }) },
    );
  }
}

/** Compiles a `map` config; throws config-time `LockstepError`s for bad paths, bad expressions and useless sets. */
export function compileMapPlan(config: MapTransformConfig, component: string): MapPlan {
  const assignments = Object.entries(config.set ?? {}).map(([path, source]) => ({
    path: FieldPath.parse(path, { component, option: `set.${path}` }),
    expression: compileExpression(source, { component, option: `set.${path}` }),
  }));
  const removals = (config.remove ?? []).map((path) => FieldPath.parse(path, { component, option: 'remove' }));
  for (const removal of removals) {
    const undone = assignments.find((assignment) => removal.covers(assignment.path));
    if (undone) {
      throw new LockstepError(
        `transform '${component}' (map): 'remove' of '${removal.text}' deletes what 'set' writes to ` +
          `'${undone.path.text}' (remove runs after set); drop one of them`,
        { code: 'LS_TRANSFORM_MAP_CONFLICT', context: { component } },
      );
    }
  }
  const key = config.key === undefined ? undefined : compileExpression(config.key, { component, option: 'key' });
  if (assignments.length + removals.length === 0 && key === undefined) {
    throw new LockstepError(`transform '${component}' (map): nothing to do; give 'set', 'remove' or 'key'`, {
      code: 'LS_TRANSFORM_MAP_EMPTY',
      context: { component },
    });
  }
  return { component, assignments, removals, key };
}

/** The `map` transform type. `create` compiles every expression and path, so mistakes fail config validation. */
export const mapTransformPlugin: TransformPlugin<MapTransformConfig> = {
  kind: 'transform',
  type: 'map',
  configSchema: 'transforms/map.schema.json',
  create(config: MapTransformConfig, context: PluginContext) {
    const plan = compileMapPlan(config, context.componentId);
    return () => new MapTransform(plan);
  },
};

function describeValue(value: unknown): string {
  return value instanceof Uint8Array ? 'bytes (parse it first, e.g. with the json transform)' : describeType(value);
}
