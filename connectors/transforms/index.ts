import type { TransformPlugin } from '../../core/sdk';
import { filterTransformPlugin } from './filter-transform';
import { jsonTransformPlugin } from './json-transform';
import { mapTransformPlugin } from './map-transform';
import { moduleTransformPlugin } from './module-transform';
import { throttleTransformPlugin } from './throttle-transform';

export { CompiledExpression, compileExpression } from './expression';
export type { ExpressionSite } from './expression';
export { FieldPath } from './field-path';
export { FilterTransform, filterTransformPlugin } from './filter-transform';
export type { FilterTransformConfig } from './filter-transform';
export { JsonTransform, jsonTransformPlugin } from './json-transform';
export type { JsonTransformConfig } from './json-transform';
export { MapTransform, compileMapPlan, mapTransformPlugin } from './map-transform';
export type { MapPlan, MapTransformConfig } from './map-transform';
export { ModuleTransform, moduleTransformPlugin } from './module-transform';
export type { ModuleTransformConfig } from './module-transform';
export { ThrottleTransform, throttleTransformPlugin } from './throttle-transform';
export type { ThrottleTransformConfig } from './throttle-transform';
export type { UserFunctionResult, UserRecordFunction } from './user-module-loader';

/** Every built-in transform type, for the plugin registry: `json`, `filter`, `map`, `module`, `throttle`. */
export const transformPlugins: TransformPlugin[] = [
  jsonTransformPlugin,
  filterTransformPlugin,
  mapTransformPlugin,
  moduleTransformPlugin,
  throttleTransformPlugin,
];
