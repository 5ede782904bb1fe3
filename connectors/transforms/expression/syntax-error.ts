import { LockstepError, type LockstepErrorCode } from '../../../core/sdk';

/** Where an expression or field path comes from in a pipeline config, for error messages. */
export interface ExpressionSite {
  /** The transform's id in the pipeline config. */
  readonly component: string;
  /** The option holding the text (`where`, `key`, `set.total`). */
  readonly option: string;
}

/**
 * Thrown by the tokenizer and parser; carries the 1-based column so the config-time error can point at it. Internal:
 * callers get a `LockstepError` from {@link toSyntaxError}.
 */
export class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'SyntaxProblem';
  }
}

/**
 * Turns a syntax problem into the config-time `LS_EXPRESSION_SYNTAX` error, with a caret under the column so a user
 * reading the CLI output sees the spot without counting characters.
 */
export function toSyntaxError(
  problem: SyntaxProblem,
  source: string,
  site: ExpressionSite,
  code: LockstepErrorCode,
): LockstepError {
  const caret = `${' '.repeat(Math.max(0, problem.column - 1))}^`;
  return new LockstepError(
    `transform '${site.component}' option '${site.option}': ${problem.message} at column ${problem.column}\n` +
      `  ${source}\n  ${caret}`,
    {
      code,
      context: { component: site.component, option: site.option, column: problem.column, expression: source },
    },
  );
}
