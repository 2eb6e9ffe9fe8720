/**
 * How the recipe suite runs each rendered recipe for real: the snippet
 * written to a directory inside the repository (so that `corsproof/...`
 * resolves through the package's self-reference and the frameworks from
 * node_modules), completed only where a snippet says "as you have them"
 * (a port, a listen line, an upstream), and started on a free loopback port.
 *
 * Every change to a snippet goes through {@link replaceOnce}: when a recipe
 * stops containing the line the suite expects, the suite fails instead of
 * running something else.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import { Miniflare } from 'miniflare';
import { freePort, requireTool, root, runToEnd, startProcess, waitForPort } from './procs.js';

/** Where one run of a recipe lives and what it proxies to. */
export interface LaunchContext {
  /** An empty directory for this run, inside the repository (.cache/recipes/...). */
  dir: string;
  /** The failing demo server the proxies put themselves in front of: `http://127.0.0.1:<port>`. */
  upstream: string;
  /** The path the demo server is checked on, e.g. `/api/items`. */
  upstreamPath: string;
}

/** A recipe running on loopback. */
export interface Launched {
  /** The URL to check, on the recipe's own route. */
  url: string;
  stop(): Promise<void>;
}

export type Launcher = (snippet: string, ctx: LaunchContext) => Promise<Launched>;

export const CACHE = join(root, '.cache', 'recipes');

/** A fresh directory under .cache/recipes. */
export function freshDir(...parts: string[]): string {
  const dir = join(CACHE, ...parts);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** `text` with the one occurrence of `from` replaced; throws when there is not exactly one. */
export function replaceOnce(text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected exactly one ${JSON.stringify(from)} in the recipe, found ${count}:\n${text}`);
  return text.replace(from, () => to);
}

/** TypeScript to JavaScript (types stripped, nothing else changed). */
async function stripTypes(code: string): Promise<string> {
  return (await transform(code, { loader: 'ts', format: 'esm', target: 'es2022' })).code;
}

/** A Node recipe that listens itself: the listen line pointed at a free loopback port, then `node app.mjs`. */
function nodeListening(listenLine: string, loopbackLine: (port: number) => string): Launcher {
  return async (snippet, { dir }) => {
    const port = await freePort();
    writeFileSync(join(dir, 'app.mjs'), replaceOnce(snippet, listenLine, loopbackLine(port)));
    const proc = startProcess(`node ${dir}/app.mjs`, process.execPath, ['app.mjs'], { cwd: dir });
    await waitForPort(proc, port);
    return { url: `http://127.0.0.1:${port}/api/hello`, stop: () => proc.stop() };
  };
}

const express = nodeListening('app.listen(3000);', (port) => `app.listen(${port}, '127.0.0.1');`);
const fastify = nodeListening('await app.listen({ port: 3000 });', (port) => `await app.listen({ port: ${port}, host: '127.0.0.1' });`);

/** A module that `export default`s a fetch handler (a Hono app or `{ fetch }`), served on Node as the recipe says: @hono/node-server. */
const fetchModule: Launcher = async (snippet, { dir }) => {
  writeFileSync(join(dir, 'app.ts'), snippet);
  writeFileSync(join(dir, 'app.mjs'), await stripTypes(snippet));
  writeFileSync(
    join(dir, 'serve.mjs'),
    [
      "import { serve } from '@hono/node-server';",
      "import app from './app.mjs';",
      "serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });",
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const proc = startProcess(`node ${dir}/serve.mjs`, process.execPath, ['serve.mjs'], { cwd: dir, env: { PORT: String(port) } });
  await waitForPort(proc, port);
  return { url: `http://127.0.0.1:${port}/api/hello`, stop: () => proc.stop() };
};

/** nginx: the recipe (map + server) inside an http block; its listen line and upstream filled in. */
const nginx: Launcher = async (snippet, { dir, upstream, upstreamPath }) => {
  const bin = requireTool('nginx');
  const port = await freePort();
  let conf = replaceOnce(snippet, '    # listen, server_name, ssl_certificate ... as you have them.\n', `    # listen, server_name, ssl_certificate ... as you have them.\n    listen 127.0.0.1:${port};\n`);
  conf = replaceOnce(conf, 'proxy_pass http://127.0.0.1:3000;', `proxy_pass ${upstream};`);
  mkdirSync(join(dir, 'temp'));
  const main = [
    'master_process off;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 64; }',
    'http {',
    '    access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/temp/${t};`),
    conf,
    '}',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'nginx.conf'), main);
  const test = await runToEnd(bin, ['-t', '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { cwd: dir });
  if (test.code !== 0) throw new Error(`nginx -t refused the recipe:\n${test.output}\n${main}`);
  const proc = startProcess('nginx', bin, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { cwd: dir });
  await waitForPort(proc, port);
  return { url: `http://127.0.0.1:${port}${upstreamPath}`, stop: () => proc.stop() };
};

/** Caddy: the site block on a loopback http:// address (no ACME), admin endpoint off, upstream filled in. */
const caddy: Launcher = async (snippet, { dir, upstream, upstreamPath }) => {
  const bin = requireTool('caddy');
  const port = await freePort();
  let site = replaceOnce(snippet, '\napi.example.com {\n', `\nhttp://127.0.0.1:${port} {\n`);
  site = replaceOnce(site, 'reverse_proxy 127.0.0.1:3000 {', `reverse_proxy ${new URL(upstream).host} {`);
  writeFileSync(join(dir, 'Caddyfile'), `{\n\tadmin off\n}\n\n${site}`);
  const env = { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const valid = await runToEnd(bin, ['validate', '--adapter', 'caddyfile', '--config', join(dir, 'Caddyfile')], { cwd: dir, env });
  if (valid.code !== 0) throw new Error(`caddy validate refused the recipe:\n${valid.output}\n${site}`);
  const proc = startProcess('caddy', bin, ['run', '--adapter', 'caddyfile', '--config', join(dir, 'Caddyfile')], { cwd: dir, env });
  await waitForPort(proc, port);
  return { url: `http://127.0.0.1:${port}${upstreamPath}`, stop: () => proc.stop() };
};

const APACHE_MODULES = ['mpm_event', 'authz_core', 'setenvif', 'headers', 'rewrite', 'proxy', 'proxy_http'];

/** Apache httpd: a minimal server config, the recipe inside the <VirtualHost> in front of the upstream; one process (-X). */
const apache: Launcher = async (snippet, { dir, upstream, upstreamPath }) => {
  const bin = requireTool('apache2');
  const port = await freePort();
  const conf = [
    `ServerRoot ${dir}`,
    `DefaultRuntimeDir ${dir}`,
    `PidFile ${dir}/httpd.pid`,
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn',
    'ServerName 127.0.0.1',
    'User www-data',
    'Group www-data',
    ...APACHE_MODULES.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    `Listen 127.0.0.1:${port}`,
    `<VirtualHost 127.0.0.1:${port}>`,
    '# Your application, behind Apache.',
    `ProxyPass "/" "${upstream}/"`,
    '',
    '# The recipe:',
    snippet,
    '</VirtualHost>',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'httpd.conf'), conf);
  const test = await runToEnd(bin, ['-t', '-f', join(dir, 'httpd.conf')], { cwd: dir });
  if (test.code !== 0) throw new Error(`apache2 -t refused the recipe:\n${test.output}\n${conf}`);
  const proc = startProcess('apache2', bin, ['-X', '-f', join(dir, 'httpd.conf')], { cwd: dir });
  await waitForPort(proc, port);
  return { url: `http://127.0.0.1:${port}${upstreamPath}`, stop: () => proc.stop() };
};

/** Go with rs/cors from Debian (GOPATH mode, no network): built, then run. */
const goRsCors: Launcher = async (snippet, { dir }) => {
  const go = requireTool('go');
  requireTool('rsCors');
  const port = await freePort();
  writeFileSync(join(dir, 'main.go'), replaceOnce(snippet, 'http.ListenAndServe(":8080",', `http.ListenAndServe("127.0.0.1:${port}",`));
  const env = {
    GOPATH: '/usr/share/gocode',
    GO111MODULE: 'off',
    GOFLAGS: '',
    GOPROXY: 'off',
    CGO_ENABLED: '0',
    GOCACHE: join(CACHE, 'go-build'),
    HOME: dir,
  };
  const built = await runToEnd(go, ['build', '-o', 'server', 'main.go'], { cwd: dir, env, timeoutMs: 180_000 });
  if (built.code !== 0) throw new Error(`go build failed:\n${built.output}`);
  const proc = startProcess('go rs/cors server', join(dir, 'server'), [], { cwd: dir });
  await waitForPort(proc, port);
  return { url: `http://127.0.0.1:${port}/api/hello`, stop: () => proc.stop() };
};

const PY_ENV = { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', PYTHONPATH: '' };

/** Flask with Flask-CORS (Debian's): app.py as rendered, served by `flask run`. */
const flask: Launcher = async (snippet, { dir }) => {
  const python = requireTool('python3');
  requireTool('flaskCors');
  const port = await freePort();
  writeFileSync(join(dir, 'app.py'), snippet);
  const proc = startProcess('flask run', python, ['-m', 'flask', '--app', 'app', 'run', '--host', '127.0.0.1', '--port', String(port)], { cwd: dir, env: PY_ENV });
  await waitForPort(proc, port);
  return { url: `http://127.0.0.1:${port}/api/hello`, stop: () => proc.stop() };
};

/**
 * Django with django-cors-headers (Debian's): a minimal project whose
 * settings.py is what `startproject` gives (the middleware that matters for
 * CORS: security, common, CSRF) with the recipe appended "at the end", as it
 * says; one JSON view at /api/hello; `runserver --noreload`.
 */
const django: Launcher = async (snippet, { dir }) => {
  const python = requireTool('python3');
  requireTool('djangoCors');
  const port = await freePort();
  mkdirSync(join(dir, 'project'));
  writeFileSync(join(dir, 'project', '__init__.py'), '');
  writeFileSync(
    join(dir, 'project', 'urls.py'),
    [
      'from django.http import JsonResponse',
      'from django.urls import path',
      '',
      '',
      'def hello(request):',
      '    return JsonResponse({"hello": "world"})',
      '',
      '',
      'urlpatterns = [path("api/hello", hello)]',
      '',
    ].join('\n'),
  );
  const base = [
    'SECRET_KEY = "corsproof-recipe-test-only"',
    'DEBUG = False',
    'ALLOWED_HOSTS = ["127.0.0.1"]',
    'ROOT_URLCONF = "project.urls"',
    'USE_TZ = True',
    'INSTALLED_APPS = [',
    '    "django.contrib.contenttypes",',
    ']',
    'MIDDLEWARE = [',
    '    "django.middleware.security.SecurityMiddleware",',
    '    "django.middleware.common.CommonMiddleware",',
    '    "django.middleware.csrf.CsrfViewMiddleware",',
    '    "django.middleware.clickjacking.XFrameOptionsMiddleware",',
    ']',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'project', 'settings.py'), `${base}\n${snippet}`);
  const env = { ...PY_ENV, PYTHONPATH: dir, DJANGO_SETTINGS_MODULE: 'project.settings' };
  const proc = startProcess('django runserver', python, ['-m', 'django', 'runserver', `127.0.0.1:${port}`, '--noreload'], { cwd: dir, env });
  await waitForPort(proc, port);
  return { url: `http://127.0.0.1:${port}/api/hello`, stop: () => proc.stop() };
};

/** The Worker in workerd, through Miniflare (as `wrangler dev` runs it). */
const cloudflareWorkers: Launcher = async (snippet, { dir }) => {
  writeFileSync(join(dir, 'index.js'), snippet);
  const mf = new Miniflare({ modules: true, scriptPath: join(dir, 'index.js'), host: '127.0.0.1', port: 0, compatibilityDate: '2026-01-01' });
  const url = await mf.ready;
  return { url: new URL('/api/hello', url).href, stop: () => mf.dispose() };
};

/**
 * The REST API's Lambda handler, run behind a loopback stand-in for API
 * Gateway's Lambda proxy integration: each HTTP request becomes a version 1.0
 * proxy event (httpMethod, path, headers with the client's case,
 * multiValueHeaders, body) and the handler's `{statusCode, headers, body}`
 * becomes the response, as API Gateway documents it. API Gateway itself
 * (mock integrations, gateway responses) is not emulated.
 */
const awsApigwRest: Launcher = async (snippet, { dir }) => {
  const file = join(dir, 'index.mjs');
  writeFileSync(file, snippet);
  type Result = { statusCode: number; headers?: Record<string, string>; body?: string };
  const mod = (await import(/* @vite-ignore */ `${pathToFileURL(file).href}?${Date.now()}`)) as { handler: (event: unknown) => Promise<Result> };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      const value = req.rawHeaders[i + 1] as string;
      headers[name] = value;
      (multiValueHeaders[name] ??= []).push(value);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const event = {
        resource: '/{proxy+}',
        path: url.pathname,
        httpMethod: req.method,
        headers,
        multiValueHeaders,
        queryStringParameters: null,
        body: chunks.length > 0 ? Buffer.concat(chunks).toString() : null,
        isBase64Encoded: false,
        requestContext: { httpMethod: req.method, path: url.pathname, stage: 'test' },
      };
      mod.handler(event).then(
        (r) => {
          res.writeHead(r.statusCode, r.headers ?? {});
          res.end(r.body ?? '');
        },
        () => {
          res.statusCode = 502;
          res.end('{"message": "Internal server error"}');
        },
      );
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/api/hello`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** The recipes run for real, by id. */
export const LAUNCHERS: Record<string, Launcher> = {
  'corsproof-express': express,
  'corsproof-fastify': fastify,
  'corsproof-koa': express, // `app.listen(3000);` too
  'corsproof-hono': fetchModule,
  'corsproof-fetch': fetchModule,
  'express-cors': express,
  'fastify-cors': fastify,
  'koa-cors': express,
  'hono-cors': fetchModule,
  nginx,
  caddy,
  apache,
  'go-rs-cors': goRsCors,
  flask,
  django,
  'cloudflare-workers': cloudflareWorkers,
  'aws-apigw-rest': awsApigwRest,
};

// ---- Next.js ---------------------------------------------------------------------

/** The App Router form in the corsproof-fetch recipe: its commented `export const` lines as a route.ts (the edge `export default` left out). */
export function appRouterForm(snippet: string): string {
  const lines = snippet.split('\n');
  const start = lines.indexOf('export default {');
  const end = lines.indexOf('};', start);
  if (start < 0 || end < 0) throw new Error(`no 'export default { ... };' block in the corsproof-fetch recipe:\n${snippet}`);
  const kept = [...lines.slice(0, start), ...lines.slice(end + 1)];
  const exports = kept.filter((l) => l.startsWith('//   export const '));
  if (!exports.some((l) => l.startsWith('//   export const OPTIONS ='))) throw new Error(`the corsproof-fetch recipe has no App Router OPTIONS export:\n${snippet}`);
  return kept.map((l) => (l.startsWith('//   export const ') ? l.slice('//   '.length) : l)).join('\n');
}

/**
 * A Next.js app as a user has it: the nextjs recipe as middleware.ts,
 * route handlers at /api/hello (the user's own, every method), and the
 * corsproof-fetch recipe's App Router form at /corsproof/hello (outside the
 * middleware's matcher, so only withCors answers there). Built with
 * `next build` (the TypeScript check included), served by `next start`.
 */
export async function startNextApp(dir: string, middleware: string, routeForm: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const next = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
  mkdirSync(join(dir, 'app', 'api', 'hello'), { recursive: true });
  mkdirSync(join(dir, 'app', 'corsproof', 'hello'), { recursive: true });
  writeFileSync(join(dir, 'middleware.ts'), middleware);
  writeFileSync(
    join(dir, 'app', 'api', 'hello', 'route.ts'),
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => `export async function ${m}() {\n  return Response.json({ hello: 'world' });\n}\n`).join('\n'),
  );
  writeFileSync(join(dir, 'app', 'corsproof', 'hello', 'route.ts'), routeForm);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', lib: ['dom', 'esnext'], strict: true, skipLibCheck: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', isolatedModules: true, jsx: 'react-jsx', esModuleInterop: true, resolveJsonModule: true, allowJs: true, incremental: true, plugins: [{ name: 'next' }] },
      include: ['next-env.d.ts', '**/*.ts', '**/*.tsx', '.next/types/**/*.ts'],
      exclude: ['node_modules'],
    }),
  );
  const env = { NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' };
  const built = await runToEnd(process.execPath, [next, 'build'], { cwd: dir, env, timeoutMs: 300_000 });
  if (built.code !== 0) throw new Error(`next build failed:\n${built.output}`);
  writeFileSync(join(dir, 'build.log'), built.output);
  const port = await freePort();
  const proc = startProcess('next start', process.execPath, [next, 'start', '-H', '127.0.0.1', '-p', String(port)], { cwd: dir, env });
  await waitForPort(proc, port, 60_000);
  return { port, stop: () => proc.stop() };
}

/** The build log of a Next.js app (for the report of what Next said about the recipe). */
export function nextBuildLog(dir: string): string {
  return readFileSync(join(dir, 'build.log'), 'utf8');
}
