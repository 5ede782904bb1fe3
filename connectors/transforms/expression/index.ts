export { CompiledExpression, compileExpression } from './compiled-expression';
export type { ExpressionSite } from './syntax-error';
