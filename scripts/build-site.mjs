#!/usr/bin/env node
// The playground page, dist/site: `npm run build` runs it after the CommonJS build, `npm run
// build:site` alone. The same files are `corsproof ui`'s page and a static site for any host.
//
// esbuild, not Vite: it is already the project's one build tool (scripts/build-cjs.mjs), the page
// is one TypeScript entry and one stylesheet with no framework and no dev server to speak of,
// and Vite would add Rollup and its plugin layer (dozens of packages) to do the same bundling
// esbuild does here in well under a second. The page has no UI framework either: it is a form and
// a verdict of a few dozen elements rebuilt on input (src/site/dom.ts), and the whole budget goes
// to the engine, which the page shares with the CLI.
//
//  1. src/site/main.ts is bundled (the engine from src/engine, not copied) for current Chromium
//     and Firefox, minified, as one classic script (the page also opens from file://, where
//     module scripts do not load), with a content hash in its name; src/site/style.css likewise;
//     src/site/har-worker.ts (the HAR reader, run off the page's thread) as its own classic
//     script. Nothing bundled may be a Node built-in (node:http, fs, ...): the page runs in
//     browsers, so an import chain that reaches one (the doctor's network code) fails the build,
//     naming the importer.
//  2. src/site/index.html is written with the hashed names in place of main.js, style.css and
//     har-worker.js.
//  3. A size report: each file's bytes and gzipped bytes, and the gzipped total (--quiet, as
//     `npm run build` runs it: the total only), which must stay under the budget (150 kB for the
//     whole page): over it, the build fails.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'site');
const out = join(root, 'dist', 'site');
/** The whole page, gzipped: 150 kB. */
const BUDGET = 150 * 1000;
const quiet = process.argv.includes('--quiet');
const fail = (message) => {
  process.stderr.write(`build-site: ${message}\n`);
  process.exit(1);
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Node's built-in modules, with and without `node:`. */
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Refuses any Node built-in in the page's bundle, naming the module that imports it. */
const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (!NODE_BUILTINS.has(args.path) && !args.path.startsWith('node:')) return undefined;
      const by = relative(root, args.importer);
      return { errors: [{ text: `the page would bundle the Node built-in '${args.path}' (imported by ${by}): the page runs in browsers, so it may import only pure modules (the engine, the doctor's pure readers)` }] };
    });
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: join(src, 'main.ts'), 'har-worker': join(src, 'har-worker.ts'), style: join(src, 'style.css') },
  outdir: out,
  entryNames: '[name]-[hash]',
  bundle: true,
  // A classic deferred script, not a module: module scripts do not load from file://, and the
  // built page also opens from disk.
  format: 'iife',
  platform: 'browser',
  target: ['chrome120', 'firefox115'],
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [noNodeBuiltins],
}).catch(() => fail('esbuild failed (see above)'));

/** The file esbuild wrote for an entry. */
function outputFor(entry) {
  const found = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint !== undefined && basename(o.entryPoint) === entry);
  if (found === undefined) fail(`no output for ${entry}`);
  return basename(found[0]);
}

const html = readFileSync(join(src, 'index.html'), 'utf8');
const refs = { 'main.js': outputFor('main.ts'), 'style.css': outputFor('style.css'), 'har-worker.js': outputFor('har-worker.ts') };
let page = html;
for (const [name, hashed] of Object.entries(refs)) {
  // The worker is named in a <meta> (main.ts starts it only when a HAR file is read).
  const attr = name === 'har-worker.js' ? `content="${name}"` : name.endsWith('.js') ? `src="${name}"` : `href="${name}"`;
  if (!page.includes(attr)) fail(`src/site/index.html has no ${attr}`);
  page = page.replace(attr, attr.replace(name, hashed));
}
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(page)) fail('src/site/index.html has an inline <script>: the page\'s CSP allows none');
// Indentation only: the markup has no <pre> or <textarea> content to keep.
writeFileSync(join(out, 'index.html'), page.replace(/\n\s+/g, '\n'));

// The size report.
const rows = readdirSync(out)
  .sort()
  .map((name) => {
    const bytes = readFileSync(join(out, name));
    return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
const total = rows.reduce((sum, r) => sum + r.gzip, 0);
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
if (quiet && total <= BUDGET) {
  process.stdout.write(`dist/site: ${kb(total)} gzipped (budget ${kb(BUDGET)})\n`);
} else {
  const width = Math.max(...rows.map((r) => r.name.length));
  const lines = rows.map((r) => `  ${r.name.padEnd(width)}  ${kb(r.raw).padStart(9)}  ${kb(r.gzip).padStart(9)} gzipped`);
  process.stdout.write(`dist/site:\n${lines.join('\n')}\n  total: ${kb(total)} gzipped (budget ${kb(BUDGET)})\n`);
}
if (total > BUDGET) fail(`the page is ${kb(total)} gzipped, over the budget of ${kb(BUDGET)}`);
