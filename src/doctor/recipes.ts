/**
 * Fix recipes: for a server stack and the origins, methods and headers a
 * fix must allow, a complete configuration snippet that sends correct CORS
 * headers. Every recipe names exact origins (never `*`, never the request's
 * Origin sent back unchecked), enables credentials only when asked, and
 * answers preflights itself. Which recipes a report shows, and in what
 * order, is decided in fixes.ts.
 */
import type { LayerName } from './layers.js';

/** What the fix must allow. */
export interface RecipeInput {
  /** Exact serialized origins, e.g. `['https://app.example.com']` (at least one). */
  origins: string[];
  /** Whether the browser sends credentials (cookies, HTTP auth): `Access-Control-Allow-Credentials: true`. */
  credentials: boolean;
  /** Methods the browser may use, e.g. `['GET', 'PUT', 'DELETE']` (at least one). */
  methods: string[];
  /** Request headers the browser may send beyond the safelisted ones, e.g. `['Content-Type', 'Authorization']` (may be empty). */
  allowedHeaders: string[];
  /** Response headers script may read beyond the safelisted ones (may be empty). */
  exposedHeaders: string[];
  /** How long browsers may cache the preflight, in seconds, or `null` to leave it to the stack. */
  maxAge: number | null;
}

/** A configuration snippet for one server stack. */
export interface Recipe {
  /** Stable id, e.g. `nginx` (what `corsproof check --stack` takes). */
  id: RecipeId;
  /** Display name, e.g. `nginx`. */
  title: string;
  /** For syntax highlighting: `nginx`, `apache`, `caddyfile`, `ts`, `js`, `python`, `java`, `csharp`, `go`, `json`, `yaml`, `xml`. */
  language: string;
  /** The layers (as layer detection names them) this recipe fits, e.g. `['nginx']` or `['Express']`. */
  layers: readonly LayerName[];
  /**
   * The snippet for this input.
   *
   * @throws RecipeInputError when the input is not one a recipe can be written for safely.
   */
  render(input: RecipeInput): string;
}

/** The input of a recipe is unusable: no origin, an origin that is not a serialized origin, an invalid method or header name, a bad max age. */
export class RecipeInputError extends Error {
  /** Each problem, in plain words. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Cannot write a CORS recipe: ${problems.join(' ')}`);
    this.name = 'RecipeInputError';
    this.problems = problems;
  }
}

/** A serialized origin: lowercase scheme and host (or bracketed IPv6), optional port, nothing after. */
const SERIALIZED_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/(?:\[[0-9a-f:.]+\]|[a-z0-9._~-]+)(?::[0-9]{1,5})?$/;
/** Method and header names: a conservative subset of HTTP tokens that needs no quoting in any of the syntaxes below. */
const NAME = /^[A-Za-z0-9._-]+$/;

/** Check the input; every recipe renders only input that passes. */
function checkInput(input: RecipeInput): void {
  const problems: string[] = [];
  if (input.origins.length === 0) problems.push('Name at least one allowed origin.');
  for (const origin of input.origins) {
    if (origin === '*' || origin === 'null') {
      problems.push(`'${origin}' cannot be allowed: list the exact origins of your sites.`);
    } else if (!SERIALIZED_ORIGIN.test(origin)) {
      problems.push(`'${origin}' is not a serialized origin such as 'https://app.example.com' (lowercase scheme and host, optional port, no path and no trailing slash).`);
    }
  }
  if (input.methods.length === 0) problems.push('Name at least one method.');
  for (const method of input.methods) {
    if (!NAME.test(method)) problems.push(`'${method}' is not a method name.`);
  }
  for (const header of [...input.allowedHeaders, ...input.exposedHeaders]) {
    if (!NAME.test(header)) problems.push(`'${header}' is not a header name.`);
  }
  if (input.maxAge !== null && (!Number.isInteger(input.maxAge) || input.maxAge < 0)) {
    problems.push(`maxAge must be a whole number of seconds, got ${String(input.maxAge)}.`);
  }
  if (problems.length > 0) throw new RecipeInputError(problems);
}

/** A string's regular-expression metacharacters escaped, so it matches only itself. */
function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * An anchored regular expression (PCRE and JavaScript syntax) matching exactly
 * the given origins and nothing else: every dot escaped, one alternation
 * inside `^(?:...)$`. Used by the recipes whose stack can only compare
 * headers through a regex.
 */
export function originRegex(origins: readonly string[]): string {
  return `^(?:${origins.map(escapeRegex).join('|')})$`;
}

// ---- Rendering helpers ------------------------------------------------------

/** A single-quoted JavaScript string literal. */
function js(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A JavaScript array of string literals. */
function jsList(items: readonly string[]): string {
  return `[${items.map(js).join(', ')}]`;
}

/** A double-quoted string literal (Python, Java, C#, Go, JSON, YAML: the input is checked, so no escaping is needed). */
function dq(text: string): string {
  return `"${text}"`;
}

/** A comma-separated header value, e.g. `GET, PUT`. */
function headerList(items: readonly string[]): string {
  return items.join(', ');
}

/** Lines indented by `pad`, blank lines left blank. */
function indent(lines: readonly string[], pad: string): string[] {
  return lines.map((line) => (line === '' ? '' : pad + line));
}

/** Join the lines, leaving out `null` ones, with a final newline. */
function lines(...parts: Array<string | null | ReadonlyArray<string | null>>): string {
  const out: string[] = [];
  for (const part of parts) {
    if (part === null) continue;
    if (typeof part === 'string') out.push(part);
    else for (const line of part) if (line !== null) out.push(line);
  }
  return `${out.join('\n')}\n`;
}

/** The option names of one JavaScript CORS package. */
interface JsOptionNames {
  methods: string;
  allowedHeaders: string;
  exposedHeaders: string;
}

/** The names of corsproof and the `cors` package (and @fastify/cors). */
const CORS_NAMES: JsOptionNames = { methods: 'methods', allowedHeaders: 'allowedHeaders', exposedHeaders: 'exposedHeaders' };
/** The names of @koa/cors and hono/cors. */
const ALLOW_NAMES: JsOptionNames = { methods: 'allowMethods', allowedHeaders: 'allowHeaders', exposedHeaders: 'exposeHeaders' };

/**
 * The lines of a JavaScript options object (without braces), each with a
 * trailing comma and a short comment. `origin` is the origin line; by
 * default the list of exact origins.
 */
function jsOptions(input: RecipeInput, names: JsOptionNames, origin?: string): string[] {
  const out = [origin ?? `origin: ${jsList(input.origins)}, // exact origins: no other origin gets CORS headers`];
  if (input.credentials) out.push('credentials: true, // Access-Control-Allow-Credentials: true (cookies, HTTP auth)');
  out.push(`${names.methods}: ${jsList(input.methods)},`);
  if (input.allowedHeaders.length > 0) out.push(`${names.allowedHeaders}: ${jsList(input.allowedHeaders)}, // request headers the page may send`);
  if (input.exposedHeaders.length > 0) out.push(`${names.exposedHeaders}: ${jsList(input.exposedHeaders)}, // response headers the page's script may read`);
  if (input.maxAge !== null) out.push(`maxAge: ${input.maxAge}, // seconds browsers may cache the preflight`);
  return out;
}

/**
 * The header lines a hand-written JavaScript handler sets, as `[name, value]`
 * pairs: those of every response to an allowed origin, and those only a
 * preflight needs.
 */
function corsHeaderPairs(input: RecipeInput): { always: Array<[string, string]>; preflight: Array<[string, string]>; actual: Array<[string, string]> } {
  const always: Array<[string, string]> = [];
  if (input.credentials) always.push(['Access-Control-Allow-Credentials', 'true']);
  const preflight: Array<[string, string]> = [['Access-Control-Allow-Methods', headerList(input.methods)]];
  if (input.allowedHeaders.length > 0) preflight.push(['Access-Control-Allow-Headers', headerList(input.allowedHeaders)]);
  if (input.maxAge !== null) preflight.push(['Access-Control-Max-Age', String(input.maxAge)]);
  const actual: Array<[string, string]> = [];
  if (input.exposedHeaders.length > 0) actual.push(['Access-Control-Expose-Headers', headerList(input.exposedHeaders)]);
  return { always, preflight, actual };
}

/** A JavaScript `new Set([...])` of the allowed origins, declared as `ALLOWED_ORIGINS`. */
function allowedOriginsSet(input: RecipeInput): string {
  return `const ALLOWED_ORIGINS = new Set(${jsList(input.origins)});`;
}

// ---- Recipes ------------------------------------------------------------------

function corsproofExpress(input: RecipeInput): string {
  return lines(
    "import express from 'express';",
    "import cors from 'corsproof/express';",
    '',
    'const app = express();',
    '',
    '// Before every route: answers preflights (OPTIONS) and adds the CORS headers to every',
    '// other response, errors included. A wrong option stops the app at start-up with the reason.',
    'app.use(',
    '  cors({',
    indent(jsOptions(input, CORS_NAMES), '    '),
    '  }),',
    ');',
    '',
    '// Your routes here.',
    "app.get('/api/hello', (req, res) => {",
    "  res.json({ hello: 'world' });",
    '});',
    '',
    'app.listen(3000);',
  );
}

function corsproofFastify(input: RecipeInput): string {
  return lines(
    "import Fastify from 'fastify';",
    "import cors from 'corsproof/fastify';",
    '',
    'const app = Fastify();',
    '',
    '// Register before the routes: answers preflights (OPTIONS) and adds the CORS headers to every',
    '// other response, errors included. A wrong option stops the app at start-up with the reason.',
    'await app.register(cors, {',
    indent(jsOptions(input, CORS_NAMES), '  '),
    '});',
    '',
    '// Your routes here.',
    "app.get('/api/hello', async () => ({ hello: 'world' }));",
    '',
    'await app.listen({ port: 3000 });',
  );
}

function corsproofKoa(input: RecipeInput): string {
  return lines(
    "import Koa from 'koa';",
    "import cors from 'corsproof/koa';",
    '',
    'const app = new Koa();',
    '',
    '// First middleware: answers preflights (OPTIONS) and adds the CORS headers to every other',
    "// response, including the error responses Koa makes from thrown errors.",
    'app.use(',
    '  cors({',
    indent(jsOptions(input, CORS_NAMES), '    '),
    '  }),',
    ');',
    '',
    '// Your middleware and routes here.',
    'app.use((ctx) => {',
    "  ctx.body = { hello: 'world' };",
    '});',
    '',
    'app.listen(3000);',
  );
}

function corsproofHono(input: RecipeInput): string {
  return lines(
    "import { Hono } from 'hono';",
    "import { cors } from 'corsproof/hono';",
    '',
    'const app = new Hono();',
    '',
    "// Before the routes, on every path: answers preflights (OPTIONS) and adds the CORS headers to",
    "// every other response, including Hono's error and not-found responses.",
    'app.use(',
    "  '*',",
    '  cors({',
    indent(jsOptions(input, CORS_NAMES), '    '),
    '  }),',
    ');',
    '',
    '// Your routes here.',
    "app.get('/api/hello', (c) => c.json({ hello: 'world' }));",
    '',
    '// Bun, Deno, Cloudflare Workers; on Node.js: serve(app) from @hono/node-server.',
    'export default app;',
  );
}

/** The methods a Next.js route file exports a handler for: the allowed ones (HEAD is served by GET, OPTIONS is exported separately). */
function routeMethods(input: RecipeInput): string[] {
  const out = input.methods.filter((m) => m !== 'OPTIONS' && m !== 'HEAD');
  return out.length > 0 ? out : ['GET'];
}

function corsproofFetch(input: RecipeInput): string {
  return lines(
    "import { withCors } from 'corsproof/fetch';",
    '',
    '// The policy, shared by every handler. A wrong option throws at start-up with the reason.',
    'const cors = {',
    indent(jsOptions(input, CORS_NAMES), '  '),
    '};',
    '',
    '// withCors answers preflights (OPTIONS) and adds the CORS headers to every other response,',
    '// including the 500 made from an error the handler throws.',
    '',
    '// Cloudflare Workers, Bun, Deno (deno serve): wrap the fetch handler.',
    'export default {',
    "  fetch: withCors(cors, async (request: Request) => Response.json({ hello: 'world', path: new URL(request.url).pathname })),",
    '};',
    '',
    '// Next.js App Router (app/api/.../route.ts): wrap the handler of each method, and export OPTIONS',
    '// too so that preflights reach withCors (a method without an export gets a 405 without CORS headers):',
    routeMethods(input).map((m) => `//   export const ${m} = withCors(cors, async () => Response.json({ hello: 'world' }));`),
    '//   export const OPTIONS = withCors(cors, async () => new Response(null, { status: 204 }));',
  );
}

function expressCors(input: RecipeInput): string {
  return lines(
    "import express from 'express';",
    "import cors from 'cors';",
    '',
    'const app = express();',
    '',
    '// An array of exact origins: cors compares the request Origin with each and sends it back only',
    '// when one is equal (`true` instead would send back any origin).',
    'const corsOptions = {',
    indent(jsOptions(input, CORS_NAMES), '  '),
    '};',
    '',
    '// Before every route: answers preflights (OPTIONS) on every path and adds the headers to the',
    '// other responses.',
    'app.use(cors(corsOptions));',
    '',
    '// Your routes here.',
    "app.get('/api/hello', (req, res) => {",
    "  res.json({ hello: 'world' });",
    '});',
    '',
    'app.listen(3000);',
  );
}

function fastifyCors(input: RecipeInput): string {
  return lines(
    "import Fastify from 'fastify';",
    "import cors from '@fastify/cors';",
    '',
    'const app = Fastify();',
    '',
    '// Register before the routes: answers preflights (OPTIONS) and adds the headers to every other',
    '// response. An array of exact origins: the request Origin is sent back only when it is in it.',
    '// List the methods: @fastify/cors allows only GET, HEAD and POST by default.',
    'await app.register(cors, {',
    indent(jsOptions(input, CORS_NAMES), '  '),
    '});',
    '',
    '// Your routes here.',
    "app.get('/api/hello', async () => ({ hello: 'world' }));",
    '',
    'await app.listen({ port: 3000 });',
  );
}

function koaCors(input: RecipeInput): string {
  return lines(
    "import Koa from 'koa';",
    "import cors from '@koa/cors';",
    '',
    '// Exact origins. @koa/cors sends back any Origin by default (with credentials too), so the origin',
    '// function checks the list and returns an empty string, meaning no CORS headers, for the rest.',
    allowedOriginsSet(input),
    '',
    'const app = new Koa();',
    '',
    '// First middleware: answers preflights (OPTIONS) and adds the headers to every other response,',
    '// errors included (keepHeadersOnError).',
    'app.use(',
    '  cors({',
    indent(
      jsOptions(input, ALLOW_NAMES, "origin: (ctx) => (ALLOWED_ORIGINS.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),"),
      '    ',
    ),
    '    keepHeadersOnError: true,',
    '  }),',
    ');',
    '',
    '// Your middleware and routes here.',
    'app.use((ctx) => {',
    "  ctx.body = { hello: 'world' };",
    '});',
    '',
    'app.listen(3000);',
  );
}

function honoCors(input: RecipeInput): string {
  return lines(
    "import { Hono } from 'hono';",
    "import { cors } from 'hono/cors';",
    '',
    'const app = new Hono();',
    '',
    '// Before the routes, on every path: answers preflights (OPTIONS) and adds the headers to the other',
    '// responses. An array of exact origins: the request Origin is sent back only when it is in it.',
    'app.use(',
    "  '*',",
    '  cors({',
    indent(jsOptions(input, ALLOW_NAMES), '    '),
    '  }),',
    ');',
    '',
    '// Your routes here.',
    "app.get('/api/hello', (c) => c.json({ hello: 'world' }));",
    '',
    '// Bun, Deno, Cloudflare Workers; on Node.js: serve(app) from @hono/node-server.',
    'export default app;',
  );
}

function nextjs(input: RecipeInput): string {
  const { always, preflight, actual } = corsHeaderPairs(input);
  const set = (pairs: Array<[string, string]>, pad: string) => pairs.map(([n, v]) => `${pad}response.headers.set(${js(n)}, ${js(v)});`);
  return lines(
    '// middleware.ts, next to the app/ folder (Next.js 16 and later: name the file proxy.ts and the',
    '// function proxy). It runs before the route handlers: it answers preflights and adds the CORS',
    '// headers to every response, errors included.',
    '// (Without it: export an OPTIONS handler from each route.ts and set the same headers in every',
    '// handler, or use the corsproof/fetch recipe.)',
    "import { NextResponse } from 'next/server';",
    "import type { NextRequest } from 'next/server';",
    '',
    '// Exact origins: any other Origin gets no CORS headers.',
    allowedOriginsSet(input),
    '',
    'export function middleware(request: NextRequest) {',
    "  const origin = request.headers.get('origin');",
    "  const isPreflight = request.method === 'OPTIONS' && request.headers.has('access-control-request-method');",
    '',
    '  // A preflight is answered here with 204; the route handlers never see it.',
    '  const response = isPreflight ? new NextResponse(null, { status: 204 }) : NextResponse.next();',
    '  // The headers depend on Origin: tell caches.',
    "  response.headers.append('Vary', 'Origin');",
    '  if (origin !== null && ALLOWED_ORIGINS.has(origin)) {',
    "    response.headers.set('Access-Control-Allow-Origin', origin);",
    set(always, '    '),
    '    if (isPreflight) {',
    set(preflight, '      '),
    actual.length > 0 ? '    } else {' : null,
    set(actual, '      '),
    '    }',
    '  }',
    '  return response;',
    '}',
    '',
    '// The paths your route handlers serve.',
    "export const config = { matcher: '/api/:path*' };",
  );
}

function nginx(input: RecipeInput): string {
  const methods = dq(headerList(input.methods));
  const credentials = input.credentials ? 'add_header Access-Control-Allow-Credentials true always;' : null;
  return lines(
    '# In the http { } block (for example /etc/nginx/conf.d/cors.conf): the allowed origins, exact.',
    '# Each one maps to itself; any other Origin (or none) maps to "", and nginx sends no header with',
    '# an empty value.',
    'map $http_origin $cors_allow_origin {',
    '    default "";',
    input.origins.map((o) => `    ${dq(o)} ${dq(o)};`),
    '}',
    '',
    'server {',
    '    # listen, server_name, ssl_certificate ... as you have them.',
    '',
    '    # The location that serves your API.',
    '    location / {',
    '        # Preflight: answered here with 204, never passed to the backend. add_header inside "if"',
    '        # replaces the add_header lines of the location, so each one is repeated here.',
    '        if ($request_method = OPTIONS) {',
    '            add_header Access-Control-Allow-Origin $cors_allow_origin always;',
    credentials === null ? null : `            ${credentials}`,
    `            add_header Access-Control-Allow-Methods ${methods} always;`,
    input.allowedHeaders.length > 0 ? `            add_header Access-Control-Allow-Headers ${dq(headerList(input.allowedHeaders))} always;` : null,
    input.maxAge !== null ? `            add_header Access-Control-Max-Age ${input.maxAge} always;` : null,
    '            add_header Vary Origin always;',
    '            return 204;',
    '        }',
    '',
    '        # Every other response; "always" puts the headers on 4xx and 5xx responses too.',
    '        add_header Access-Control-Allow-Origin $cors_allow_origin always;',
    credentials === null ? null : `        ${credentials}`,
    input.exposedHeaders.length > 0 ? `        add_header Access-Control-Expose-Headers ${dq(headerList(input.exposedHeaders))} always;` : null,
    '        add_header Vary Origin always;',
    '',
    '        # Drop the CORS headers the backend sets itself, so that each is sent once.',
    '        proxy_hide_header Access-Control-Allow-Origin;',
    '        proxy_hide_header Access-Control-Allow-Credentials;',
    '        proxy_hide_header Access-Control-Allow-Methods;',
    '        proxy_hide_header Access-Control-Allow-Headers;',
    '        proxy_hide_header Access-Control-Expose-Headers;',
    '        proxy_hide_header Access-Control-Max-Age;',
    '',
    '        proxy_pass http://127.0.0.1:3000;',
    '    }',
    '}',
  );
}

function apache(input: RecipeInput): string {
  const when = 'env=CORS_ORIGIN';
  return lines(
    '# In the <VirtualHost> (or a <Directory> or .htaccess). Needs mod_setenvif, mod_headers and',
    '# mod_rewrite (a2enmod setenvif headers rewrite).',
    '#',
    '# The allowed origins, exact:',
    input.origins.map((o) => `#   ${o}`),
    '# CORS_ORIGIN is set to the Origin only when it is exactly one of them (anchored, dots escaped).',
    `SetEnvIf Origin "${originRegex(input.origins)}" CORS_ORIGIN=$0`,
    '',
    '# Drop the CORS headers the application sets itself, so that each is sent once.',
    'Header unset Access-Control-Allow-Origin',
    'Header unset Access-Control-Allow-Credentials',
    'Header unset Access-Control-Expose-Headers',
    '',
    '# "always" puts the headers on 4xx and 5xx responses too; env=CORS_ORIGIN sends them only to an',
    '# allowed origin.',
    `Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" ${when}`,
    input.credentials ? `Header always set Access-Control-Allow-Credentials "true" ${when}` : null,
    input.exposedHeaders.length > 0 ? `Header always set Access-Control-Expose-Headers ${dq(headerList(input.exposedHeaders))} ${when}` : null,
    `Header always set Access-Control-Allow-Methods ${dq(headerList(input.methods))} ${when}`,
    input.allowedHeaders.length > 0 ? `Header always set Access-Control-Allow-Headers ${dq(headerList(input.allowedHeaders))} ${when}` : null,
    input.maxAge !== null ? `Header always set Access-Control-Max-Age "${input.maxAge}" ${when}` : null,
    '# The headers depend on Origin: tell caches.',
    'Header always merge Vary Origin',
    '',
    '# Preflight (OPTIONS with Access-Control-Request-Method): answered here with 204.',
    'RewriteEngine On',
    'RewriteCond %{REQUEST_METHOD} =OPTIONS',
    'RewriteCond %{HTTP:Access-Control-Request-Method} .',
    'RewriteRule ^ - [R=204,L]',
  );
}

function caddy(input: RecipeInput): string {
  // One `header Origin` line per origin: lines for the same field are OR'ed.
  const originLines = input.origins.map((o) => `\t\theader Origin ${o}`);
  const q = (v: string) => (v.includes(' ') ? dq(v) : v);
  return lines(
    '# Caddyfile: your site block.',
    'api.example.com {',
    '\t# Requests from the allowed origins (exact values, any one of them).',
    '\t@cors_origin {',
    originLines,
    '\t}',
    '\t# Preflights from them: OPTIONS with Origin and Access-Control-Request-Method.',
    '\t@cors_preflight {',
    '\t\tmethod OPTIONS',
    originLines,
    '\t\theader Access-Control-Request-Method *',
    '\t}',
    '',
    '\t# Every response to an allowed origin, errors included. The Origin is sent back only under',
    '\t# @cors_origin, that is when it is one of the list.',
    '\theader @cors_origin {',
    '\t\tAccess-Control-Allow-Origin {http.request.header.Origin}',
    input.credentials ? '\t\tAccess-Control-Allow-Credentials true' : null,
    input.exposedHeaders.length > 0 ? `\t\tAccess-Control-Expose-Headers ${q(headerList(input.exposedHeaders))}` : null,
    '\t}',
    '\t# The headers depend on Origin: tell caches.',
    '\theader +Vary Origin',
    '',
    '\t# Answer preflights here with 204.',
    '\thandle @cors_preflight {',
    '\t\theader {',
    `\t\t\tAccess-Control-Allow-Methods ${q(headerList(input.methods))}`,
    input.allowedHeaders.length > 0 ? `\t\t\tAccess-Control-Allow-Headers ${q(headerList(input.allowedHeaders))}` : null,
    input.maxAge !== null ? `\t\t\tAccess-Control-Max-Age ${input.maxAge}` : null,
    '\t\t}',
    '\t\trespond 204',
    '\t}',
    '',
    '\treverse_proxy 127.0.0.1:3000 {',
    '\t\t# Drop the CORS headers the backend sets itself, so that each is sent once.',
    '\t\theader_down -Access-Control-Allow-Origin',
    '\t\theader_down -Access-Control-Allow-Credentials',
    '\t\theader_down -Access-Control-Expose-Headers',
    '\t}',
    '}',
  );
}

/** A YAML block list under `key`, at `pad`. */
function yamlList(key: string, items: readonly string[], pad: string): string[] {
  return [`${pad}${key}:`, ...items.map((i) => `${pad}  - ${dq(i)}`)];
}

function awsApigwHttp(input: RecipeInput): string {
  const pad = '        ';
  return lines(
    '# CloudFormation: an HTTP API with its CORS configuration. API Gateway then answers preflights',
    '# itself (no OPTIONS route needed) and puts these headers on every response, ignoring the CORS',
    "# headers the integration returns. (SAM: the same CorsConfiguration block goes in an",
    '# AWS::Serverless::HttpApi.) Preflights carry no credentials: a route with an authorizer on ANY',
    '# (such as ANY /{proxy+}) receives them and fails them, so give those paths an OPTIONS route',
    '# without authorization.',
    'Resources:',
    '  HttpApi:',
    '    Type: AWS::ApiGatewayV2::Api',
    '    Properties:',
    '      Name: my-api',
    '      ProtocolType: HTTP',
    '      CorsConfiguration:',
    `${pad}# Exact origins.`,
    yamlList('AllowOrigins', input.origins, pad),
    input.credentials ? `${pad}# Access-Control-Allow-Credentials: true (cookies, HTTP auth).` : null,
    input.credentials ? `${pad}AllowCredentials: true` : null,
    yamlList('AllowMethods', input.methods, pad),
    input.allowedHeaders.length > 0 ? yamlList('AllowHeaders', input.allowedHeaders, pad) : null,
    input.exposedHeaders.length > 0 ? yamlList('ExposeHeaders', input.exposedHeaders, pad) : null,
    input.maxAge !== null ? `${pad}# Seconds browsers may cache the preflight.` : null,
    input.maxAge !== null ? `${pad}MaxAge: ${input.maxAge}` : null,
  );
}

function awsApigwRest(input: RecipeInput): string {
  const { always, preflight, actual } = corsHeaderPairs(input);
  const single = input.origins.length === 1 ? input.origins[0] : undefined;
  const mock =
    single !== undefined
      ? [
          '// 1. Preflights. If OPTIONS has a mock integration (the console\'s "Enable CORS"), its integration',
          '//    response must set these headers (declared in the OPTIONS method response too), as static',
          '//    values in single quotes:',
          `//      Access-Control-Allow-Origin: '${single}'`,
          ...[...always, ...preflight].map(([n, v]) => `//      ${n}: '${v.replace(/, /g, ',')}'`),
          '//    A mock can only send fixed values; to allow more origins later, route OPTIONS to the Lambda',
          '//    (Lambda proxy integration, no authorizer): the handler below answers preflights too.',
        ]
      : [
          '// 1. Preflights. A mock integration on OPTIONS (the console\'s "Enable CORS") can only send one',
          '//    fixed Access-Control-Allow-Origin, so it cannot allow several origins: give OPTIONS a',
          '//    Lambda proxy integration (or use ANY) with no authorizer; the handler below answers',
          '//    preflights.',
        ];
  return lines(
    '// API Gateway REST API with Lambda proxy integration: the CORS headers come from two places.',
    mock,
    '// 2. Every other response. With proxy integration, API Gateway passes on what the Lambda returns',
    '//    and adds no CORS headers: the Lambda must return them itself, on errors too. Responses made',
    '//    by API Gateway itself (authorizer 401/403, throttling, timeouts) need them in the Gateway',
    '//    Responses (DEFAULT_4XX, DEFAULT_5XX).',
    '//',
    '// The Lambda (Node.js, index.mjs):',
    '',
    '// Exact origins: any other Origin gets no CORS headers.',
    allowedOriginsSet(input),
    '',
    '// The CORS headers for a request: none unless its Origin is in the list.',
    'function corsHeaders(event, isPreflight) {',
    '  const headers = event.headers ?? {};',
    "  // Header names keep the case the client sent: look Origin up case-insensitively.",
    "  const key = Object.keys(headers).find((name) => name.toLowerCase() === 'origin');",
    '  const origin = key === undefined ? undefined : headers[key];',
    "  const out = { Vary: 'Origin' };",
    '  if (origin === undefined || !ALLOWED_ORIGINS.has(origin)) return out;',
    "  out['Access-Control-Allow-Origin'] = origin;",
    always.map(([n, v]) => `  out[${js(n)}] = ${js(v)};`),
    '  if (isPreflight) {',
    preflight.map(([n, v]) => `    out[${js(n)}] = ${js(v)};`),
    actual.length > 0 ? '  } else {' : null,
    actual.map(([n, v]) => `    out[${js(n)}] = ${js(v)};`),
    '  }',
    '  return out;',
    '}',
    '',
    'export const handler = async (event) => {',
    "  if (event.httpMethod === 'OPTIONS') {",
    "    return { statusCode: 204, headers: corsHeaders(event, true), body: '' };",
    '  }',
    '  const cors = corsHeaders(event, false);',
    '  try {',
    '    // Your code here.',
    "    const result = { hello: 'world' };",
    "    return { statusCode: 200, headers: { ...cors, 'Content-Type': 'application/json' }, body: JSON.stringify(result) };",
    '  } catch (error) {',
    "    // The error gets the CORS headers too, so the browser shows the 500 and not a CORS error.",
    '    console.error(error);',
    "    return { statusCode: 500, headers: { ...cors, 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'Internal Server Error' }) };",
    '  }',
    '};',
  );
}

/** The methods S3 CORS rules accept. */
const S3_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);

function s3(input: RecipeInput): string {
  const unsupported = input.methods.filter((m) => !S3_METHODS.has(m));
  if (unsupported.length > 0) {
    throw new RecipeInputError([`S3 CORS rules accept only GET, PUT, POST, DELETE and HEAD, not ${unsupported.join(', ')}.`]);
  }
  // JSON has no comments. S3 has no credentials setting: it answers an exact origin with
  // Access-Control-Allow-Credentials: true by itself, and adds Vary: Origin.
  const rule: Record<string, string[] | number> = { AllowedOrigins: input.origins, AllowedMethods: input.methods };
  if (input.allowedHeaders.length > 0) rule.AllowedHeaders = input.allowedHeaders;
  if (input.exposedHeaders.length > 0) rule.ExposeHeaders = input.exposedHeaders;
  if (input.maxAge !== null) rule.MaxAgeSeconds = input.maxAge;
  return `${JSON.stringify([rule], null, 2)}\n`;
}

function cloudflareWorkers(input: RecipeInput): string {
  const { always, preflight, actual } = corsHeaderPairs(input);
  return lines(
    '// Cloudflare Worker (src/index.js): answers preflights and adds the CORS headers to every response,',
    '// errors included.',
    '',
    '// Exact origins: any other Origin gets no CORS headers.',
    allowedOriginsSet(input),
    '',
    'export default {',
    '  async fetch(request, env, ctx) {',
    "    const origin = request.headers.get('Origin');",
    '    const allowed = origin !== null && ALLOWED_ORIGINS.has(origin);',
    '',
    '    // Preflight: answered here with 204.',
    "    if (request.method === 'OPTIONS' && request.headers.has('Access-Control-Request-Method')) {",
    "      const headers = new Headers({ Vary: 'Origin' });",
    '      if (allowed) {',
    "        headers.set('Access-Control-Allow-Origin', origin);",
    [...always, ...preflight].map(([n, v]) => `        headers.set(${js(n)}, ${js(v)});`),
    '      }',
    '      return new Response(null, { status: 204, headers });',
    '    }',
    '',
    '    let response;',
    '    try {',
    '      response = await handle(request, env, ctx);',
    '    } catch (error) {',
    '      // A thrown error gets the CORS headers too, so the browser shows the 500 and not a CORS error.',
    '      console.error(error);',
    "      response = new Response('Internal Server Error', { status: 500 });",
    '    }',
    '    // A copy: the headers of a response from fetch() cannot be changed.',
    '    response = new Response(response.body, response);',
    "    response.headers.append('Vary', 'Origin');",
    '    if (allowed) {',
    "      response.headers.set('Access-Control-Allow-Origin', origin);",
    [...always, ...actual].map(([n, v]) => `      response.headers.set(${js(n)}, ${js(v)});`),
    '    }',
    '    return response;',
    '  },',
    '};',
    '',
    "// Your Worker's own code (or `return fetch(request);` to pass the request on to your origin server).",
    'async function handle(request, env, ctx) {',
    "  return Response.json({ hello: 'world' });",
    '}',
  );
}

/** A Java or C# argument list of string literals. */
function args(items: readonly string[]): string {
  return items.map(dq).join(', ');
}

function spring(input: RecipeInput): string {
  return lines(
    '// CorsConfig.java, in the package of your @SpringBootApplication class (or below it), with that',
    '// package line first. CORS for Spring MVC, with or without Spring Security.',
    'import java.util.List;',
    '',
    'import org.springframework.boot.web.servlet.FilterRegistrationBean;',
    'import org.springframework.context.annotation.Bean;',
    'import org.springframework.context.annotation.Configuration;',
    'import org.springframework.core.Ordered;',
    'import org.springframework.web.cors.CorsConfiguration;',
    'import org.springframework.web.cors.CorsConfigurationSource;',
    'import org.springframework.web.cors.UrlBasedCorsConfigurationSource;',
    'import org.springframework.web.filter.CorsFilter;',
    '',
    '@Configuration',
    'public class CorsConfig {',
    '',
    '    @Bean',
    '    public CorsConfigurationSource corsConfigurationSource() {',
    '        CorsConfiguration cors = new CorsConfiguration();',
    '        // Exact origins only: no origin patterns, which with credentials would let other sites in.',
    `        cors.setAllowedOrigins(List.of(${args(input.origins)}));`,
    input.credentials ? '        // Access-Control-Allow-Credentials: true (cookies, HTTP auth).' : null,
    input.credentials ? '        cors.setAllowCredentials(true);' : null,
    `        cors.setAllowedMethods(List.of(${args(input.methods)}));`,
    input.allowedHeaders.length > 0 ? `        cors.setAllowedHeaders(List.of(${args(input.allowedHeaders)}));` : null,
    input.exposedHeaders.length > 0 ? `        cors.setExposedHeaders(List.of(${args(input.exposedHeaders)}));` : null,
    input.maxAge !== null ? `        cors.setMaxAge(${input.maxAge}L); // seconds browsers may cache the preflight` : null,
    '        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();',
    '        source.registerCorsConfiguration("/**", cors);',
    '        return source;',
    '    }',
    '',
    '    // The filter runs before everything else, Spring Security included: it answers preflights',
    '    // (which carry no credentials) before authentication, and adds the headers to every response.',
    '    // (With Spring Security, http.cors(Customizer.withDefaults()) uses the same source.)',
    '    @Bean',
    '    public FilterRegistrationBean<CorsFilter> corsFilterRegistration(CorsConfigurationSource corsConfigurationSource) {',
    '        FilterRegistrationBean<CorsFilter> registration = new FilterRegistrationBean<>(new CorsFilter(corsConfigurationSource));',
    '        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);',
    '        return registration;',
    '    }',
    '}',
  );
}

/** A Python list, one item a line, at `pad`. */
function pyList(name: string, items: readonly string[]): string[] {
  return [`${name} = [`, ...items.map((i) => `    ${dq(i)},`), ']'];
}

function django(input: RecipeInput): string {
  const unsafe = input.methods.some((m) => !['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(m.toUpperCase()));
  return lines(
    '# settings.py, at the end. Needs django-cors-headers (pip install django-cors-headers).',
    'INSTALLED_APPS += ["corsheaders"]',
    '',
    '# CorsMiddleware as high as possible: above every middleware that can answer on its own',
    '# (CommonMiddleware, authentication, ...), so those responses get the headers too.',
    'MIDDLEWARE.insert(0, "corsheaders.middleware.CorsMiddleware")',
    '',
    '# Exact origins (scheme://host[:port], no trailing slash): any other Origin gets no CORS headers.',
    pyList('CORS_ALLOWED_ORIGINS', input.origins),
    input.credentials ? '# Access-Control-Allow-Credentials: true (cookies, HTTP auth).' : null,
    input.credentials ? 'CORS_ALLOW_CREDENTIALS = True' : null,
    pyList('CORS_ALLOW_METHODS', input.methods),
    input.allowedHeaders.length > 0 ? pyList('CORS_ALLOW_HEADERS', input.allowedHeaders) : null,
    input.exposedHeaders.length > 0 ? pyList('CORS_EXPOSE_HEADERS', input.exposedHeaders) : null,
    input.maxAge !== null ? '# Seconds browsers may cache the preflight.' : null,
    input.maxAge !== null ? `CORS_PREFLIGHT_MAX_AGE = ${input.maxAge}` : null,
    input.credentials && unsafe
      ? [
          '',
          "# Cookie-authenticated POST, PUT, PATCH or DELETE from these origins must also pass Django's",
          '# CSRF check, which compares Origin with CSRF_TRUSTED_ORIGINS:',
          '# CSRF_TRUSTED_ORIGINS = CORS_ALLOWED_ORIGINS',
        ]
      : null,
  );
}

function flask(input: RecipeInput): string {
  return lines(
    '# app.py. Needs Flask-CORS (pip install flask-cors).',
    'from flask import Flask',
    'from flask_cors import CORS',
    '',
    'app = Flask(__name__)',
    '',
    '# Answers preflights (OPTIONS) and adds the headers to every response, errors included.',
    '# Exact origins (plain strings, not regexes): any other Origin gets no CORS headers.',
    'CORS(',
    '    app,',
    `    origins=[${args(input.origins)}],`,
    input.credentials ? '    supports_credentials=True,  # Access-Control-Allow-Credentials: true' : null,
    `    methods=[${args(input.methods)}],`,
    input.allowedHeaders.length > 0 ? `    allow_headers=[${args(input.allowedHeaders)}],` : null,
    input.exposedHeaders.length > 0 ? `    expose_headers=[${args(input.exposedHeaders)}],` : null,
    input.maxAge !== null ? `    max_age=${input.maxAge},  # seconds browsers may cache the preflight` : null,
    ')',
    '',
    '',
    '# Your routes here.',
    '@app.get("/api/hello")',
    'def hello():',
    '    return {"hello": "world"}',
  );
}

function aspnet(input: RecipeInput): string {
  return lines(
    '// Program.cs (ASP.NET Core).',
    'const string CorsPolicy = "AllowedOrigins";',
    '',
    'var builder = WebApplication.CreateBuilder(args);',
    '',
    'builder.Services.AddCors(options =>',
    '{',
    '    options.AddPolicy(CorsPolicy, policy => policy',
    '        // Exact origins: any other Origin gets no CORS headers.',
    `        .WithOrigins(${args(input.origins)})`,
    input.credentials ? '        // Access-Control-Allow-Credentials: true (cookies, HTTP auth).' : null,
    input.credentials ? '        .AllowCredentials()' : null,
    `        .WithMethods(${args(input.methods)})`,
    input.allowedHeaders.length > 0 ? `        .WithHeaders(${args(input.allowedHeaders)})` : null,
    input.exposedHeaders.length > 0 ? `        .WithExposedHeaders(${args(input.exposedHeaders)})` : null,
    input.maxAge !== null ? `        .SetPreflightMaxAge(TimeSpan.FromSeconds(${input.maxAge}))` : null,
    '    );',
    '});',
    '// Your services (AddControllers, AddAuthentication, AddAuthorization, ...).',
    'builder.Services.AddAuthentication();',
    'builder.Services.AddAuthorization();',
    '',
    'var app = builder.Build();',
    '',
    'app.UseRouting();',
    '// After UseRouting and before UseAuthentication and UseAuthorization: preflights carry no',
    '// credentials and must be answered before authentication runs.',
    'app.UseCors(CorsPolicy);',
    'app.UseAuthentication();',
    'app.UseAuthorization();',
    '',
    '// Your endpoints (MapControllers, MapGet, ...).',
    'app.MapGet("/api/hello", () => new { hello = "world" });',
    '',
    'app.Run();',
  );
}

function goRsCors(input: RecipeInput): string {
  const fields: Array<[string, string, string?]> = [['AllowedOrigins', `[]string{${args(input.origins)}}`]];
  if (input.credentials) fields.push(['AllowCredentials', 'true', 'Access-Control-Allow-Credentials: true (cookies, HTTP auth)']);
  fields.push(['AllowedMethods', `[]string{${args(input.methods)}}`]);
  if (input.allowedHeaders.length > 0) fields.push(['AllowedHeaders', `[]string{${args(input.allowedHeaders)}}`]);
  if (input.exposedHeaders.length > 0) fields.push(['ExposedHeaders', `[]string{${args(input.exposedHeaders)}}`]);
  if (input.maxAge !== null) {
    // rs/cors leaves the header out for 0; a negative value sends Access-Control-Max-Age: 0.
    fields.push(input.maxAge === 0 ? ['MaxAge', '-1', 'sends Access-Control-Max-Age: 0'] : ['MaxAge', String(input.maxAge), 'seconds browsers may cache the preflight']);
  }
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  return lines(
    'package main',
    '',
    'import (',
    '\t"log"',
    '\t"net/http"',
    '',
    '\t"github.com/rs/cors"',
    ')',
    '',
    'func main() {',
    '\tmux := http.NewServeMux()',
    '\t// Your handlers here.',
    '\tmux.HandleFunc("/api/hello", func(w http.ResponseWriter, r *http.Request) {',
    '\t\tw.Header().Set("Content-Type", "application/json")',
    '\t\tw.Write([]byte(`{"hello":"world"}`))',
    '\t})',
    '',
    '\tc := cors.New(cors.Options{',
    '\t\t// Exact origins: any other Origin gets no CORS headers.',
    fields.map(([k, v, comment]) => `\t\t${`${k}:`.padEnd(width + 1)}${v},${comment === undefined ? '' : ` // ${comment}`}`),
    '\t})',
    '',
    '\t// Wrap the whole mux: preflights are answered and every response gets the headers.',
    '\tlog.Fatal(http.ListenAndServe(":8080", c.Handler(mux)))',
    '}',
  );
}

/** The recipe table: id, title, language, the layers it fits, its renderer. */
const RECIPE_ROWS = [
  { id: 'corsproof-express', title: 'corsproof/express', language: 'js', layers: ['Express'], render: corsproofExpress },
  { id: 'corsproof-fastify', title: 'corsproof/fastify', language: 'js', layers: ['Fastify'], render: corsproofFastify },
  { id: 'corsproof-koa', title: 'corsproof/koa', language: 'js', layers: ['Koa'], render: corsproofKoa },
  { id: 'corsproof-hono', title: 'corsproof/hono', language: 'ts', layers: ['Hono'], render: corsproofHono },
  {
    id: 'corsproof-fetch',
    title: 'corsproof/fetch (Bun, Deno, Cloudflare Workers, Next.js route handlers)',
    language: 'ts',
    layers: ['Next.js', 'Vercel', 'Netlify', 'Cloudflare', 'Deno', 'Bun'],
    render: corsproofFetch,
  },
  { id: 'express-cors', title: 'Express with cors', language: 'js', layers: ['Express'], render: expressCors },
  { id: 'fastify-cors', title: 'Fastify with @fastify/cors', language: 'js', layers: ['Fastify'], render: fastifyCors },
  { id: 'koa-cors', title: 'Koa with @koa/cors', language: 'js', layers: ['Koa'], render: koaCors },
  { id: 'hono-cors', title: 'Hono with hono/cors', language: 'ts', layers: ['Hono'], render: honoCors },
  { id: 'nextjs', title: 'Next.js (App Router middleware)', language: 'ts', layers: ['Next.js', 'Vercel'], render: nextjs },
  { id: 'nginx', title: 'nginx', language: 'nginx', layers: ['nginx'], render: nginx },
  { id: 'apache', title: 'Apache httpd', language: 'apache', layers: ['Apache httpd'], render: apache },
  { id: 'caddy', title: 'Caddy', language: 'caddyfile', layers: ['Caddy'], render: caddy },
  {
    id: 'aws-apigw-http',
    title: 'AWS API Gateway HTTP API (CloudFormation/SAM)',
    language: 'yaml',
    layers: ['AWS API Gateway', 'AWS API Gateway / Lambda'],
    render: awsApigwHttp,
  },
  {
    id: 'aws-apigw-rest',
    title: 'AWS API Gateway REST API with Lambda proxy integration',
    language: 'js',
    layers: ['AWS API Gateway', 'AWS API Gateway / Lambda'],
    render: awsApigwRest,
  },
  { id: 's3', title: 'AWS S3 bucket CORS configuration', language: 'json', layers: ['AWS S3', 'AWS CloudFront'], render: s3 },
  { id: 'cloudflare-workers', title: 'Cloudflare Workers', language: 'js', layers: ['Cloudflare'], render: cloudflareWorkers },
  { id: 'spring', title: 'Spring Boot', language: 'java', layers: ['Spring', 'Spring Boot'], render: spring },
  { id: 'django', title: 'Django with django-cors-headers', language: 'python', layers: ['gunicorn', 'uvicorn', 'WSGIServer', 'Django'], render: django },
  { id: 'flask', title: 'Flask with Flask-CORS', language: 'python', layers: ['gunicorn', 'uvicorn', 'Werkzeug', 'Flask'], render: flask },
  { id: 'aspnet', title: 'ASP.NET Core', language: 'csharp', layers: ['ASP.NET Core (Kestrel)', 'Kestrel', 'ASP.NET', 'IIS'], render: aspnet },
  { id: 'go-rs-cors', title: 'Go with github.com/rs/cors', language: 'go', layers: ['Go'], render: goRsCors },
] as const satisfies ReadonlyArray<{ id: string; title: string; language: string; layers: readonly LayerName[]; render: (input: RecipeInput) => string }>;

/** A recipe's id, e.g. `nginx` or `corsproof-express`. */
export type RecipeId = (typeof RECIPE_ROWS)[number]['id'];

/** Every recipe, in the order they are offered; each checks its input before rendering. */
export const RECIPES: readonly Recipe[] = RECIPE_ROWS.map((r) => ({ ...r, render: checked(r.render) }));

/** Whether this is a recipe's id. */
export function isRecipeId(id: string): id is RecipeId {
  return RECIPES.some((r) => r.id === id);
}

/** A render function that checks its input first. */
function checked(render: (input: RecipeInput) => string): (input: RecipeInput) => string {
  return (input) => {
    checkInput(input);
    return render(input);
  };
}

/**
 * The recipe with this id.
 *
 * @throws Error when there is no such recipe.
 */
export function recipe(id: string): Recipe {
  const found = RECIPES.find((r) => r.id === id);
  if (found === undefined) throw new Error(`No recipe '${id}'; known: ${RECIPES.map((r) => r.id).join(', ')}.`);
  return found;
}
