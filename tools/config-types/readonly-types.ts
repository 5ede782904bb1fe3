import ts from 'typescript';

/**
 * Makes generated declarations read-only, as lockstep's config types are (a plugin never changes its config):
 * `readonly` before every property and index signature, `readonly T[]` for every array and tuple type.
 * json-schema-to-typescript has no option for it; this edits the text at the positions TypeScript's parser reports,
 * leaving comments and formatting as they are.
 */
export function makeReadonly(source: string): string {
  const file = ts.createSourceFile('generated.ts', source, ts.ScriptTarget.Latest, true);
  const insertions: number[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isPropertySignature(node) || ts.isIndexSignatureDeclaration(node)) && !hasReadonly(node)) {
      insertions.push(node.getStart(file));
    }
    if ((ts.isArrayTypeNode(node) || ts.isTupleTypeNode(node)) && !isReadonlyOperand(node)) {
      insertions.push(node.getStart(file));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let text = source;
  for (const position of [...new Set(insertions)].sort((a, b) => b - a)) {
    text = `${text.slice(0, position)}readonly ${text.slice(position)}`;
  }
  return text;
}

function hasReadonly(node: ts.PropertySignature | ts.IndexSignatureDeclaration): boolean {
  return node.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ReadonlyKeyword) ?? false;
}

function isReadonlyOperand(node: ts.Node): boolean {
  return ts.isTypeOperatorNode(node.parent) && node.parent.operator === ts.SyntaxKind.ReadonlyKeyword;
}
