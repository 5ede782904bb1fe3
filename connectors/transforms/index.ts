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
export type { FilterTransformConfig } from './filter-transform-config.generated';
export { JsonTransform, jsonTransformPlugin } from './json-transform';
export type { JsonTransformConfig } from './json-transform-config.generated';
export { MapTransform, compileMapPlan, mapTransformPlugin } from './map-transform';
export type { MapPlan } from './map-transform';
export type { MapTransformConfig } from './map-transform-config.generated';
export { ModuleTransform, moduleTransformPlugin } from './module-transform';
export type { ModuleTransformConfig } from './module-transform-config.generated';
export { ThrottleTransform, throttleTransformPlugin } from './throttle-transform';
export type { ThrottleTransformConfig } from './throttle-transform-config.generated';
export type { UserFunctionResult, UserRecordFunction } from './user-module-loader';

/** Every built-in transform type, for the plugin registry: `json`, `filter`, `map`, `module`, `throttle`. */
export const transformPlugins: TransformPlugin[] = [
  jsonTransformPlugin,
  filterTransformPlugin,
  mapTransformPlugin,
  moduleTransformPlugin,
  throttleTransformPlugin,
];
