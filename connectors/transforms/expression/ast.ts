/** The parts of a record an expression can read; anything else is a config-time error. */
export type RootName = 'value' | 'key' | 'headers' | 'timestamp';

/** Operators whose operands are both always evaluated. */
export type BinaryOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | '+' | '-' | '*' | '/' | '%';

/** Short-circuiting operators (`and`/`or` are spelled `&&`/`||` here). */
export type LogicalOperator = '&&' | '||';

/** A parsed expression. Every node keeps the column of the token that produced it, for runtime error messages. */
export type ExpressionNode =
  | { readonly kind: 'literal'; readonly value: null | boolean | number | string; readonly column: number }
  | { readonly kind: 'list'; readonly items: readonly ExpressionNode[]; readonly column: number }
  | { readonly kind: 'root'; readonly name: RootName; readonly column: number }
  | {
      readonly kind: 'member';
      readonly object: ExpressionNode;
      /** A name after `.`, or the expression inside `[…]`. */
      readonly property: string | ExpressionNode;
      readonly column: number;
    }
  | { readonly kind: 'negate' | 'not'; readonly operand: ExpressionNode; readonly column: number }
  | {
      readonly kind: 'binary';
      readonly operator: BinaryOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
      readonly column: number;
    }
  | {
      readonly kind: 'logical';
      readonly operator: LogicalOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
      readonly column: number;
    }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly ExpressionNode[]; readonly column: number };
