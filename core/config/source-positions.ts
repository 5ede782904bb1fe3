import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ConfigIssue } from './config-issue';
import { parsePointer } from './json-pointer';

/**
 * Adds `line` and `column` to the issues that name a place by JSON pointer, from the text the pipeline was read from:
 * the YAML parser's source ranges (JSON is YAML) map `/sources/0/cuont` to the key `cuont` in the file. A pointer that
 * goes past what the file holds (a missing property) points at the deepest part that exists. Issues with a position
 * already, or whose file is another, are kept as they are; unparseable text leaves every issue as it is.
 */
export function locateIssues(text: string, file: string, issues: readonly ConfigIssue[]): ConfigIssue[] {
  if (!issues.some((issue) => issue.line === undefined && issue.file === file)) return [...issues];
  const lineCounter = new LineCounter();
  let root: Node | null;
  try {
    const document = parseDocument(text, { lineCounter, logLevel: 'silent', uniqueKeys: false });
    if (document.errors.length > 0) return [...issues];
    root = document.contents;
  } catch {
    return [...issues];
  }
  return issues.map((issue) => {
    if (issue.line !== undefined || issue.file !== file) return issue;
    const offset = offsetOf(root, parsePointer(issue.path), issue.valueColumn);
    if (offset === undefined) return issue;
    const { line, col } = lineCounter.linePos(offset);
    return { ...issue, line, column: col };
  });
}

/**
 * The text offset of the node (or map key) at `segments`, or of its deepest existing ancestor; with `valueColumn`, of
 * that character inside the string value (a plain or single-line quoted scalar).
 */
function offsetOf(root: Node | null, segments: readonly string[], valueColumn?: number): number | undefined {
  let node: unknown = root;
  let offset = root?.range?.[0];
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === segment);
      if (pair === undefined) break;
      offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item: unknown = node.items[Number(segment)];
      if (item === undefined || !/^\d+$/.test(segment)) break;
      offset = (item as Node).range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (valueColumn !== undefined && isScalar(node) && node.range && typeof node.source === 'string' && !node.source.includes('\n')) {
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    return node.range[0] + (quoted ? 1 : 0) + valueColumn - 1;
  }
  return offset;
}
