/**
 * The package as users get it: `npm pack`, the tarball installed (offline, from the npm cache)
 * into clean projects, then loaded with require() and with import, type-checked by the repo's tsc
 * in the module modes users have (node16 CommonJS, nodenext ESM, bundler), and checked by attw.
 * It packs dist/ as it is: `npm test` builds first; alone, run `npm run test:package`.
 *
 * `npm ci` caches tarballs but not the registry's package documents, so a plain
 * `npm install --offline <tarball>` cannot resolve corsproof's dependency ranges. Each project
 * therefore gets a package-lock.json pinning what it installs to the versions in the repo's own
 * package-lock.json, and npm installs those from the cache by integrity: no network.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command; npm's own npm_* variables (set when this runs under `npm test`) are left out. */
function run(command: string, args: string[], cwd: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The output of a run, for a failure message. */
const shown = (r: Run): string => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

interface LockEntry {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [field: string]: unknown;
}

/**
 * A package-lock.json for a project depending on the tarball and on `extra` (names from the repo's
 * lock): the tarball's entry, then every package reached from there, where the repo's lock has it
 * (Node's lookup: the nearest node_modules up the path).
 */
function lockfile(name: string, tarball: { file: string; integrity: string }, pkg: { version: string; dependencies: Record<string, string> }, repoLock: Record<string, LockEntry>, extra: string[]): { manifest: object; lock: object } {
  const spec = `file:../${tarball.file}`;
  const dependencies: Record<string, string> = { corsproof: spec };
  for (const dep of extra) dependencies[dep] = (repoLock[`node_modules/${dep}`] ?? { version: '' }).version;
  const packages: Record<string, object> = {
    '': { name, dependencies },
    'node_modules/corsproof': { version: pkg.version, resolved: spec, integrity: tarball.integrity, dependencies: pkg.dependencies },
  };
  const queue: Array<[string, Record<string, string>]> = [
    ['', dependencies],
    ['node_modules/corsproof', pkg.dependencies],
  ];
  const locate = (from: string, dep: string): string | undefined => {
    for (let at = from; ; at = at.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, '')) {
      const key = `${at === '' ? '' : `${at}/`}node_modules/${dep}`;
      if (repoLock[key] !== undefined) return key;
      if (at === '') return undefined;
    }
  };
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const [from, deps] = next;
    for (const dep of Object.keys(deps)) {
      if (dep === 'corsproof') continue;
      const key = locate(from, dep);
      if (key === undefined) throw new Error(`${dep} (needed by ${from || name}) is not in the repo's package-lock.json`);
      if (key in packages) continue;
      // dev / devOptional / peer say how the repo reaches a package; here every one is a dependency.
      const entry: LockEntry = { ...repoLock[key]! };
      delete entry.dev;
      delete entry.devOptional;
      delete entry.peer;
      packages[key] = entry;
      queue.push([key, { ...entry.dependencies, ...entry.optionalDependencies }]);
    }
  }
  return { manifest: { name, private: true, dependencies }, lock: { name, lockfileVersion: 3, requires: true, packages } };
}

// ---- The projects' files ------------------------------------------------------------------------

/** CommonJS at run time: every entry required; facts printed as JSON (asserted below). */
const CJS_RUNTIME = `'use strict';
const http = require('node:http');
const express = require('express');
const Fastify = require('fastify');
const corsproof = require('corsproof');
const cors = require('corsproof/express');
const koa = require('corsproof/koa');
const fastifyPlugin = require('corsproof/fastify');
const named = Object.fromEntries(['node', 'fetch', 'hono'].map((name) => [name, require('corsproof/' + name)]));

const shape = (fn) => ({ type: typeof fn, self: fn.cors === fn && fn.default === fn, error: fn.CorsConfigError === corsproof.CorsConfigError, keys: Object.keys(fn).sort() });
const facts = {
  resolved: ['corsproof', 'corsproof/express', 'corsproof/koa', 'corsproof/fastify', 'corsproof/node', 'corsproof/fetch', 'corsproof/hono', 'corsproof/doctor', 'corsproof/testing'].map((id) => require.resolve(id).split('node_modules/corsproof/')[1]),
  doctor: Object.keys(require('corsproof/doctor')).sort(),
  root: { evaluate: typeof corsproof.evaluate, createPolicy: typeof corsproof.createPolicy },
  express: shape(cors),
  koa: shape(koa),
  fastify: { ...shape(fastifyPlugin), skipOverride: fastifyPlugin[Symbol.for('skip-override')], displayName: fastifyPlugin[Symbol.for('fastify.display-name')] },
  named: Object.fromEntries(Object.entries(named).map(([name, m]) => [name, { keys: Object.keys(m).sort(), error: m.CorsConfigError === corsproof.CorsConfigError }])),
  honoCors: typeof named.hono.cors,
};
try {
  cors({ origin: '*', credentials: true });
  facts.thrown = null;
} catch (error) {
  facts.thrown = { name: error.name, instanceOf: error instanceof corsproof.CorsConfigError && error instanceof cors.CorsConfigError };
}

const preflight = (port) =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'OPTIONS', path: '/items', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: Object.fromEntries(Object.entries(res.headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary')) }));
    });
    req.on('error', reject);
    req.end();
  });

(async () => {
  const app = express();
  app.use(cors({ origin: ['https://app.example.com'], credentials: true, methods: ['GET', 'PUT'] }));
  app.put('/items', (_req, res) => res.send('ok'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    facts.express.preflight = await preflight(server.address().port);
  } finally {
    server.close();
  }
  // corsproof/testing from CommonJS (Jest's default mode): the app in this process, no port of ours.
  const { expectCors } = require('corsproof/testing');
  const page = expectCors(app).from('https://app.example.com');
  const put = await page.fetch('/items', { method: 'PUT', headers: { 'Content-Type': 'text/csv' }, credentials: 'include' }).toPass();
  const evil = await expectCors(app).from('https://evil.example').fetch('/items', { method: 'PUT' }).toBeBlocked('CORSMissingAllowOrigin');
  facts.testing = { put: put.ok, preflighted: put.preflight.required, evil: evil.failedAt };

  const fastify = Fastify();
  await fastify.register(require('corsproof/fastify'), { origin: ['https://app.example.com'], credentials: true, methods: ['GET', 'PUT'] });
  fastify.put('/items', async () => 'ok');
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  try {
    facts.fastify.preflight = await preflight(fastify.server.address().port);
  } finally {
    await fastify.close();
  }
  process.stdout.write(JSON.stringify(facts));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

/**
 * ESM at run time: every entry imported; each entry's names the same from require() (the CommonJS
 * build's own classes: an error from one build is not an instance of the other's class, documented).
 */
const ESM_RUNTIME = `import { createRequire } from 'node:module';
import * as corsproof from 'corsproof';
import cors, { cors as namedCors, CorsConfigError } from 'corsproof/express';
import koa from 'corsproof/koa';
import fastify from 'corsproof/fastify';
import hono, { cors as honoCors } from 'corsproof/hono';
import * as node from 'corsproof/node';
import * as fetchAdapter from 'corsproof/fetch';

const entries = ['corsproof', 'corsproof/express', 'corsproof/koa', 'corsproof/fastify', 'corsproof/node', 'corsproof/fetch', 'corsproof/hono', 'corsproof/doctor', 'corsproof/testing'];
const require = createRequire(import.meta.url);
let thrown = null;
try {
  cors({ origin: '*', credentials: true });
} catch (error) {
  thrown = { name: error.name, instanceOf: error instanceof CorsConfigError, instanceOfCjs: error instanceof require('corsproof').CorsConfigError };
}
const namesDiffer = [];
for (const id of entries) {
  const esm = Object.keys(await import(id)).sort();
  const cjs = Object.keys(require(id)).sort();
  if (JSON.stringify(esm) !== JSON.stringify(cjs)) namesDiffer.push({ id, esm, cjs });
}
process.stdout.write(JSON.stringify({
  resolved: entries.map((id) => import.meta.resolve(id).split('node_modules/corsproof/')[1]),
  root: { evaluate: typeof corsproof.evaluate, createPolicy: typeof corsproof.createPolicy },
  express: { type: typeof cors, named: namedCors === cors, error: CorsConfigError === corsproof.CorsConfigError },
  koa: typeof koa,
  fastify: { type: typeof fastify, skipOverride: fastify[Symbol.for('skip-override')], displayName: fastify[Symbol.for('fastify.display-name')] },
  hono: { type: typeof hono, named: honoCors === hono },
  node: typeof node.cors,
  fetch: typeof fetchAdapter.withCors,
  thrown,
  namesDiffer,
}));
`;

/**
 * Types from CommonJS (node16, "type": "commonjs"): \`import x = require()\`, the types on the
 * function's namespace, Express's and Fastify's own types accepting the middleware and the plugin.
 * Each @ts-expect-error must meet an error (tsc reports an unused one): the types are not \`any\`.
 */
const CJS_TYPES = `import cors = require('corsproof/express');
import corsDefault from 'corsproof/express';
import type { CorsOptions } from 'corsproof/express';
import { CorsConfigError } from 'corsproof/express';
import express = require('express');
import Fastify = require('fastify');
import corsproof = require('corsproof');
import koa = require('corsproof/koa');
import fastifyPlugin = require('corsproof/fastify');
import hono = require('corsproof/hono');
import node = require('corsproof/node');
import fetchAdapter = require('corsproof/fetch');

const options: cors.CorsOptions = { origin: ['https://app.example.com'], credentials: true };
const same: CorsOptions = options;
const app = express();
app.use(cors(same), cors.cors(), cors.default(), corsDefault());
const middleware: cors.Middleware = cors(options);
const error: cors.CorsConfigError = new CorsConfigError([]);
const problems: readonly { code: string }[] = error.problems;
const koaMiddleware: koa.KoaMiddleware = koa({ origin: '*' });
const koaStatus = (ctx: koa.KoaContext): number => ctx.status;
const fastifyOptions: fastifyPlugin.FastifyCorsOptions = { origin: ['https://app.example.com'] };
void Fastify().register(fastifyPlugin, { origin: ['https://app.example.com'] });
const honoMiddleware: hono.HonoMiddleware = hono.cors({});
const policy: corsproof.Policy = corsproof.createPolicy({ origin: 'https://app.example.com' });
void [middleware, problems, koaMiddleware, koaStatus, fastifyOptions, honoMiddleware, policy, node.cors({}), fetchAdapter.withCors({}, () => new Response()), corsproof.evaluate];

// @ts-expect-error: the options are an object
cors(42);
// @ts-expect-error: not an option
koa({ origins: ['https://app.example.com'] });
// @ts-expect-error: evaluate takes a scenario
corsproof.evaluate(42);
`;

/** Types from ESM (nodenext, "type": "module") and for bundlers (the same file). */
const ESM_TYPES = `import cors, { cors as named, CorsConfigError, type CorsOptions, type Middleware } from 'corsproof/express';
import { createPolicy, evaluate, type Policy } from 'corsproof';
import koa, { type KoaMiddleware } from 'corsproof/koa';
import fastifyPlugin, { type FastifyCorsOptions } from 'corsproof/fastify';
import hono, { cors as honoCors, type HonoMiddleware } from 'corsproof/hono';
import { cors as nodeCors } from 'corsproof/node';
import { withCors } from 'corsproof/fetch';

const options: CorsOptions = { origin: ['https://app.example.com'], credentials: true };
const middleware: Middleware = cors(options);
const again: Middleware = named(options);
const error: CorsConfigError = new CorsConfigError([]);
const koaMiddleware: KoaMiddleware = koa({ origin: '*' });
const plugin: (instance: unknown, options?: FastifyCorsOptions) => Promise<void> = fastifyPlugin;
const honoMiddleware: HonoMiddleware = hono({});
const policy: Policy = createPolicy({ origin: 'https://app.example.com' });
void [middleware, again, error, koaMiddleware, plugin, honoMiddleware, honoCors, policy, nodeCors({}), withCors({}, () => new Response()), evaluate];

// @ts-expect-error: the options are an object
cors(42);
// @ts-expect-error: not an option
koa({ origins: ['https://app.example.com'] });
// @ts-expect-error: evaluate takes a scenario
evaluate(42);
`;

/**
 * A tsconfig as a user writes it: strict, Node's types without the DOM's (the package's types must
 * not need them). skipLibCheck, as most projects have it (checking @types/node, Express's and
 * Fastify's types too takes minutes on a busy machine); a broken declaration still shows, as errors
 * where check-types.ts uses it.
 */
const tsconfig = (module: 'node16' | 'nodenext' | 'preserve', moduleResolution: 'node16' | 'nodenext' | 'bundler'): string =>
  JSON.stringify({
    compilerOptions: { target: 'es2022', lib: ['es2022'], module, moduleResolution, strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
    files: ['check-types.ts'],
  });

// ---- The test -----------------------------------------------------------------------------------

let work = '';
let tarball = '';
let packed: { files: Array<{ path: string }> } = { files: [] };
/** Each project's install, started in beforeAll. */
const installs = new Map<'cjs' | 'esm', Promise<Run>>();

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'cjs', 'package.json'))) throw new Error('dist/cjs is missing: run `npm run build` first (npm test does)');
  work = await mkdtemp(join(tmpdir(), 'corsproof-pack-'));
  const pack = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root);
  expect(pack.code, shown(pack)).toBe(0);
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; integrity: string; files: Array<{ path: string }> }>;
  packed = info!;
  tarball = join(work, info!.filename);

  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const repoLock = (JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const projects = {
    cjs: { type: 'commonjs', extra: ['express', 'fastify', '@types/express', '@types/node'], files: { 'check.cjs': CJS_RUNTIME, 'check-types.ts': CJS_TYPES, 'tsconfig.node16.json': tsconfig('node16', 'node16') } },
    esm: { type: 'module', extra: ['@types/node'], files: { 'check.mjs': ESM_RUNTIME, 'check-types.ts': ESM_TYPES, 'tsconfig.nodenext.json': tsconfig('nodenext', 'nodenext'), 'tsconfig.bundler.json': tsconfig('preserve', 'bundler') } },
  } as const;
  for (const [name, project] of Object.entries(projects) as Array<[keyof typeof projects, (typeof projects)[keyof typeof projects]]>) {
    const dir = join(work, name);
    await mkdir(dir);
    const { manifest, lock } = lockfile(`${name}-app`, { file: info!.filename, integrity: info!.integrity }, pkg, repoLock, [...project.extra]);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ ...manifest, type: project.type }, null, 2));
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
    for (const [file, text] of Object.entries(project.files)) await writeFile(join(dir, file), text);
    installs.set(name, run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], dir));
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(installs.values());
  if (work !== '') await rm(work, { recursive: true, force: true });
});

/** Wait for a project's install; it must have worked. */
async function installed(name: 'cjs' | 'esm'): Promise<string> {
  const install = await installs.get(name);
  if (install?.code !== 0) throw new Error(`npm install --offline in the ${name} project failed:\n${install === undefined ? 'not started' : shown(install)}`);
  return join(work, name);
}

describe('the packed package', () => {
  it('ships both builds, the playground page and no tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const path of ['package.json', 'dist/index.js', 'dist/cjs/package.json', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/express.cjs', 'dist/cjs/express.d.cts', 'dist/cjs/koa.cjs', 'dist/cjs/fastify.cjs', 'dist/cli/main.js', 'dist/site/index.html']) expect(paths).toContain(path);
    expect(paths.some((p) => /^dist\/site\/main-[^/]+\.js$/.test(p))).toBe(true);
    expect(paths.filter((p) => /\.test\.|^src\/|^test\//.test(p))).toEqual([]);
  });

  it.concurrent('has types right for node10, node16 (CommonJS and ESM) and bundler: attw', async ({ expect }) => {
    const r = await run(process.execPath, [attw, tarball], work);
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toContain('No problems found');
  });

  it.concurrent('loads from CommonJS without require(esm): the middleware itself, every entry, Express and Fastify answering a preflight on loopback', async ({ expect }) => {
    const dir = await installed('cjs');
    // Without require(esm), as Node 20 before 20.19 and Jest's loader: nothing may lean on it.
    const r = await run(process.execPath, ['--no-experimental-require-module', 'check.cjs'], dir);
    expect(r.code, shown(r)).toBe(0);
    const facts = JSON.parse(r.stdout) as Record<string, unknown>;
    const fn = { type: 'function', self: true, error: true, keys: expect.arrayContaining(['CorsConfigError', 'cors', 'default']) };
    const preflight = {
      status: 204,
      headers: {
        'access-control-allow-origin': 'https://app.example.com',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': expect.stringMatching(/\bPUT\b/),
        'access-control-allow-headers': expect.stringMatching(/^content-type$/i),
        vary: expect.stringMatching(/Origin/i),
      },
    };
    expect(facts).toEqual({
      resolved: ['dist/cjs/index.js', 'dist/cjs/express.cjs', 'dist/cjs/koa.cjs', 'dist/cjs/fastify.cjs', 'dist/cjs/adapters/node.js', 'dist/cjs/adapters/fetch.js', 'dist/cjs/adapters/hono.js', 'dist/cjs/doctor/index.js', 'dist/cjs/testing/index.js'],
      doctor: ['CurlError', 'HarError', 'NetworkFailure', 'check', 'diagnoseHar', 'parseCurl', 'recipesForReport'],
      root: { evaluate: 'function', createPolicy: 'function' },
      express: { ...fn, preflight },
      koa: fn,
      fastify: { ...fn, skipOverride: true, displayName: 'corsproof', preflight },
      named: {
        node: { keys: expect.arrayContaining(['CorsConfigError', 'cors', 'withCors']), error: true },
        fetch: { keys: expect.arrayContaining(['CorsConfigError', 'cors', 'withCors']), error: true },
        hono: { keys: expect.arrayContaining(['CorsConfigError', 'cors', 'default']), error: true },
      },
      honoCors: 'function',
      thrown: { name: 'CorsConfigError', instanceOf: true },
      testing: { put: true, preflighted: true, evil: 'preflight' },
    });
  });

  it.concurrent('loads from ESM as before, with the same names as from require()', async ({ expect }) => {
    const dir = await installed('esm');
    const r = await run(process.execPath, ['check.mjs'], dir);
    expect(r.code, shown(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      resolved: ['dist/index.js', 'dist/adapters/express.js', 'dist/adapters/koa.js', 'dist/adapters/fastify.js', 'dist/adapters/node.js', 'dist/adapters/fetch.js', 'dist/adapters/hono.js', 'dist/doctor/index.js', 'dist/testing/index.js'],
      root: { evaluate: 'function', createPolicy: 'function' },
      express: { type: 'function', named: true, error: true },
      koa: 'function',
      fastify: { type: 'function', skipOverride: true, displayName: 'corsproof' },
      hono: { type: 'function', named: true },
      node: 'function',
      fetch: 'function',
      // One class per format: an error from the ESM build is not an instance of the CommonJS build's class.
      thrown: { name: 'CorsConfigError', instanceOf: true, instanceOfCjs: false },
      namesDiffer: [],
    });
  });

  it.concurrent.for([
    ['cjs', 'tsconfig.node16.json'],
    ['esm', 'tsconfig.nodenext.json'],
    ['esm', 'tsconfig.bundler.json'],
  ] as const)('type-checks for users: the %s project with %s (strict; wrong calls are errors)', async ([name, config], { expect }) => {
    const dir = await installed(name);
    const r = await run(process.execPath, [tsc, '-p', config], dir);
    expect(r.code, shown(r)).toBe(0);
  });
});
