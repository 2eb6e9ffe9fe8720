#!/usr/bin/env node
// The CommonJS build, dist/cjs: what `require('corsproof')` and `require('corsproof/<adapter>')`
// load. `npm run build` runs it after tsc has written the ESM build (dist/):
//
//  1. esbuild compiles to CommonJS, file by file (no bundling: each module, so each class such as
//     CorsConfigError, exists once in the CommonJS build, whichever entry loads it), every source
//     file that the entry points in package.json `exports` reach; dist/cjs/package.json says
//     "type": "commonjs", so the relative `require('./x.js')` calls stay as they are.
//  2. The declarations tsc wrote for those files are copied next to them: the sources compile file
//     by file either way (isolatedModules), so the same declarations describe both builds, and under
//     dist/cjs they are read as CommonJS.
//  3. An entry whose `require` target in `exports` is a .cjs file (corsproof/express, /koa, /fastify)
//     gets a wrapper making module.exports its default export (the middleware or plugin itself,
//     like `require('cors')`), with every named export on it too, and a .d.cts saying so
//     (`export =`, with the entry's types in a namespace of the same name).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cjs');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const posix = (path) => path.split('\\').join('/');
const fail = (message) => {
  process.stderr.write(`build-cjs: ${message}\n`);
  process.exit(1);
};

/** The entry points: package.json `exports` with an `import` and a `require` condition. */
const entries = [];
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue; // ./package.json
  const esm = target.import?.default;
  const cjs = target.require?.default;
  if (!esm?.startsWith('./dist/') || !cjs?.startsWith('./dist/cjs/')) fail(`exports["${subpath}"] needs import.default under ./dist/ and require.default under ./dist/cjs/`);
  const module = esm.slice('./dist/'.length); // e.g. adapters/express.js
  const wrapped = cjs.endsWith('.cjs');
  const expected = wrapped
    ? { types: cjs.replace(/\.cjs$/, '.d.cts'), default: cjs }
    : { types: `./dist/cjs/${module.replace(/\.js$/, '.d.ts')}`, default: `./dist/cjs/${module}` };
  if (target.require.types !== expected.types || target.require.default !== expected.default) fail(`exports["${subpath}"].require should be ${JSON.stringify(expected)}`);
  // TypeScript's node10 resolution (`moduleResolution: node`) reads main/types and typesVersions, not exports.
  const node10 = subpath === '.' ? [pkg.types, pkg.main] : pkg.typesVersions?.['*']?.[subpath.slice(2)];
  const want = subpath === '.' ? [expected.types, expected.default] : [expected.types];
  if (JSON.stringify(node10) !== JSON.stringify(want)) fail(`package.json: ${subpath === '.' ? 'types and main' : `typesVersions["*"]["${subpath.slice(2)}"]`} should be ${JSON.stringify(want)}`);
  entries.push({ subpath, source: `src/${module.replace(/\.js$/, '.ts')}`, module, wrapper: wrapped ? cjs.slice('./dist/cjs/'.length) : null });
}

// The declarations the entries reach (a TypeScript program over tsc's declarations; types only,
// no lib: nothing is checked here, tsc did that) and the JavaScript they reach (esbuild's graph).
const declarations = ts.createProgram(
  entries.map((e) => join(root, 'dist', e.module.replace(/\.js$/, '.d.ts'))),
  { noLib: true, types: [], noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
);
const dist = `${posix(join(root, 'dist'))}/`;
const typed = declarations
  .getSourceFiles()
  .map((file) => posix(file.fileName))
  .filter((path) => path.startsWith(dist) && !path.startsWith(`${dist}cjs/`))
  .map((path) => `src/${path.slice(dist.length).replace(/\.d\.ts$/, '.ts')}`);
const graph = await build({
  absWorkingDir: root,
  entryPoints: entries.map((e) => e.source),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  write: false,
  metafile: true,
  outdir: 'unused',
  logLevel: 'error',
});
const run = Object.keys(graph.metafile.inputs)
  .map(posix)
  .filter((path) => path.startsWith('src/'));
const sources = [...new Set([...typed, ...run])].sort();

// 1. Each of those source files compiled to CommonJS, one by one.
rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: sources,
  outbase: 'src',
  outdir: out,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
writeFileSync(join(out, 'package.json'), '{\n  "type": "commonjs"\n}\n');

// 2. tsc's declarations, next to them.
for (const source of sources) {
  const dts = source.slice('src/'.length).replace(/\.ts$/, '.d.ts');
  mkdirSync(dirname(join(out, dts)), { recursive: true });
  try {
    copyFileSync(join(root, 'dist', dts), join(out, dts));
  } catch {
    fail(`dist/${dts} is missing: run tsc -p tsconfig.build.json first (npm run build does)`);
  }
}

// 3. The wrappers: module.exports = the default export, for the entries whose require target is a .cjs file.
const checker = declarations.getTypeChecker();
const resolved = (symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
/** The names a type parameter's constraint and default take from declarations (not globals, not type parameters): name → symbol. */
function references(node, found = new Map()) {
  let name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : null;
  while (name !== null && ts.isQualifiedName(name)) name = name.left;
  const symbol = name === null ? undefined : checker.getSymbolAtLocation(name);
  if (symbol !== undefined && !(symbol.flags & ts.SymbolFlags.TypeParameter)) found.set(name.text, symbol);
  ts.forEachChild(node, (child) => void references(child, found));
  return found;
}
/**
 * How a .d.cts in dist/cjs/<from> imports `name` as the declaration file `file` (under dist/) sees
 * it: from where that file imports it, or from that file when the file declares and exports it.
 */
function importOf(name, symbol, file, from) {
  if (!posix(file).startsWith(dist)) return null;
  const inCjs = (path) => `./${posix(relative(dirname(join(out, from)), join(out, relative(join(root, 'dist'), path))))}`.replace(/\.d\.ts$/, '.js');
  const specifier = symbol.declarations?.find(ts.isImportSpecifier);
  if (specifier !== undefined) {
    const module = specifier.parent.parent.parent.moduleSpecifier.text;
    const source = module.startsWith('.') ? inCjs(join(dirname(file), module.replace(/\.js$/, '.d.ts'))) : module;
    return { name, imported: (specifier.propertyName ?? specifier.name).text, from: source };
  }
  const own = checker.getExportsOfModule(checker.getSymbolAtLocation(declarations.getSourceFile(file)));
  if (!own.some((s) => s.name === name && resolved(s) === resolved(symbol))) return null;
  return { name, imported: name, from: inCjs(file) };
}
for (const entry of entries.filter((e) => e.wrapper !== null)) {
  const specifier = `./${posix(relative(dirname(join(out, entry.wrapper)), join(out, entry.module)))}`;
  const banner = `// ${pkg.name}${entry.subpath.slice(1)} for require(): generated by scripts/build-cjs.mjs from ${specifier}.`;
  writeFileSync(
    join(out, entry.wrapper),
    `'use strict';\n${banner}\n// module.exports is the default export itself, with every named export on it too.\n` +
      `const entry = require(${JSON.stringify(specifier)});\nmodule.exports = Object.assign(entry.default, entry);\n`,
  );

  // The types go in a namespace merged with the module.exports constant, as type aliases only (an
  // alias with a value meaning, `export import X = ...`, would make the namespace a value too, and a
  // value namespace cannot merge with a constant), each with its type parameters.
  const dts = join(root, 'dist', entry.module.replace(/\.js$/, '.d.ts'));
  const moduleSymbol = checker.getSymbolAtLocation(declarations.getSourceFile(dts));
  if (moduleSymbol === undefined) fail(`cannot read ${dts}`);
  const exported = checker.getExportsOfModule(moduleSymbol);
  if (!exported.some((s) => s.name === 'default')) fail(`${entry.source} has no default export, so its require target cannot be a .cjs wrapper`);
  const lines = [];
  const imports = new Map(); // name → { imported, from }
  for (const symbol of exported) {
    if (symbol.name === 'default') continue;
    const target = resolved(symbol);
    if (!(target.flags & ts.SymbolFlags.Type)) continue; // a value only: it is on the function
    const declaration = target.declarations?.find((d) => ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d) || ts.isClassDeclaration(d));
    const params = declaration?.typeParameters ?? [];
    for (const param of params) {
      for (const [name, used] of references(param)) {
        const wanted = importOf(name, used, declaration.getSourceFile().fileName, entry.wrapper);
        const taken = imports.get(name);
        if (wanted === null || name === 'entry' || name === 'corsproof' || (taken !== undefined && JSON.stringify(taken) !== JSON.stringify(wanted))) {
          fail(`${entry.source}: the type parameter ${param.name.text} of ${symbol.name} names ${name}, which build-cjs.mjs cannot import into the .d.cts`);
        }
        imports.set(name, wanted);
      }
    }
    const declared = params.length === 0 ? '' : `<${params.map((p) => p.getText()).join(', ')}>`;
    const passed = params.length === 0 ? '' : `<${params.map((p) => p.name.text).join(', ')}>`;
    lines.push(`  export type ${symbol.name}${declared} = entry.${symbol.name}${passed};`);
  }
  const typeImports = [...imports.values()].map(({ name, imported, from }) => `import type { ${imported === name ? name : `${imported} as ${name}`} } from ${JSON.stringify(from)};\n`);
  writeFileSync(
    join(out, entry.wrapper.replace(/\.cjs$/, '.d.cts')),
    `${banner}\n` +
      `import * as entry from ${JSON.stringify(specifier)};\n` +
      typeImports.join('') +
      `/** module.exports: the default export, with every named export on it. */\n` +
      `declare const corsproof: typeof entry.default & typeof entry;\n` +
      `declare namespace corsproof {\n${lines.join('\n')}\n}\n` +
      `export = corsproof;\n`,
  );
}
