import {
  type LockstepRecord,
  type PluginContext,
  RecordError,
  type Transform,
  type TransformPlugin,
} from '../../core/sdk';
import type { FilterTransformConfig } from './filter-transform-config.generated';
import { compileExpression } from './expression';
import type { CompiledExpression } from './expression';
import { originOf } from './record-origin';

/**
 * Keeps the records for which `where` is `true` and drops those for which it is `false`. Any other result — including
 * `null` from a missing field — is a `RecordError` (`LS_TRANSFORM_FILTER_NOT_BOOLEAN`) rather than a silent drop, so
 * records with unexpected shapes reach the error policy instead of vanishing.
 */
export class FilterTransform implements Transform {
  constructor(private readonly where: CompiledExpression) {}

  process(record: LockstepRecord): LockstepRecord[] {
    const keep = this.where.evaluate(record);
    if (keep === true) return [record];
    if (keep === false) return [];
    const got = keep === null ? 'null (use coalesce() for missing fields)' : JSON.stringify(keep);
    throw new RecordError(
      `transform '${this.where.site.component}' (filter): \`${this.where.source}\` must give true or false but gave ` +
        `${got} for record ${originOf(record)}`,
      record,
      { code: 'LS_TRANSFORM_FILTER_NOT_BOOLEAN', field: 'where' },
    );
  }
}

/** The `filter` transform type. `create` compiles `where`, so a syntax error fails config validation. */
export const filterTransformPlugin: TransformPlugin<FilterTransformConfig> = {
  kind: 'transform',
  type: 'filter',
  configSchema: 'transforms/filter.schema.json',
  create(config: FilterTransformConfig, context: PluginContext) {
    const where = compileExpression(config.where, { component: context.componentId, option: 'where' });
    return () => new FilterTransform(where);
  },
};
