import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { ExpressionNode } from './ast';
import { evaluate } from './evaluator';
import { parseExpression } from './parser';
import { SyntaxProblem, toSyntaxError } from './syntax-error';
import type { ExpressionSite } from './syntax-error';
import { EvaluationProblem } from './values';

/**
 * An expression parsed once, at config time, and evaluated per record. Evaluation is pure and deterministic (there is
 * no clock or randomness in the language), so a replayed record always gives the same result.
 *
 * Call order: `compileExpression` when the transform is created (throws `LS_EXPRESSION_SYNTAX`), then `evaluate`
 * per record (throws a `RecordError` with code `LS_EXPRESSION_TYPE` or `LS_EXPRESSION_ARITHMETIC`).
 */
export class CompiledExpression {
  private constructor(
    /** The expression text as written in the config. */
    readonly source: string,
    readonly site: ExpressionSite,
    private readonly root: ExpressionNode,
  ) {}

  /** Parses `source`; a syntax error is a `LockstepError` `LS_EXPRESSION_SYNTAX` pointing at the column. */
  static compile(source: string, site: ExpressionSite): CompiledExpression {
    try {
      return new CompiledExpression(source, site, parseExpression(source));
    } catch (error) {
      if (error instanceof SyntaxProblem) throw toSyntaxError(error, source, site, 'LS_EXPRESSION_SYNTAX');
      throw error;
    }
  }

  /**
   * The expression's value for `record`: `null`, a boolean, number, string, list or object (possibly shared with the
   * record: do not mutate it). Throws a `RecordError` naming the transform, option, expression, column and origin.
   */
  evaluate(record: LockstepRecord): unknown {
    try {
      return evaluate(this.root, record);
    } catch (error) {
      if (!(error instanceof EvaluationProblem)) throw error;
      const at = error.column === undefined ? '' : ` at column ${error.column}`;
      throw new RecordError(
        `transform '${this.site.component}' option '${this.site.option}': ${error.message}${at} of ` +
          `\`${this.source}\` (record ${record.origin ?? 'of unknown origin'})`,
        record,
        { code: error.code, field: this.site.option },
      );
    }
  }
}

/** Shorthand for {@link CompiledExpression.compile}. */
export function compileExpression(source: string, site: ExpressionSite): CompiledExpression {
  return CompiledExpression.compile(source, site);
}
