import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecipeInput } from './recipes.js';
import { RECIPES, RecipeInputError, isRecipeId, originRegex, recipe } from './recipes.js';

const ONE = ['https://app.example.com'];
const THREE = ['https://app.example.com', 'https://admin.example.com:8443', 'http://localhost:5173'];
const MAX_AGE = 7200;

/** Every combination: credentials on and off, one and three origins, with and without headers and max age. */
const INPUTS: RecipeInput[] = [];
for (const credentials of [true, false]) {
  for (const origins of [ONE, THREE]) {
    for (const extras of [true, false]) {
      INPUTS.push({
        origins,
        credentials,
        methods: ['GET', 'PUT', 'DELETE'],
        allowedHeaders: extras ? ['Content-Type', 'Authorization', 'X-Trace-Id'] : [],
        exposedHeaders: extras ? ['X-Request-Id', 'X-Total-Count'] : [],
        maxAge: extras ? MAX_AGE : null,
      });
    }
  }
}

const CASES = RECIPES.flatMap((r) =>
  INPUTS.map((input) => ({
    id: r.id,
    input,
    label: `${r.id}, credentials ${input.credentials}, ${input.origins.length} origin(s), ${input.maxAge === null ? 'no extras' : 'headers and max age'}`,
  })),
);

const IDS = [
  'corsproof-express',
  'corsproof-fastify',
  'corsproof-koa',
  'corsproof-hono',
  'corsproof-fetch',
  'express-cors',
  'fastify-cors',
  'koa-cors',
  'hono-cors',
  'nextjs',
  'nginx',
  'apache',
  'caddy',
  'aws-apigw-http',
  'aws-apigw-rest',
  's3',
  'cloudflare-workers',
  'spring',
  'django',
  'flask',
  'aspnet',
  'go-rs-cors',
];

/** How each recipe turns credentials on; `null` for S3, which has no such setting (it sends Access-Control-Allow-Credentials: true to exact origins by itself). */
const CREDENTIALS_ON: Record<string, RegExp | null> = {
  'corsproof-express': /^\s*credentials: true,/m,
  'corsproof-fastify': /^\s*credentials: true,/m,
  'corsproof-koa': /^\s*credentials: true,/m,
  'corsproof-hono': /^\s*credentials: true,/m,
  'corsproof-fetch': /^\s*credentials: true,/m,
  'express-cors': /^\s*credentials: true,/m,
  'fastify-cors': /^\s*credentials: true,/m,
  'koa-cors': /^\s*credentials: true,/m,
  'hono-cors': /^\s*credentials: true,/m,
  nextjs: /response\.headers\.set\('Access-Control-Allow-Credentials', 'true'\);/,
  nginx: /^\s*add_header Access-Control-Allow-Credentials true always;/m,
  apache: /^Header always set Access-Control-Allow-Credentials "true" env=CORS_ORIGIN$/m,
  caddy: /^\s*Access-Control-Allow-Credentials true$/m,
  'aws-apigw-http': /^\s*AllowCredentials: true$/m,
  'aws-apigw-rest': /out\['Access-Control-Allow-Credentials'\] = 'true';/,
  s3: null,
  'cloudflare-workers': /headers\.set\('Access-Control-Allow-Credentials', 'true'\);/,
  spring: /cors\.setAllowCredentials\(true\);/,
  django: /^CORS_ALLOW_CREDENTIALS = True$/m,
  flask: /^\s*supports_credentials=True,/m,
  aspnet: /^\s*\.AllowCredentials\(\)$/m,
  'go-rs-cors': /^\s*AllowCredentials:\s+true,/m,
};

/** Anything that turns credentials on, in any of the stacks. */
const ANY_CREDENTIALS = /Access-Control-Allow-Credentials|credentials: true|supports_credentials|CORS_ALLOW_CREDENTIALS|AllowCredentials/;
/** Lines that drop a backend's own CORS headers mention them without sending them. */
const DROPS_HEADER = /proxy_hide_header|Header unset|header_down -/;

/** Ways of allowing every origin: a wildcard, or the request's Origin sent back unchecked. */
const FORBIDDEN: Array<[string, RegExp]> = [
  ['Access-Control-Allow-Origin set to *', /Access-Control-Allow-Origin['"]?\s*[:,]?\s*['"]?\*/i],
  ['origin: true or origin: "*"', /\borigins?\s*[:=]\s*(?:true\b|['"]\*['"]|\[\s*['"]\*['"])/i],
  ['a list holding only *', /\[\s*['"]\*['"]\s*\]|\{\s*"\*"\s*\}|List\.of\("\*"\)|\("\*"\)/],
  ['a YAML list item *', /^\s*-\s*['"]?\*['"]?\s*$/m],
  ['Spring origin patterns', /allowedOriginPatterns|setAllowedOriginPatterns/],
  ['ASP.NET any origin', /AllowAnyOrigin|SetIsOriginAllowed/],
  ['Django allow-all', /CORS_ALLOW_ALL_ORIGINS|CORS_ORIGIN_ALLOW_ALL/],
  ['rs/cors origin function', /AllowOriginFunc|AllowOriginRequestFunc|AllowOriginVaryRequestFunc/],
  ['Flask-CORS wildcard', /send_wildcard/],
];

describe('RECIPES', () => {
  it('has every recipe, once, in a fixed order', () => {
    expect(RECIPES.map((r) => r.id)).toEqual(IDS);
  });

  it.each(RECIPES.map((r) => [r.id, r] as const))('%s has a title, a known language and layers', (_id, r) => {
    expect(r.title).not.toBe('');
    expect(['nginx', 'apache', 'caddyfile', 'ts', 'js', 'python', 'java', 'csharp', 'go', 'json', 'yaml', 'xml']).toContain(r.language);
    expect(r.layers.length).toBeGreaterThan(0);
  });

  it('knows how every recipe turns credentials on', () => {
    expect(Object.keys(CREDENTIALS_ON).sort()).toEqual([...IDS].sort());
  });
});

describe.each(CASES)('$label', ({ id, input }) => {
  const out = recipe(id).render(input);

  it('names every origin exactly', () => {
    for (const origin of input.origins) expect(out).toContain(origin);
  });

  it('never allows every origin', () => {
    for (const [what, re] of FORBIDDEN) expect(out, what).not.toMatch(re);
    // nginx: $http_origin is read only by the map, never sent back as it came.
    for (const line of out.split('\n').filter((l) => l.includes('$http_origin'))) expect(line).toMatch(/^map \$http_origin \$cors_allow_origin \{$/);
  });

  it('turns credentials on exactly when asked', () => {
    const marker = CREDENTIALS_ON[id];
    if (input.credentials && marker) expect(out).toMatch(marker);
    if (!input.credentials) {
      const sending = out.split('\n').filter((line) => !DROPS_HEADER.test(line));
      expect(sending.filter((line) => ANY_CREDENTIALS.test(line))).toEqual([]);
    }
  });

  it('names every method, allowed header and exposed header, and the max age', () => {
    for (const m of input.methods) expect(out).toContain(m);
    for (const h of [...input.allowedHeaders, ...input.exposedHeaders]) expect(out).toContain(h);
    if (input.maxAge !== null) expect(out).toMatch(new RegExp(`(?<![0-9])${input.maxAge}(?![0-9])`));
    else expect(out.split('\n').filter((line) => !DROPS_HEADER.test(line) && /max.?age/i.test(line))).toEqual([]);
  });

  it('is tidy: ends with a newline, no trailing spaces', () => {
    expect(out.endsWith('\n')).toBe(true);
    expect(out.split('\n').filter((l) => /[ \t]+$/.test(l))).toEqual([]);
  });
});

describe('originRegex', () => {
  it('matches exactly the origins given: dots escaped, anchored at both ends', () => {
    const re = new RegExp(originRegex(ONE));
    expect(re.test('https://app.example.com')).toBe(true);
    for (const other of [
      'https://appXexample.com',
      'https://app.exampleXcom',
      'https://app.example.com.evil.example',
      'https://evil.example/https://app.example.com',
      'xhttps://app.example.com',
      'https://app.example.co',
      'http://app.example.com',
    ]) {
      expect(re.test(other), other).toBe(false);
    }
  });

  it('matches each of several origins, ports included, and nothing in between', () => {
    const re = new RegExp(originRegex(THREE));
    for (const o of THREE) expect(re.test(o), o).toBe(true);
    for (const other of ['https://admin.example.com', 'https://admin.example.com:8443x', 'https://app.example.com|https://admin.example.com:8443', 'http://localhost:51730']) {
      expect(re.test(other), other).toBe(false);
    }
  });

  it('is what the Apache recipe matches Origin with', () => {
    for (const input of INPUTS) {
      const out = recipe('apache').render(input);
      const source = /^SetEnvIf Origin "([^"]+)" CORS_ORIGIN=\$0$/m.exec(out)?.[1];
      expect(source).toBe(originRegex(input.origins));
      const re = new RegExp(source ?? '');
      expect(re.test('https://app.example.com')).toBe(true);
      expect(re.test('https://appXexample.com')).toBe(false);
    }
  });
});

describe('how each stack checks the origin', () => {
  it.each(INPUTS)('nginx maps exact strings (no regex), each to itself, default empty: %#', (input) => {
    const out = recipe('nginx').render(input);
    const block = /map \$http_origin \$cors_allow_origin \{\n([^}]*)\}/.exec(out)?.[1] ?? '';
    const entries = block.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    expect(entries).toEqual(['default "";', ...input.origins.map((o) => `"${o}" "${o}";`)]);
    expect(out).not.toMatch(/~/);
    // The headers are on error responses too, and the preflight is answered in place.
    expect(out).toMatch(/add_header Access-Control-Allow-Origin \$cors_allow_origin always;/);
    expect(out).toMatch(/if \(\$request_method = OPTIONS\) \{[^}]*return 204;\n\s*\}/);
    expect(out).toContain('add_header Vary Origin always;');
  });

  it.each(INPUTS)('Apache sends headers only for the allow-listed origin, always, and answers preflights with 204: %#', (input) => {
    const out = recipe('apache').render(input);
    const sets = out.split('\n').filter((l) => l.startsWith('Header always set Access-Control-'));
    expect(sets.length).toBeGreaterThan(1);
    for (const line of sets) expect(line).toMatch(/ env=CORS_ORIGIN$/);
    expect(out).toContain('Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN');
    expect(out).toContain('RewriteRule ^ - [R=204,L]');
  });

  it.each(INPUTS)('Caddy sends the Origin back only under the @cors_origin matcher: %#', (input) => {
    const out = recipe('caddy').render(input);
    const matcher = /\t@cors_origin \{\n([^}]*)\t\}/.exec(out)?.[1] ?? '';
    expect(matcher.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim())).toEqual(input.origins.map((o) => `header Origin ${o}`));
    const preflight = /\t@cors_preflight \{\n([^}]*)\t\}/.exec(out)?.[1] ?? '';
    expect(preflight).toContain('method OPTIONS');
    for (const o of input.origins) expect(preflight).toContain(`header Origin ${o}`);
    const guarded = /\theader @cors_origin \{\n[^}]*\}/.exec(out)?.[0] ?? '';
    expect(guarded).toContain('{http.request.header.Origin}');
    expect(out.split('{http.request.header.Origin}').length).toBe(2);
    expect(out).toMatch(/handle @cors_preflight \{[\s\S]*respond 204/);
  });

  it.each(INPUTS)('@koa/cors gets an origin function checking the allow-list: %#', (input) => {
    const out = recipe('koa-cors').render(input);
    expect(out).toContain(`const ALLOWED_ORIGINS = new Set([${input.origins.map((o) => `'${o}'`).join(', ')}]);`);
    expect(out).toContain("origin: (ctx) => (ALLOWED_ORIGINS.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),");
  });

  it.each(INPUTS)('Next.js sets Access-Control-Allow-Origin only inside the allow-list check: %#', (input) => {
    const out = recipe('nextjs').render(input);
    const check = out.indexOf('if (origin !== null && ALLOWED_ORIGINS.has(origin)) {');
    expect(check).toBeGreaterThan(0);
    expect(out.indexOf("response.headers.set('Access-Control-Allow-Origin', origin);")).toBeGreaterThan(check);
    expect(out.split('Access-Control-Allow-Origin').length).toBe(2);
  });

  it.each(INPUTS)('ASP.NET Core calls UseCors after UseRouting and before authentication: %#', (input) => {
    const out = recipe('aspnet').render(input);
    const at = (s: string) => out.indexOf(s);
    expect(at('app.UseRouting();')).toBeLessThan(at('app.UseCors(CorsPolicy);'));
    expect(at('app.UseCors(CorsPolicy);')).toBeLessThan(at('app.UseAuthentication();'));
    expect(at('app.UseAuthentication();')).toBeLessThan(at('app.UseAuthorization();'));
  });

  it.each(INPUTS)('the corsproof/fetch App Router form exports a handler for each method, and OPTIONS: %#', (input) => {
    const out = recipe('corsproof-fetch').render(input);
    const exported = [...out.matchAll(/^\/\/ {3}export const ([A-Z]+) = withCors\(cors, /gm)].map((m) => m[1]);
    expect(exported).toEqual([...input.methods, 'OPTIONS']);
  });

  it('Django puts CorsMiddleware first', () => {
    expect(recipe('django').render(INPUTS[0] as RecipeInput)).toContain('MIDDLEWARE.insert(0, "corsheaders.middleware.CorsMiddleware")');
  });

  it('rs/cors sends Access-Control-Max-Age: 0 for a max age of 0 (0 would leave the header out)', () => {
    const out = recipe('go-rs-cors').render({ ...(INPUTS[0] as RecipeInput), maxAge: 0 });
    expect(out).toMatch(/MaxAge:\s+-1, \/\/ sends Access-Control-Max-Age: 0/);
  });

  it('the S3 configuration is the JSON the console takes', () => {
    const input = INPUTS[0] as RecipeInput;
    expect(JSON.parse(recipe('s3').render(input))).toEqual([
      {
        AllowedOrigins: input.origins,
        AllowedMethods: input.methods,
        AllowedHeaders: input.allowedHeaders,
        ExposeHeaders: input.exposedHeaders,
        MaxAgeSeconds: MAX_AGE,
      },
    ]);
  });

  it('the REST API recipe gives the mock integration values only when one fixed origin can do', () => {
    const one = recipe('aws-apigw-rest').render({ ...(INPUTS[0] as RecipeInput), origins: ONE });
    expect(one).toContain("//      Access-Control-Allow-Origin: 'https://app.example.com'");
    const three = recipe('aws-apigw-rest').render({ ...(INPUTS[0] as RecipeInput), origins: THREE });
    expect(three).not.toMatch(/\/\/\s+Access-Control-Allow-Origin: '/);
    expect(three).toContain('cannot allow several origins');
  });
});

/** Load a rendered JavaScript module (no imports of its own) from a temporary file. */
const dir = mkdtempSync(join(tmpdir(), 'corsproof-recipes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
async function load(code: string): Promise<Record<string, unknown>> {
  const file = join(dir, `recipe-${fileCount++}.mjs`);
  writeFileSync(file, code);
  return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Record<string, unknown>;
}

describe('the Cloudflare Worker recipe, run', () => {
  type Worker = { fetch: (request: Request, env: unknown, ctx: unknown) => Promise<Response> };
  const run = async (input: RecipeInput, init: RequestInit & { origin?: string }): Promise<Response> => {
    const worker = (await load(recipe('cloudflare-workers').render(input))).default as Worker;
    const headers = new Headers(init.headers);
    if (init.origin !== undefined) headers.set('Origin', init.origin);
    return worker.fetch(new Request('https://api.example.com/api/hello', { ...init, headers }), {}, {});
  };
  const full = INPUTS[2] as RecipeInput; // credentials, three origins, headers and max age
  const plain = INPUTS[7] as RecipeInput; // no credentials, three origins, nothing else

  it('answers a preflight from an allowed origin', async () => {
    const res = await run(full, { method: 'OPTIONS', origin: 'http://localhost:5173', headers: { 'Access-Control-Request-Method': 'PUT' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173');
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    expect(res.headers.get('Access-Control-Allow-Methods')).toBe('GET, PUT, DELETE');
    expect(res.headers.get('Access-Control-Allow-Headers')).toBe('Content-Type, Authorization, X-Trace-Id');
    expect(res.headers.get('Access-Control-Max-Age')).toBe(String(MAX_AGE));
    expect(res.headers.get('Vary')).toBe('Origin');
  });

  it('gives no CORS headers to a preflight from another origin', async () => {
    const res = await run(full, { method: 'OPTIONS', origin: 'https://appXexample.com', headers: { 'Access-Control-Request-Method': 'PUT' } });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull();
  });

  it('adds the headers to an allowed request, and none to another origin', async () => {
    const ok = await run(full, { method: 'GET', origin: 'https://admin.example.com:8443' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('Access-Control-Allow-Origin')).toBe('https://admin.example.com:8443');
    expect(ok.headers.get('Access-Control-Expose-Headers')).toBe('X-Request-Id, X-Total-Count');
    expect(await ok.json()).toEqual({ hello: 'world' });
    const other = await run(full, { method: 'GET', origin: 'https://evil.example' });
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(other.headers.get('Vary')).toBe('Origin');
  });

  it('sends no credentials header when credentials are off', async () => {
    const res = await run(plain, { method: 'GET', origin: 'https://app.example.com' });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example.com');
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull();
  });
});

describe('the REST API Lambda recipe, run', () => {
  type Result = { statusCode: number; headers: Record<string, string>; body: string };
  type Handler = (event: unknown) => Promise<Result>;
  const handlerFor = async (input: RecipeInput): Promise<Handler> => (await load(recipe('aws-apigw-rest').render(input))).handler as Handler;
  const full = INPUTS[2] as RecipeInput;

  it('answers a preflight from an allowed origin, whatever the case of the header name', async () => {
    const handler = await handlerFor(full);
    const res = await handler({ httpMethod: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'DELETE' } });
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://app.example.com',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'GET, PUT, DELETE',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Trace-Id',
      'Access-Control-Max-Age': String(MAX_AGE),
      Vary: 'Origin',
    });
  });

  it('adds the headers to a response for an allowed origin, and none for another or without headers', async () => {
    const handler = await handlerFor(full);
    const ok = await handler({ httpMethod: 'GET', headers: { Origin: 'http://localhost:5173' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['Access-Control-Allow-Origin']).toBe('http://localhost:5173');
    expect(ok.headers['Access-Control-Expose-Headers']).toBe('X-Request-Id, X-Total-Count');
    const other = await handler({ httpMethod: 'GET', headers: { Origin: 'https://app.example.com.evil.example' } });
    expect(other.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(other.headers['Access-Control-Allow-Credentials']).toBeUndefined();
    const none = await handler({ httpMethod: 'GET', headers: null });
    expect(none.headers).toEqual({ Vary: 'Origin', 'Content-Type': 'application/json' });
  });

  it('sends no credentials header when credentials are off', async () => {
    const handler = await handlerFor(INPUTS[7] as RecipeInput);
    const res = await handler({ httpMethod: 'GET', headers: { Origin: 'https://app.example.com' } });
    expect(res.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    expect(res.headers['Access-Control-Allow-Credentials']).toBeUndefined();
  });
});

describe('input checks', () => {
  const base = INPUTS[0] as RecipeInput;
  it.each([
    ['no origin', { origins: [] }],
    ['a wildcard origin', { origins: ['*'] }],
    ['the null origin', { origins: ['null'] }],
    ['a trailing slash', { origins: ['https://app.example.com/'] }],
    ['a path', { origins: ['https://app.example.com/app'] }],
    ['upper case', { origins: ['https://App.example.com'] }],
    ['a quote', { origins: ["https://app.example.com'"] }],
    ['no method', { methods: [] }],
    ['a method with a space', { methods: ['GET PUT'] }],
    ['a header with a quote', { allowedHeaders: ['X-"a"'] }],
    ['an exposed header with a dollar', { exposedHeaders: ['X-$a'] }],
    ['a negative max age', { maxAge: -1 }],
    ['a fractional max age', { maxAge: 1.5 }],
  ] as Array<[string, Partial<RecipeInput>]>)('refuses %s, in every recipe', (_what, change) => {
    for (const r of RECIPES) expect(() => r.render({ ...base, ...change }), r.id).toThrow(RecipeInputError);
  });

  it('accepts IPv6, ports and non-http schemes', () => {
    const out = recipe('nginx').render({ ...base, origins: ['http://[::1]:3000', 'capacitor://localhost'] });
    expect(out).toContain('"http://[::1]:3000" "http://[::1]:3000";');
    expect(new RegExp(originRegex(['http://[::1]:3000'])).test('http://[::1]:3000')).toBe(true);
  });

  it('S3 refuses methods its CORS rules cannot name', () => {
    expect(() => recipe('s3').render({ ...base, methods: ['GET', 'PATCH'] })).toThrow(/not PATCH/);
  });
});

describe('recipe', () => {
  it('finds a recipe by id', () => {
    expect(recipe('caddy').title).toBe('Caddy');
  });
  it('knows its ids', () => {
    expect(RECIPES.every((r) => isRecipeId(r.id))).toBe(true);
    expect(isRecipeId('lighttpd')).toBe(false);
  });
  it('throws on an unknown id, listing the known ones', () => {
    expect(() => recipe('lighttpd')).toThrow(/No recipe 'lighttpd'; known: corsproof-express, /);
  });
});
