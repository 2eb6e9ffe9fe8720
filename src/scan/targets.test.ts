import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeaderList } from '../engine/types.js';
import type { OpenApiReading, TargetLocation, UrlListItem } from './targets.js';
import { dedupeTargets, parseOpenApi, readHar, readOpenApi, readUrlLines, readUrlList, TargetError, targetsFromHar, targetsFromUrls } from './targets.js';
import type { ScanTarget } from './types.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const DOCTOR_FIXTURES = new URL('../doctor/fixtures/', import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corsproof-targets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error a call throws (so a table can compare its message and fields). */
async function thrown(f: () => unknown): Promise<TargetError> {
  try {
    await f();
  } catch (error) {
    if (error instanceof TargetError) return error;
    throw error;
  }
  throw new Error('expected a TargetError');
}

describe('targetsFromUrls', () => {
  const ok: Array<[string, string[], string | undefined, Array<[string, string]>]> = [
    ['one URL, GET by default', ['https://api.example/items'], undefined, [['GET', 'https://api.example/items']]],
    ['normalized by the URL parser, fragment dropped', ['HTTPS://API.example:443/a/../items?q=1#top'], undefined, [['GET', 'https://api.example/items?q=1']]],
    ['a method, upper-cased', ['http://localhost:3000/x', 'https://api.example/'], 'patch', [['PATCH', 'http://localhost:3000/x'], ['PATCH', 'https://api.example/']]],
    ['no URL', [], 'GET', []],
  ];
  it.each(ok)('%s', (_, urls, method, expected) => {
    const targets = targetsFromUrls(urls, method);
    expect(targets.map((t) => [t.method, t.url])).toEqual(expected);
    expect(targets.map((t) => t.source)).toEqual(urls.map((_u, index) => ({ kind: 'argument', index })));
    expect(targets.every((t) => t.headers.length === 0 && t.origins.length === 0)).toBe(true);
  });

  const bad: Array<[string, string[], string | undefined, string, RegExp]> = [
    ['no scheme: suggests https', ['ok.example/x', 'api.example/items'], undefined, 'argument 1', /'ok\.example\/x' is not an absolute URL: write it with its scheme, e\.g\. https:\/\/ok\.example\/x/],
    ['a path only', ['https://a.example/', '/items'], undefined, 'argument 2', /'\/items' is not an absolute URL/],
    ['not http(s)', ['ftp://files.example/a'], undefined, 'argument 1', /is a ftp: URL: corsproof scan sends HTTP requests/],
    ['credentials in the URL', ['https://user:pw@api.example/'], undefined, 'argument 1', /user name or password.*--bearer, --cookie or -H/],
    ['a method that is not a token', ['https://api.example/'], 'GE T', 'method', /'GE T' is not an HTTP method/],
    ['a forbidden method', ['https://api.example/'], 'trace', 'method', /pages cannot send TRACE/],
  ];
  it.each(bad)('%s', async (_, urls, method, field, message) => {
    const e = await thrown(() => targetsFromUrls(urls, method));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${field}: `)).toBe(true);
  });
});

/** A URL list's items, shortened: targets as `METHOD URL @line`, problems as `line: message`. */
async function listItems(items: AsyncIterable<UrlListItem>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) {
    if (item.kind === 'problem') out.push(`${item.problem.line}: ${item.problem.message}`);
    else out.push(`${item.target.method} ${item.target.url} @${item.target.source.kind === 'url-list' ? item.target.source.line : '?'}`);
  }
  return out;
}
const linesOf = (text: string, method?: string): AsyncIterable<UrlListItem> => readUrlLines(text.split('\n'), 'urls.txt', method === undefined ? {} : { method });

describe('readUrlLines', () => {
  const table: Array<[string, string, string | undefined, string[]]> = [
    ['URL, METHOD URL', 'https://a.example/x\nPUT https://a.example/y', undefined, ['GET https://a.example/x @1', 'PUT https://a.example/y @2']],
    ['comments, blank lines and spaces skipped, line numbers kept', '# list\n\n   \n  https://a.example/x  \n\t# indented comment\nDELETE\thttps://a.example/y', undefined, ['GET https://a.example/x @4', 'DELETE https://a.example/y @6']],
    ['a byte order mark on line 1', '\uFEFFhttps://a.example/', undefined, ['GET https://a.example/ @1']],
    ['a default method', 'https://a.example/\nget https://a.example/g', 'post', ['POST https://a.example/ @1', 'GET https://a.example/g @2']],
    [
      'bad lines are problems, the rest still read',
      'not a url\nhttps://a.example/ PUT\nPUT https://a.example/ extra\nTRACE https://a.example/\nG(T https://a.example/\n/relative\nhttps://a.example/ok',
      undefined,
      [
        "1: expected 'URL' or 'METHOD URL', got 3 words (encode spaces in a URL as %20)",
        "2: write the method first: 'PUT https://a.example/'",
        "3: expected 'URL' or 'METHOD URL', got 3 words (encode spaces in a URL as %20)",
        '4: pages cannot send TRACE (fetch() refuses CONNECT, TRACE and TRACK), so CORS does not apply to it',
        "5: 'G(T' is not an HTTP method (a token such as GET, PUT or PATCH)",
        "6: '/relative' is not an absolute URL: write it with its scheme, e.g. https://api.example.com/items",
        'GET https://a.example/ok @7',
      ],
    ],
    ['host:port without a scheme', 'localhost:8080/api', undefined, ["1: 'localhost:8080/api' is not an absolute URL: write it with its scheme, e.g. http://localhost:8080/api"]],
  ];
  it.each(table)('%s', async (_, text, method, expected) => {
    expect(await listItems(linesOf(text, method))).toEqual(expected);
  });

  it('refuses a default method that is not one', async () => {
    const e = await thrown(() => listItems(linesOf('', 'NOT A METHOD')));
    expect(e.field).toBe('method');
  });
});

describe('readUrlList', () => {
  it('reads a file, CRLF line ends included', async () => {
    expect(await listItems(readUrlList(join(FIXTURES, 'urls.txt')))).toEqual([
      'GET https://api.example/items @2',
      'PUT https://api.example/items/1 @4',
      "5: 'ftp://files.example/x' is a ftp: URL: corsproof scan sends HTTP requests, give an http:// or https:// URL",
    ]);
    const crlf = join(dir, 'crlf.txt');
    await writeFile(crlf, '# x\r\nhttps://a.example/1\r\n\r\nPOST https://a.example/2\r\n');
    expect(await listItems(readUrlList(crlf))).toEqual(['GET https://a.example/1 @2', 'POST https://a.example/2 @4']);
  });

  it('names the file in problems and sources', async () => {
    const file = join(FIXTURES, 'urls.txt');
    const items: UrlListItem[] = [];
    for await (const item of readUrlList(file)) items.push(item);
    expect(items[0]).toEqual({ kind: 'target', target: { url: 'https://api.example/items', method: 'GET', headers: [], origins: [], source: { kind: 'url-list', file, line: 2 } } });
    expect(items[2]).toMatchObject({ kind: 'problem', problem: { file, line: 5 } });
  });

  it('streams 200,000 lines', async () => {
    const file = join(dir, 'big.txt');
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(i % 1000 === 999 ? `# comment ${i}` : i % 1000 === 500 ? `bad line ${i}` : `${i % 2 ? 'PUT ' : ''}https://api.example/items/${i}`);
    await writeFile(file, lines.join('\n'));
    let targets = 0;
    let problems = 0;
    let lastLine = 0;
    for await (const item of readUrlList(file)) {
      if (item.kind === 'problem') problems++;
      else {
        targets++;
        lastLine = item.target.source.kind === 'url-list' ? item.target.source.line : -1;
      }
    }
    expect({ targets, problems, lastLine }).toEqual({ targets: 199_600, problems: 200, lastLine: 199_999 });
  });

  it('stops reading when the loop breaks', async () => {
    let n = 0;
    for await (const item of readUrlList(join(FIXTURES, 'urls.txt'))) {
      expect(item.kind).toBe('target');
      if (++n === 1) break;
    }
    expect(n).toBe(1);
  });

  const unreadable: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(dir, 'missing.txt'), /missing\.txt: cannot read the file: no such file$/],
    ['a directory', () => dir, /: cannot read the file: it is a directory, not a file$/],
  ];
  it.each(unreadable)('%s: a TargetError naming the file', async (_, file, message) => {
    const e = await thrown(async () => {
      for await (const item of readUrlList(file())) void item;
    });
    expect(e.file).toBe(file());
    expect(e.message).toMatch(message);
  });
});

/** A summary of an OpenAPI reading: each target as `METHOD URL`, its headers, line, pointer and path values; each problem. */
function summary(r: OpenApiReading): { targets: Array<[string, HeaderList, number, string, string]>; problems: string[] } {
  return {
    targets: r.targets.map((t) => [`${t.method} ${t.url}`, t.headers, t.source.line, t.source.pointer, t.pathValues.map((v) => `${v.name}=${v.value} (${v.from})`).join(', ')]),
    problems: r.problems.map((p) => `${p.line} ${p.pointer ?? ''}: ${p.message}`),
  };
}

const BEARER: [string, string] = ['Authorization', 'Bearer x'];
const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

describe('parseOpenApi', () => {
  const table: Array<[string, string, { base?: string }, ReturnType<typeof summary>]> = [
    [
      'servers × paths × methods; server variables take their default',
      `openapi: 3.0.3
servers:
  - url: https://{region}.api.example/v2/
    variables: { region: { default: eu } }
  - url: http://localhost:8080
paths:
  /items:
    get: {}
    post: {}
    x-internal: {}
  x-ext: {}`,
      {},
      {
        targets: [
          ['GET https://eu.api.example/v2/items', [], 8, '/paths/~1items/get', ''],
          ['GET http://localhost:8080/items', [], 8, '/paths/~1items/get', ''],
          ['POST https://eu.api.example/v2/items', [], 9, '/paths/~1items/post', ''],
          ['POST http://localhost:8080/items', [], 9, '/paths/~1items/post', ''],
        ],
        problems: [],
      },
    ],
    [
      "path-level servers override the document's, operation-level the path's",
      `openapi: 3.1.0
servers: [{ url: https://root.example }]
paths:
  /a:
    servers: [{ url: https://path.example/p }]
    get: {}
    put:
      servers: [{ url: https://op.example }]
  /b:
    delete: {}`,
      {},
      {
        targets: [
          ['GET https://path.example/p/a', [], 6, '/paths/~1a/get', ''],
          ['PUT https://op.example/a', [], 7, '/paths/~1a/put', ''],
          ['DELETE https://root.example/b', [], 10, '/paths/~1b/delete', ''],
        ],
        problems: [],
      },
    ],
    [
      'a relative server URL without a base: a problem, once',
      `openapi: 3.0.0
servers:
  - url: /v1
  - url: https://abs.example
paths:
  /a: { get: {}, head: {} }`,
      {},
      {
        targets: [
          ['GET https://abs.example/a', [], 6, '/paths/~1a/get', ''],
          ['HEAD https://abs.example/a', [], 6, '/paths/~1a/head', ''],
        ],
        problems: ["3 /servers/0: the server URL '/v1' is relative: give the base URL it is relative to (corsproof scan --base https://api.example.com)"],
      },
    ],
    [
      'a relative server URL with a base',
      'openapi: 3.0.0\nservers: [{ url: /v1 }, { url: v2/ }]\npaths: { /a: { get: {} } }',
      { base: 'https://api.example/docs/openapi.yaml' },
      {
        targets: [
          ['GET https://api.example/v1/a', [], 3, '/paths/~1a/get', ''],
          ['GET https://api.example/docs/v2/a', [], 3, '/paths/~1a/get', ''],
        ],
        problems: [],
      },
    ],
    ['no servers: / against the base', 'openapi: 3.0.0\npaths: { /a: { options: {} } }', { base: 'http://127.0.0.1:3000' }, { targets: [['OPTIONS http://127.0.0.1:3000/a', [], 2, '/paths/~1a/options', '']], problems: [] }],
    [
      'no servers and no base: a problem',
      'openapi: 3.0.0\npaths: { /a: { get: {} } }',
      {},
      { targets: [], problems: ['1 /servers: no servers are given (so the server is /): give the base URL it is relative to (corsproof scan --base https://api.example.com)'] },
    ],
    [
      'server problems: a variable without a default, not http(s), the same server twice',
      `openapi: 3.0.0
servers:
  - url: https://{tenant}.example
  - url: wss://ws.example
  - url: https://x.example/
  - url: https://x.example
paths: { /a: { get: {} } }`,
      {},
      {
        targets: [['GET https://x.example/a', [], 7, '/paths/~1a/get', '']],
        problems: [
          '3 /servers/0/url: the server variable {tenant} has no default: add variables: { tenant: { default: ... } } to the server',
          "4 /servers/1: the server URL 'wss://ws.example' is not http(s): not scanned",
        ],
      },
    ],
    [
      'path templates: example, schema example, default, examples, enum, placeholder; operation parameters override the path item’s',
      `openapi: 3.0.0
servers: [{ url: https://api.example }]
paths:
  /a/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}:
    parameters:
      - { name: p1, in: path, example: one }
      - { name: p2, in: path, schema: { example: 2, default: 9 } }
      - { name: p3, in: path, schema: { default: three } }
      - { name: p4, in: path, examples: { first: { value: a b/c } } }
      - { name: p5, in: path, schema: { enum: [x, y] } }
      - { name: p7, in: path, example: path-level }
      - $ref: '#/components/parameters/P6'
    get:
      parameters:
        - { name: p7, in: path, example: operation-level }
components:
  parameters:
    P6: { name: p6, in: path, schema: { $ref: '#/components/schemas/Id' } }
  schemas:
    Id: { type: string, example: abc }`,
      {},
      {
        targets: [
          [
            'GET https://api.example/a/one/2/three/a%20b%2Fc/x/abc/operation-level',
            [],
            13,
            '/paths/~1a~1{p1}~1{p2}~1{p3}~1{p4}~1{p5}~1{p6}~1{p7}/get',
            'p1=one (example), p2=2 (schema.example), p3=three (schema.default), p4=a b/c (examples), p5=x (schema.enum), p6=abc (schema.example), p7=operation-level (example)',
          ],
        ],
        problems: [],
      },
    ],
    [
      'a path parameter without example, or not declared: the placeholder 1',
      'openapi: 3.1.0\nservers: [{ url: https://api.example }]\npaths:\n  /u/{id}/{undeclared}:\n    patch:\n      parameters: [{ name: id, in: path, schema: { type: integer } }]',
      {},
      { targets: [['PATCH https://api.example/u/1/1', [], 5, '/paths/~1u~1{id}~1{undeclared}/patch', 'id=1 (placeholder), undeclared=1 (placeholder)']], problems: [] },
    ],
    [
      'request bodies: the first media type that is not CORS-safelisted, else the first; $ref followed',
      `openapi: 3.0.0
servers: [{ url: https://api.example }]
paths:
  /json: { post: { requestBody: { $ref: '#/components/requestBodies/Both' } } }
  /form: { post: { requestBody: { content: { multipart/form-data: {}, text/plain: {} } } } }
  /any: { put: { requestBody: { content: { '*/*': {} } } } }
  /vendor: { put: { requestBody: { content: { 'application/*': {}, application/vnd.api+json: {} } } } }
components:
  requestBodies:
    Both: { content: { application/x-www-form-urlencoded: {}, application/json: {} } }`,
      {},
      {
        targets: [
          ['POST https://api.example/json', [JSON_TYPE], 4, '/paths/~1json/post', ''],
          ['POST https://api.example/form', [['Content-Type', 'multipart/form-data']], 5, '/paths/~1form/post', ''],
          ['PUT https://api.example/any', [], 6, '/paths/~1any/put', ''],
          ['PUT https://api.example/vendor', [['Content-Type', 'application/vnd.api+json']], 7, '/paths/~1vendor/put', ''],
        ],
        problems: [],
      },
    ],
    [
      'header parameters: their example, else x; Accept, Content-Type, Authorization ignored (OpenAPI), forbidden ones dropped',
      `openapi: 3.0.0
servers: [{ url: https://api.example }]
paths:
  /h:
    parameters:
      - { name: X-Trace, in: header, example: t-1 }
    get:
      parameters:
        - { name: x-trace, in: header, example: overridden }
        - { name: X-Version, in: header, schema: { type: integer, default: 3 } }
        - { name: X-Plain, in: header }
        - { name: Accept, in: header, example: application/json }
        - { name: Authorization, in: header }
        - { name: Cookie, in: header }
        - { name: Sec-Fetch-Mode, in: header }
        - { name: q, in: query, example: 1 }`,
      {},
      { targets: [['GET https://api.example/h', [['x-trace', 'overridden'], ['X-Version', '3'], ['X-Plain', 'x']], 7, '/paths/~1h/get', '']], problems: [] },
    ],
    [
      'security: the first requirement; apiKey in a header, bearer, oauth2 and openIdConnect send a header, the rest none; security: [] none',
      `openapi: 3.0.0
servers: [{ url: https://api.example }]
security: [{ key: [] }, { bearer: [] }]
paths:
  /root: { get: {} }
  /bearer: { get: { security: [{ bearer: [] }] } }
  /both: { get: { security: [{ key: [], oauth: [read] }] } }
  /oidc: { get: { security: [{ oidc: [] }] } }
  /none: { get: { security: [] } }
  /basic-query-cookie: { get: { security: [{ basic: [], query: [], cookie: [] }] } }
  /missing: { get: { security: [{ nope: [] }] } }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-API-Key }
    bearer: { type: http, scheme: Bearer }
    oauth: { type: oauth2, flows: {} }
    oidc: { type: openIdConnect, openIdConnectUrl: https://id.example/.well-known/openid-configuration }
    basic: { type: http, scheme: basic }
    query: { type: apiKey, in: query, name: key }
    cookie: { type: apiKey, in: cookie, name: sid }`,
      {},
      {
        targets: [
          ['GET https://api.example/root', [['X-API-Key', 'x']], 5, '/paths/~1root/get', ''],
          ['GET https://api.example/bearer', [BEARER], 6, '/paths/~1bearer/get', ''],
          ['GET https://api.example/both', [['X-API-Key', 'x'], BEARER], 7, '/paths/~1both/get', ''],
          ['GET https://api.example/oidc', [BEARER], 8, '/paths/~1oidc/get', ''],
          ['GET https://api.example/none', [], 9, '/paths/~1none/get', ''],
          ['GET https://api.example/basic-query-cookie', [], 10, '/paths/~1basic-query-cookie/get', ''],
          ['GET https://api.example/missing', [], 11, '/paths/~1missing/get', ''],
        ],
        problems: ["11 /paths/~1missing/get: the security scheme 'nope' is not in components.securitySchemes: its header is left out"],
      },
    ],
    [
      'TRACE skipped with a problem; pointers escape ~ and /; $refs that lead nowhere',
      `openapi: 3.0.0
servers: [{ url: https://api.example }]
paths:
  /a~b/c:
    trace: {}
    get:
      parameters: [{ $ref: 'common.yaml#/P' }, { $ref: '#/components/parameters/Gone' }]`,
      {},
      {
        targets: [['GET https://api.example/a~b/c', [], 6, '/paths/~1a~0b~1c/get', '']],
        problems: [
          '5 /paths/~1a~0b~1c/trace: TRACE is not scanned: pages cannot send it (fetch() refuses it), so CORS does not apply',
          "7 /paths/~1a~0b~1c/get/parameters/0: $ref 'common.yaml#/P' points into another file, which corsproof does not follow: bundle the document first (e.g. npx @redocly/cli bundle)",
          "7 /paths/~1a~0b~1c/get/parameters/1: $ref '#/components/parameters/Gone' points to nothing in this document",
        ],
      },
    ],
    [
      'JSON, with lines',
      `{
  "openapi": "3.1.0",
  "servers": [{ "url": "https://api.example" }],
  "paths": {
    "/items/{id}": {
      "get": { "parameters": [{ "name": "id", "in": "path", "example": 7 }] },
      "put": {
        "requestBody": { "content": { "application/json": {} } }
      }
    }
  }
}`,
      {},
      {
        targets: [
          ['GET https://api.example/items/7', [], 6, '/paths/~1items~1{id}/get', 'id=7 (example)'],
          ['PUT https://api.example/items/1', [JSON_TYPE], 7, '/paths/~1items~1{id}/put', 'id=1 (placeholder)'],
        ],
        problems: [],
      },
    ],
    ['no paths (3.1 allows webhooks only)', 'openapi: 3.1.0\nwebhooks: {}', {}, { targets: [], problems: ['1 : no paths: the document describes no route to scan'] }],
  ];
  it.each(table)('%s', (_, text, options, expected) => {
    expect(summary(parseOpenApi(text, 'api.yaml', options))).toEqual(expected);
  });

  it('sources name the file; targets are kept once', () => {
    const r = parseOpenApi('openapi: 3.0.0\nservers: [{ url: "https://a.example" }, { url: "https://a.example/" }]\npaths: { /x: { get: {} } }', 'specs/api.yaml');
    expect(r.targets).toEqual([{ url: 'https://a.example/x', method: 'GET', headers: [], origins: [], source: { kind: 'openapi', file: 'specs/api.yaml', line: 3, pointer: '/paths/~1x/get' }, pathValues: [] }]);
  });

  const errors: Array<[string, string, { base?: string }, TargetLocation, string]> = [
    [
      'Swagger 2.0',
      'info: {}\nswagger: "2.0"\npaths: {}',
      {},
      { file: 'api.yaml', line: 2 },
      'api.yaml:2: this is Swagger 2.0; corsproof reads OpenAPI 3.0 and 3.1: convert it first (e.g. npx swagger2openapi api.yaml -o openapi.yaml)',
    ],
    ['no openapi field', 'info: {}\npaths: {}', {}, { file: 'api.yaml', line: 1 }, 'api.yaml:1: not an OpenAPI document: no openapi: field (OpenAPI 3.0 or 3.1 starts with e.g. openapi: 3.1.0)'],
    ['another major version', 'info: {}\nopenapi: 4.0.0', {}, { file: 'api.yaml', line: 2 }, 'api.yaml:2: openapi: 4.0.0: corsproof reads OpenAPI 3.0 and 3.1'],
    ['not a mapping', '- a\n- b', {}, { file: 'api.yaml', line: 1 }, 'api.yaml:1: not an OpenAPI document: expected a mapping with openapi:, info: and paths:'],
    ['a YAML syntax error (at the end, where the ] is missing)', 'openapi: 3.0.0\npaths:\n  /a: [\n', {}, { file: 'api.yaml', line: 4 }, 'api.yaml:4: not YAML or JSON: Flow sequence'],
    ['a bad base', 'openapi: 3.0.0', { base: '/v1' }, { field: 'base' }, "base: '/v1' is not an absolute URL"],
  ];
  it.each(errors)('%s: a TargetError', async (_, text, options, at, message) => {
    const e = await thrown(() => parseOpenApi(text, 'api.yaml', options));
    expect({ file: e.file ?? undefined, line: e.line ?? undefined, field: e.field ?? undefined }).toEqual({ file: undefined, line: undefined, field: undefined, ...at });
    expect(e.message.startsWith(message)).toBe(true);
  });

  it('reads a file (fixtures/petstore.openapi.yaml)', async () => {
    const file = join(FIXTURES, 'petstore.openapi.yaml');
    const r = await readOpenApi(file);
    expect(summary(r)).toEqual({
      targets: [
        ['GET https://api.pets.example/v1/pets', [['X-Tenant', 'acme'], BEARER], 12, '/paths/~1pets/get', ''],
        ['POST https://api.pets.example/v1/pets', [JSON_TYPE, BEARER], 15, '/paths/~1pets/post', ''],
        ['DELETE https://api.pets.example/v1/pets/42', [], 21, '/paths/~1pets~1{petId}/delete', 'petId=42 (schema.example)'],
      ],
      problems: [],
    });
    expect(r.targets[0]?.source.file).toBe(file);
    const e = await thrown(() => readOpenApi(join(dir, 'nope.yaml')));
    expect(e.message).toMatch(/nope\.yaml: cannot read the file: no such file$/);
  });
});

const PAGE = 'https://app.example';
const OTHER_PAGE = 'https://admin.example';
const API = 'https://api.example';
const h = (pairs: Record<string, string>): Array<{ name: string; value: string }> => Object.entries(pairs).map(([name, value]) => ({ name, value }));
type Entry = { request: { method: string; url: string; headers: Array<{ name: string; value: string }> }; response: { status: number; headers: Array<{ name: string; value: string }> } };
const entry = (method: string, url: string, headers: Record<string, string>, status = 200, response: Record<string, string> = {}): Entry => ({
  request: { method, url, headers: h(headers) },
  response: { status, headers: h(response) },
});
const har = (...entries: Entry[]): unknown => ({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } });

/** A HAR target, shortened: `METHOD URL`, headers, origins, entry. */
const harSummary = (targets: ScanTarget[]): Array<[string, HeaderList, string[], number]> =>
  targets.map((t) => [`${t.method} ${t.url}`, t.headers, t.origins, t.source.kind === 'har' ? t.source.entry : -1]);

describe('targetsFromHar', () => {
  const BROWSER = { 'User-Agent': 'Mozilla/5.0', Accept: '*/*', 'Accept-Encoding': 'gzip', 'Accept-Language': 'en', Referer: `${PAGE}/`, 'Sec-Fetch-Mode': 'cors', Connection: 'keep-alive', Host: 'api.example', Cookie: 'sid=1' };
  const table: Array<[string, unknown, Array<[string, HeaderList, string[], number]>]> = [
    [
      'cross-origin requests only; the script-set headers only',
      har(
        entry('GET', `${PAGE}/app.js`, { ...BROWSER }),
        entry('GET', `${PAGE}/api/me`, { ...BROWSER, Origin: PAGE }),
        entry('POST', `${API}/items`, { ...BROWSER, Origin: PAGE, 'Content-Type': 'application/json', 'X-Requested-With': 'fetch', 'Content-Length': '2' }),
        entry('GET', `${API}/items`, { ...BROWSER }),
      ),
      [['POST https://api.example/items', [['Content-Type', 'application/json'], ['X-Requested-With', 'fetch']], [PAGE], 2]],
    ],
    [
      'a preflight and its request are one target (the request’s entry)',
      har(
        entry('PUT', `${API}/items/1`, { ...BROWSER, Origin: PAGE, 'Content-Type': 'application/json' }),
        entry('OPTIONS', `${API}/items/1`, { ...BROWSER, Origin: PAGE, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' }, 204),
      ),
      [['PUT https://api.example/items/1', [['Content-Type', 'application/json']], [PAGE], 0]],
    ],
    [
      'a preflight alone: the method and header names it announces',
      har(entry('OPTIONS', `${API}/items/1`, { Origin: PAGE, 'Access-Control-Request-Method': 'DELETE', 'Access-Control-Request-Headers': 'x-b,x-a' }, 401)),
      [['DELETE https://api.example/items/1', [['x-b', 'application/x-corsproof-unknown'], ['x-a', 'application/x-corsproof-unknown']], [PAGE], 0]],
    ],
    [
      'the same route from two pages: one target, both origins; other header names: another target',
      har(
        entry('GET', `${API}/me`, { Origin: PAGE, 'X-A': '1' }),
        entry('GET', `${API}/me`, { Origin: OTHER_PAGE, 'x-a': '2' }),
        entry('GET', `${API}/me`, { Origin: PAGE, 'X-A': '3' }),
        entry('GET', `${API}/me`, { Origin: PAGE }),
        entry('GET', `${API}/me#frag`, { Origin: OTHER_PAGE }),
      ),
      [
        ['GET https://api.example/me', [['X-A', '1']], [PAGE, OTHER_PAGE], 0],
        ['GET https://api.example/me', [], [PAGE, OTHER_PAGE], 3],
      ],
    ],
    [
      'credential values replaced (Authorization keeps its scheme)',
      har(entry('GET', `${API}/me`, { Origin: PAGE, Authorization: 'Bearer eyJhbGciOi.secret', 'X-API-Key': 'k-123', 'X-CSRF-Token': 'c', 'X-Client': 'web' })),
      [['GET https://api.example/me', [['Authorization', 'Bearer x'], ['X-API-Key', 'x'], ['X-CSRF-Token', 'x'], ['X-Client', 'web']], [PAGE], 0]],
    ],
    [
      'a redirect chain is its first URL; Origin: null and non-http URLs left out',
      har(
        entry('GET', `${API}/old`, { Origin: PAGE }, 301, { Location: `${API}/new` }),
        entry('GET', `${API}/new`, { Origin: PAGE }),
        entry('GET', `${API}/sandboxed`, { Origin: 'null' }),
        entry('GET', 'wss://api.example/socket', { Origin: PAGE }, 101),
      ),
      [['GET https://api.example/old', [], [PAGE], 0]],
    ],
    ['no cross-origin request: no target', har(entry('GET', `${PAGE}/`, {})), []],
  ];
  it.each(table)('%s', (_, input, expected) => {
    expect(harSummary(targetsFromHar(input, 'session.har'))).toEqual(expected);
  });

  it('real DevTools exports: Chromium and Firefox give the same targets', async () => {
    const read = await Promise.all(['chromium', 'firefox'].map((b) => readHar(join(DOCTOR_FIXTURES, `${b}.har`))));
    const shape = (targets: ScanTarget[]): Array<[string, string, number]> =>
      targets.map((t) => [t.method, t.headers.map(([n, v]) => `${n.toLowerCase()}: ${v}`).sort().join('; '), t.source.kind === 'har' ? t.source.entry : -1]);
    const [chromium, firefox] = read as [ScanTarget[], ScanTarget[]];
    expect(shape(chromium)).toEqual(shape(firefox));
    expect(shape(chromium)).toEqual([
      ['GET', '', 0],
      ['GET', '', 1],
      ['GET', '', 2],
      ['GET', '', 3],
      ['GET', 'authorization: Bearer x', 4],
      ['PUT', 'content-type: application/json', 6],
      ['GET', '', 8],
      ['GET', 'authorization: Bearer x', 9],
      ['PUT', '', 11],
      ['DELETE', '', 13],
      ['GET', '', 15],
      ['GET', '', 16],
      ['PUT', 'authorization: Bearer x; content-type: application/json', 17],
    ]);
    expect(new Set(chromium.flatMap((t) => t.origins))).toEqual(new Set(['http://127.0.0.1:33039']));
    expect(chromium[0]?.source).toEqual({ kind: 'har', file: join(DOCTOR_FIXTURES, 'chromium.har'), entry: 0 });
  });

  const bad: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['not JSON', async () => readHar(await written('bad.har', '{ "log": ')), /bad\.har: not a HAR file \(.*\): save one from DevTools > Network > Export HAR$/],
    ['no log.entries', async () => readHar(await written('empty.har', '{}')), /empty\.har: not a HAR file: no log\.entries array: save the HAR again/],
    ['a bad entry', async () => targetsFromHar({ log: { entries: [{ request: {} }] } }, 'x.har'), /^x\.har: log\.entries\[0\]\.request needs a url and a method/],
    ['a missing file', async () => readHar(join(dir, 'none.har')), /none\.har: cannot read the file: no such file$/],
  ];
  it.each(bad)('%s: a TargetError', async (_, f, message) => {
    expect((await thrown(f)).message).toMatch(message);
  });
});

async function written(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('dedupeTargets', () => {
  const t = (method: string, url: string, headers: HeaderList, origins: string[], index: number): ScanTarget => ({ url, method, headers, origins, source: { kind: 'argument', index } });
  it('keeps the first of each method, URL and header names (any case, any order), origins merged', () => {
    const out = dedupeTargets([
      t('GET', 'https://a.example/', [['X-A', '1'], ['X-B', '1']], ['https://p1.example'], 0),
      t('GET', 'https://a.example/', [['x-b', '2'], ['x-a', '2']], ['https://p2.example', 'https://p1.example'], 1),
      t('POST', 'https://a.example/', [], [], 2),
      t('GET', 'https://a.example/', [], ['https://p3.example'], 3),
    ]);
    expect(out.map((x) => [x.method, x.source, x.origins])).toEqual([
      ['GET', { kind: 'argument', index: 0 }, ['https://p1.example', 'https://p2.example']],
      ['POST', { kind: 'argument', index: 2 }, []],
      ['GET', { kind: 'argument', index: 3 }, ['https://p3.example']],
    ]);
  });
});
