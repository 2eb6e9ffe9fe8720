/**
 * Real parsers for the recipes no runtime here can run: the Java and C#
 * grammars of tree-sitter (the parsers editors and GitHub use), as the WASM
 * builds their npm packages ship, run by web-tree-sitter. No JDK or .NET SDK
 * needed.
 */
import { join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import type { Node } from 'web-tree-sitter';
import { root } from './procs.js';

const GRAMMARS = {
  java: join(root, 'node_modules', 'tree-sitter-java', 'tree-sitter-java.wasm'),
  csharp: join(root, 'node_modules', 'tree-sitter-c-sharp', 'tree-sitter-c_sharp.wasm'),
} as const;

const parsers = new Map<keyof typeof GRAMMARS, Parser>();

async function parser(language: keyof typeof GRAMMARS): Promise<Parser> {
  let p = parsers.get(language);
  if (p === undefined) {
    await Parser.init();
    p = new Parser();
    p.setLanguage(await Language.load(GRAMMARS[language]));
    parsers.set(language, p);
  }
  return p;
}

/** The syntax errors in `code` (each with its line and the text around it); `[]` when it parses cleanly. */
export async function syntaxErrors(language: keyof typeof GRAMMARS, code: string): Promise<string[]> {
  const tree = (await parser(language)).parse(code);
  if (tree === null) return ['the parser gave no tree'];
  const out: string[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      out.push(`line ${node.startPosition.row + 1}: ${node.isMissing ? `missing ${node.type}` : `unexpected '${node.text.slice(0, 60)}'`}`);
      return;
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return out;
}

/** The string literals in `code`, unquoted, as the grammar sees them (to check what a recipe allows). */
export async function stringLiterals(language: keyof typeof GRAMMARS, code: string): Promise<string[]> {
  const tree = (await parser(language)).parse(code);
  const out: string[] = [];
  const visit = (node: Node): void => {
    if (node.type === 'string_literal') out.push(node.text.replace(/^"|"$/g, ''));
    else for (const child of node.children) if (child) visit(child);
  };
  if (tree) visit(tree.rootNode);
  return out;
}
