/**
 * One problem found in a pipeline file. `path` is a JSON pointer into the document (`/sinks/0/table`; `''` for the
 * document as a whole); `line`/`column` (1-based) are set for syntax errors, where no path exists yet.
 */
export interface ConfigIssue {
  readonly file: string;
  readonly path: string;
  /** What was expected, e.g. `must be one of: fail, skip, dead-letter`. Never contains a secret value. */
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  /**
   * A column inside the string value at `path` (1-based), e.g. where an expression breaks: positions the issue on the
   * value's character in the file rather than on its key.
   */
  readonly valueColumn?: number;
}

/**
 * Formats an issue as one line: `pipeline.yaml: /sinks/0/mode: must be one of: insert, upsert`, or
 * `pipeline.yaml:3:7: <message>` for syntax errors.
 */
export function formatIssue(issue: ConfigIssue): string {
  const position = issue.line === undefined ? '' : `:${issue.line}:${issue.column ?? 1}`;
  const path = issue.path === '' ? '' : ` ${issue.path}:`;
  return `${issue.file}${position}:${path} ${issue.message}`;
}
