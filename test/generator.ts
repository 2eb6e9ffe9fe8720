/**
 * The scenario generator for the differential suite and the benchmark:
 * request shapes × credentials modes × client APIs, each answered by a
 * correct server with zero, one or two defects in the preflight, the
 * response or a redirect chain. Deterministic for a given seed.
 *
 * Every case targets `/c/<id>/<hop>` on the world's origins, so a harness
 * can route what the browser sends back to the case.
 */
import type { CredentialsMode, HeaderList, Initiator, Scenario, ScenarioResponse } from '../src/engine/types.js';

/** The origins of a test world: the page, the API, and a third origin for redirects. */
export interface World {
  pageOrigin: string;
  targetOrigin: string;
  otherOrigin: string;
}

/** A generated case: an id, a scenario, and the defects that shaped it (for reading failures). */
export interface GeneratedCase {
  id: string;
  scenario: Scenario;
  tags: string[];
}

/** A small, fast, seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RequestShape {
  name: string;
  method: string;
  headers: HeaderList;
  /** Header names the server should allow for this shape (both browsers' views, lowercase). */
  allow: string[];
  /** Which APIs can make this request. */
  apis: Initiator[];
}

const LONG_ACCEPT = `application/json;${'q'.repeat(130)}`;

const SHAPES: RequestShape[] = [
  { name: 'get', method: 'GET', headers: [], allow: [], apis: ['fetch', 'xhr', 'eventsource'] },
  { name: 'get-accept', method: 'GET', headers: [['Accept', 'application/json']], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'head', method: 'HEAD', headers: [], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'post-text', method: 'POST', headers: [['Content-Type', 'text/plain;charset=UTF-8']], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'post-form', method: 'post', headers: [['Content-Type', 'application/x-www-form-urlencoded']], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'post-json', method: 'POST', headers: [['Content-Type', 'application/json']], allow: ['content-type'], apis: ['fetch', 'xhr'] },
  { name: 'put', method: 'PUT', headers: [], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'delete-xrw', method: 'delete', headers: [['X-Requested-With', 'XMLHttpRequest']], allow: ['x-requested-with'], apis: ['fetch', 'xhr'] },
  { name: 'get-auth', method: 'GET', headers: [['Authorization', 'Bearer t0k3n']], allow: ['authorization'], apis: ['fetch', 'xhr'] },
  { name: 'patch-lower', method: 'patch', headers: [['Content-Type', 'application/json']], allow: ['content-type'], apis: ['fetch', 'xhr'] },
  { name: 'patch', method: 'PATCH', headers: [['X-Api-Key', 'k']], allow: ['x-api-key'], apis: ['fetch', 'xhr'] },
  {
    name: 'two-custom',
    method: 'GET',
    headers: [
      ['X-Custom-B', '2'],
      ['x-custom-a', '1'],
    ],
    allow: ['x-custom-a', 'x-custom-b'],
    apis: ['fetch', 'xhr'],
  },
  { name: 'lang-unsafe', method: 'GET', headers: [['Accept-Language', 'en (GB)']], allow: ['accept-language'], apis: ['fetch', 'xhr'] },
  {
    name: 'multipart-quoted',
    method: 'POST',
    headers: [['Content-Type', 'multipart/form-data; boundary="b"']],
    allow: ['content-type'],
    apis: ['fetch', 'xhr'],
  },
  { name: 'range', method: 'GET', headers: [['Range', 'bytes=0-10']], allow: ['range'], apis: ['fetch', 'xhr'] },
  { name: 'range-suffix', method: 'GET', headers: [['Range', 'bytes=-5']], allow: ['range'], apis: ['fetch', 'xhr'] },
  { name: 'long-accept', method: 'GET', headers: [['Accept', LONG_ACCEPT]], allow: ['accept'], apis: ['fetch', 'xhr'] },
  { name: 'dpr', method: 'GET', headers: [['DPR', '2']], allow: ['dpr'], apis: ['fetch', 'xhr'] },
  { name: 'user-agent', method: 'GET', headers: [['User-Agent', 'corsproof-test']], allow: ['user-agent'], apis: ['fetch', 'xhr'] },
  {
    name: 'dup-custom',
    method: 'GET',
    headers: [
      ['X-Dup', 'a'],
      ['X-Dup', 'b'],
    ],
    allow: ['x-dup'],
    apis: ['fetch', 'xhr'],
  },
  { name: 'ct-charset', method: 'POST', headers: [['Content-Type', 'Text/Plain; charset=utf-8']], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'forbidden-only', method: 'GET', headers: [['Cookie', 'a=b'], ['Sec-Fetch-Foo', 'x']], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'accept-nonascii', method: 'GET', headers: [['Accept', 'text/html;x=\u00e9']], allow: ['accept'], apis: ['fetch', 'xhr'] },
  { name: 'ct-nonascii', method: 'POST', headers: [['Content-Type', 'text/plain;charset=\u00e9']], allow: ['content-type'], apis: ['fetch', 'xhr'] },
  { name: 'lang-empty', method: 'GET', headers: [['Accept-Language', '']], allow: ['accept-language'], apis: ['fetch', 'xhr'] },
  { name: 'content-language', method: 'POST', headers: [['Content-Language', 'de-DE, en']], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'ct-comma', method: 'POST', headers: [['Content-Type', 'text/plain, text/html']], allow: ['content-type'], apis: ['fetch', 'xhr'] },
  { name: 'ct-space-in-type', method: 'POST', headers: [['Content-Type', 'text /plain']], allow: ['content-type'], apis: ['fetch', 'xhr'] },
  { name: 'ct-no-subtype', method: 'POST', headers: [['Content-Type', 'text/']], allow: ['content-type'], apis: ['fetch', 'xhr'] },
  {
    name: 'client-hints',
    method: 'GET',
    headers: [['Viewport-Width', '800'], ['Save-Data', 'on'], ['ECT', '4g'], ['Device-Memory', '0.5']],
    allow: ['device-memory', 'ect', 'save-data', 'viewport-width'],
    apis: ['fetch', 'xhr'],
  },
  { name: 'width-invalid', method: 'GET', headers: [['Width', '1.5']], allow: ['width'], apis: ['fetch', 'xhr'] },
  {
    name: 'dup-case',
    method: 'PUT',
    headers: [['x-a', '1'], ['X-A', '2']],
    allow: ['x-a'],
    apis: ['fetch', 'xhr'],
  },
  { name: 'options', method: 'options', headers: [], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'override-forbidden', method: 'POST', headers: [['X-HTTP-Method-Override', 'TRACE']], allow: [], apis: ['fetch', 'xhr'] },
  { name: 'long-custom', method: 'GET', headers: [['X-Long', 'v'.repeat(300)]], allow: ['x-long'], apis: ['fetch', 'xhr'] },
  { name: 'value-whitespace', method: 'POST', headers: [['Content-Type', '  text/plain  '], ['X-Pad', ' v ']], allow: ['x-pad'], apis: ['fetch', 'xhr'] },
  { name: 'accept-128', method: 'GET', headers: [['Accept', 'a'.repeat(128)]], allow: ['accept'], apis: ['fetch', 'xhr'] },
  {
    // Safelisted values adding up to more than 1024 bytes (Chromium counts its client hints too).
    name: 'over-1024',
    method: 'GET',
    headers: [
      ['Accept', 'a'.repeat(128)],
      ['Accept-Language', 'b'.repeat(128)],
      ['Content-Language', 'c'.repeat(128)],
      ['Width', '1'.repeat(128)],
      ['Viewport-Width', '2'.repeat(128)],
      ['RTT', '3'.repeat(128)],
      ['Device-Memory', '4'.repeat(128)],
      ['Downlink', '5'.repeat(128)],
      ['DPR', '6'.repeat(128)],
    ],
    allow: ['accept', 'accept-language', 'content-language', 'device-memory', 'downlink', 'dpr', 'rtt', 'viewport-width', 'width'],
    apis: ['fetch', 'xhr'],
  },
  {
    name: 'under-1024',
    method: 'GET',
    headers: [
      ['Accept', 'a'.repeat(128)],
      ['Accept-Language', 'b'.repeat(128)],
      ['Width', '1'.repeat(128)],
      ['DPR', '6'.repeat(100)],
    ],
    allow: ['accept', 'accept-language', 'dpr', 'width'],
    apis: ['fetch', 'xhr'],
  },
  {
    name: 'safelisted-but-unsafe-value',
    method: 'GET',
    headers: [['Accept', 'a{b}'], ['Content-Language', 'en_US']],
    allow: ['accept', 'content-language'],
    apis: ['fetch', 'xhr'],
  },
];

/** A defect: a named change to one of the server's answers. */
type Defect = { name: string; where: 'preflight' | 'response' | 'both'; apply: (r: ScenarioResponse, ctx: DefectContext) => void };

interface DefectContext {
  origin: string;
  method: string;
  world: World;
}

function remove(r: ScenarioResponse, lowerName: string): void {
  r.headers = r.headers.filter(([n]) => n.toLowerCase() !== lowerName);
}

function set(r: ScenarioResponse, name: string, value: string): void {
  remove(r, name.toLowerCase());
  r.headers.push([name, value]);
}

const ACAO = 'Access-Control-Allow-Origin';
const ACAC = 'Access-Control-Allow-Credentials';
const ACAM = 'Access-Control-Allow-Methods';
const ACAH = 'Access-Control-Allow-Headers';

const ORIGIN_DEFECTS: Defect[] = [
  { name: 'acao-missing', where: 'both', apply: (r) => remove(r, 'access-control-allow-origin') },
  { name: 'acao-wildcard', where: 'both', apply: (r) => set(r, ACAO, '*') },
  { name: 'acao-other', where: 'both', apply: (r) => set(r, ACAO, 'https://evil.example') },
  { name: 'acao-trailing-slash', where: 'both', apply: (r, c) => set(r, ACAO, `${c.origin}/`) },
  { name: 'acao-upper', where: 'both', apply: (r, c) => set(r, ACAO, c.origin.toUpperCase()) },
  { name: 'acao-null', where: 'both', apply: (r) => set(r, ACAO, 'null') },
  { name: 'acao-empty', where: 'both', apply: (r) => set(r, ACAO, '') },
  { name: 'acao-invalid', where: 'both', apply: (r) => set(r, ACAO, 'example.com') },
  { name: 'acao-spaces', where: 'both', apply: (r, c) => set(r, ACAO, ` ${c.origin}  `) },
  {
    name: 'acao-two-lines',
    where: 'both',
    apply: (r, c) => {
      set(r, ACAO, c.origin);
      r.headers.push([ACAO, c.origin]);
    },
  },
  {
    name: 'acao-two-lines-lower',
    where: 'both',
    apply: (r, c) => {
      remove(r, 'access-control-allow-origin');
      r.headers.push(['access-control-allow-origin', c.origin], ['access-control-allow-origin', c.origin]);
    },
  },
  { name: 'acao-comma', where: 'both', apply: (r, c) => set(r, ACAO, `${c.origin}, https://evil.example`) },
  {
    name: 'acao-wildcard-twice',
    where: 'both',
    apply: (r) => {
      set(r, ACAO, '*');
      r.headers.push([ACAO, '*']);
    },
  },
  { name: 'acao-other-port', where: 'both', apply: (r, c) => set(r, ACAO, c.world.otherOrigin) },
  {
    name: 'acao-lower-name',
    where: 'both',
    apply: (r, c) => {
      remove(r, 'access-control-allow-origin');
      r.headers.push(['access-control-allow-origin', c.origin]);
    },
  },
  {
    name: 'acao-mixed-lines',
    where: 'both',
    apply: (r, c) => {
      remove(r, 'access-control-allow-origin');
      r.headers.push(['Access-Control-Allow-Origin', c.origin], ['access-control-allow-origin', '*']);
    },
  },
  { name: 'acao-tab', where: 'both', apply: (r, c) => set(r, ACAO, `\t${c.origin}`) },
];

const CREDENTIAL_DEFECTS: Defect[] = [
  { name: 'acac-missing', where: 'both', apply: (r) => remove(r, 'access-control-allow-credentials') },
  { name: 'acac-upper', where: 'both', apply: (r) => set(r, ACAC, 'TRUE') },
  { name: 'acac-false', where: 'both', apply: (r) => set(r, ACAC, 'false') },
  { name: 'acac-empty', where: 'both', apply: (r) => set(r, ACAC, '') },
  { name: 'acac-spaces', where: 'both', apply: (r) => set(r, ACAC, ' true ') },
  {
    name: 'acac-two-lines',
    where: 'both',
    apply: (r) => {
      set(r, ACAC, 'true');
      r.headers.push([ACAC, 'true']);
    },
  },
];

const PREFLIGHT_DEFECTS: Defect[] = [
  { name: 'pf-404', where: 'preflight', apply: (r) => void (r.status = 404) },
  { name: 'pf-500', where: 'preflight', apply: (r) => void (r.status = 500) },
  { name: 'pf-401-no-cors', where: 'preflight', apply: (r) => ((r.status = 401), (r.headers = [['Content-Length', '0']])) },
  { name: 'pf-405-no-cors', where: 'preflight', apply: (r) => ((r.status = 405), (r.headers = [['Content-Length', '0'], ['Allow', 'GET']])) },
  {
    name: 'pf-redirect',
    where: 'preflight',
    apply: (r, c) => {
      r.status = 301;
      r.headers.push(['Location', `${c.world.targetOrigin}/elsewhere`]);
    },
  },
  { name: 'pf-200', where: 'preflight', apply: (r) => void (r.status = 200) },
  { name: 'pf-300-no-location', where: 'preflight', apply: (r) => void (r.status = 300) },
  { name: 'pf-302-no-location', where: 'preflight', apply: (r) => void (r.status = 302) },
  {
    name: 'pf-307-no-cors',
    where: 'preflight',
    apply: (r, c) => {
      r.status = 307;
      r.headers = [['Location', `${c.world.targetOrigin}/elsewhere`]];
    },
  },
  { name: 'acam-missing', where: 'preflight', apply: (r) => remove(r, 'access-control-allow-methods') },
  { name: 'acam-wildcard', where: 'preflight', apply: (r) => set(r, ACAM, '*') },
  { name: 'acam-lower', where: 'preflight', apply: (r, c) => set(r, ACAM, c.method.toLowerCase()) },
  { name: 'acam-upper', where: 'preflight', apply: (r, c) => set(r, ACAM, c.method.toUpperCase()) },
  { name: 'acam-other', where: 'preflight', apply: (r) => set(r, ACAM, 'GET, POST') },
  { name: 'acam-empty-elements', where: 'preflight', apply: (r, c) => set(r, ACAM, `, GET,,${c.method} ,`) },
  { name: 'acam-invalid', where: 'preflight', apply: (r, c) => set(r, ACAM, `${c.method}, P(UT`) },
  {
    name: 'acam-two-lines',
    where: 'preflight',
    apply: (r, c) => {
      set(r, ACAM, 'GET');
      r.headers.push([ACAM, c.method]);
    },
  },
  { name: 'acah-missing', where: 'preflight', apply: (r) => remove(r, 'access-control-allow-headers') },
  {
    name: 'acah-empty-elements',
    where: 'preflight',
    apply: (r) => set(r, ACAH, ', content-type,,x-custom-a , X-Custom-B, authorization, x-api-key, x-requested-with, x-dup, range, accept, accept-language, dpr, user-agent, x-a, width, x-long, content-language, ,'),
  },
  {
    name: 'acah-two-lines',
    where: 'preflight',
    apply: (r) => {
      remove(r, 'access-control-allow-headers');
      r.headers.push([ACAH, 'content-type, x-custom-a, x-api-key'], [ACAH, 'x-custom-b, authorization, x-requested-with, x-dup, range, x-a']);
    },
  },
  { name: 'acah-wildcard', where: 'preflight', apply: (r) => set(r, ACAH, '*') },
  { name: 'acah-wildcard-auth', where: 'preflight', apply: (r) => set(r, ACAH, '*, Authorization') },
  { name: 'acah-partial', where: 'preflight', apply: (r) => set(r, ACAH, 'x-custom-a, content-type') },
  { name: 'acah-invalid', where: 'preflight', apply: (r) => set(r, ACAH, 'x-ok, x bad') },
  { name: 'acah-upper', where: 'preflight', apply: (r) => set(r, ACAH, 'X-CUSTOM-A, X-CUSTOM-B, CONTENT-TYPE, AUTHORIZATION, X-API-KEY, X-REQUESTED-WITH, X-DUP, RANGE, DPR, ACCEPT, ACCEPT-LANGUAGE, USER-AGENT') },
  { name: 'max-age-600', where: 'preflight', apply: (r) => set(r, 'Access-Control-Max-Age', '600') },
  { name: 'max-age-bad', where: 'preflight', apply: (r) => set(r, 'Access-Control-Max-Age', '-1') },
];

const RESPONSE_DEFECTS: Defect[] = [
  { name: 'resp-500', where: 'response', apply: (r) => void (r.status = 500) },
  { name: 'resp-404-no-cors', where: 'response', apply: (r) => ((r.status = 404), (r.headers = [['Content-Length', '2']])) },
  { name: 'expose-one', where: 'response', apply: (r) => set(r, 'Access-Control-Expose-Headers', 'X-Foo') },
  { name: 'expose-wildcard', where: 'response', apply: (r) => set(r, 'Access-Control-Expose-Headers', '*') },
  { name: 'expose-list', where: 'response', apply: (r) => set(r, 'Access-Control-Expose-Headers', 'x-foo , X-Bar,Set-Cookie') },
  { name: 'expose-invalid', where: 'response', apply: (r) => set(r, 'Access-Control-Expose-Headers', 'X-Foo, x(bar)') },
  { name: 'set-cookie', where: 'response', apply: (r) => r.headers.push(['Set-Cookie', 'sid=1; Path=/']) },
  { name: 'expose-upper', where: 'response', apply: (r) => set(r, 'Access-Control-Expose-Headers', 'X-FOO') },
  { name: 'expose-empty-elements', where: 'response', apply: (r) => set(r, 'Access-Control-Expose-Headers', ', x-bar,,') },
  {
    name: 'expose-two-lines',
    where: 'response',
    apply: (r) => {
      remove(r, 'access-control-expose-headers');
      r.headers.push(['Access-Control-Expose-Headers', 'x-foo'], ['Access-Control-Expose-Headers', 'x-bar']);
    },
  },
  { name: 'resp-201', where: 'response', apply: (r) => void (r.status = 201) },
];

/** A correct answer to the preflight for a request. */
function goodPreflight(origin: string, method: string, allow: string[], credentials: CredentialsMode): ScenarioResponse {
  const headers: HeaderList = [
    [ACAO, origin],
    [ACAM, method],
  ];
  if (allow.length > 0) headers.push([ACAH, allow.join(', ')]);
  if (credentials === 'include') headers.push([ACAC, 'true']);
  headers.push(['Content-Length', '0']);
  return { status: 204, headers };
}

/** A correct answer to the actual request. */
function goodResponse(origin: string, credentials: CredentialsMode, initiator: Initiator): ScenarioResponse {
  const headers: HeaderList = [
    [ACAO, origin],
    ['Content-Type', initiator === 'eventsource' ? 'text/event-stream' : 'text/plain'],
    ['X-Foo', 'foo'],
    ['X-Bar', 'bar'],
    ['Cache-Control', 'no-store'],
  ];
  if (credentials === 'include') headers.push([ACAC, 'true']);
  headers.push(['Vary', 'Origin']);
  return { status: 200, headers };
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function clone(r: ScenarioResponse): ScenarioResponse {
  return { status: r.status, headers: r.headers.map(([n, v]) => [n, v]) };
}

/** Put the Content-Length the harness needs last, with the body size the harness writes. */
function frame(r: ScenarioResponse, kind: 'preflight' | 'redirect' | 'response'): ScenarioResponse {
  remove(r, 'content-length');
  r.headers.push(['Content-Length', kind === 'response' ? '2' : '0']);
  return r;
}

/** Options of {@link generate}. */
export interface GenerateOptions {
  seed?: number;
  count?: number;
}

/**
 * Generate `count` cases for a world. About a third are clean, a third
 * carry one defect, a sixth two, and a sixth go through a redirect chain.
 */
export function generate(world: World, options: GenerateOptions = {}): GeneratedCase[] {
  const random = rng(options.seed ?? 1);
  const count = options.count ?? 2400;
  const cases: GeneratedCase[] = [];
  for (let i = 0; i < count; i++) {
    const id = `g${i}`;
    let shape = pick(random, SHAPES);
    const initiator = pick(random, shape.apis);
    const credentials: CredentialsMode =
      initiator === 'fetch' ? pick(random, ['omit', 'same-origin', 'include'] as const) : pick(random, ['same-origin', 'include'] as const);
    const origin = world.pageOrigin;
    const tags: string[] = [shape.name, initiator, credentials];
    const preflight = goodPreflight(origin, normalizeForShape(shape.method), shape.allow, credentials);
    const response = goodResponse(origin, credentials, initiator);
    const roll = random();
    let redirects: ScenarioResponse[] | undefined;
    let url = `${world.targetOrigin}/c/${id}/0`;
    const ctx: DefectContext = { origin, method: normalizeForShape(shape.method), world };
    const applyDefect = (d: Defect): void => {
      tags.push(d.name);
      if (d.where === 'preflight') d.apply(preflight, ctx);
      else if (d.where === 'response') d.apply(response, ctx);
      else {
        const target = random() < 0.5 ? 'preflight' : 'response';
        tags.push(`@${target}`);
        d.apply(target === 'preflight' ? preflight : response, ctx);
      }
    };
    // EventSource fails on any status but 200 whatever CORS says, so its
    // cases keep the final status at 200 and differ only in CORS headers.
    const allDefects = [...ORIGIN_DEFECTS, ...CREDENTIAL_DEFECTS, ...PREFLIGHT_DEFECTS, ...RESPONSE_DEFECTS].filter(
      (d) => initiator !== 'eventsource' || !d.name.startsWith('resp-'),
    );
    if (roll < 0.3) {
      // clean
    } else if (roll < 0.65) {
      applyDefect(pick(random, allDefects));
    } else if (roll < 0.83) {
      applyDefect(pick(random, allDefects));
      applyDefect(pick(random, allDefects));
    } else {
      // A redirect chain.
      const kind = pick(random, [
        'cross-cross',
        'cross-same-target',
        'cross-back-to-page',
        'same-to-cross',
        'userinfo',
        'userinfo-same-origin',
        'hop-missing-acao',
        'hop-wildcard',
        'two-hops',
        'same-same-cross',
        'to-data',
        'too-many',
        'twenty',
        'same-origin-direct',
      ]);
      tags.push(`redirect:${kind}`);
      const status = pick(random, [301, 302, 303, 307, 308]);
      tags.push(`status:${status}`);
      const hopHeaders = (): HeaderList => {
        const h: HeaderList = [[ACAO, origin]];
        if (credentials === 'include') h.push([ACAC, 'true']);
        return h;
      };
      const hop = (location: string, headers: HeaderList = hopHeaders()): ScenarioResponse => ({ status, headers: [...headers, ['Location', location]] });
      switch (kind) {
        case 'cross-cross':
          redirects = [hop(`${world.otherOrigin}/c/${id}/1`)];
          break;
        case 'cross-same-target':
          redirects = [hop(`/c/${id}/1`)];
          break;
        case 'cross-back-to-page':
          redirects = [hop(`${world.pageOrigin}/c/${id}/1`)];
          break;
        case 'same-to-cross':
          url = `${world.pageOrigin}/c/${id}/0`;
          redirects = [hop(`${world.targetOrigin}/c/${id}/1`, [])];
          break;
        case 'userinfo':
          redirects = [hop(`${world.otherOrigin.replace('://', '://user:pass@')}/c/${id}/1`)];
          break;
        case 'hop-missing-acao':
          redirects = [hop(`${world.otherOrigin}/c/${id}/1`, [])];
          break;
        case 'two-hops':
          redirects = [hop(`/c/${id}/1`), hop(`${world.otherOrigin}/c/${id}/2`)];
          break;
        case 'userinfo-same-origin':
          redirects = [hop(`${world.targetOrigin.replace('://', '://user:pass@')}/c/${id}/1`)];
          break;
        case 'hop-wildcard':
          redirects = [hop(`${world.otherOrigin}/c/${id}/1`, [[ACAO, '*']])];
          break;
        case 'same-origin-direct':
          // No CORS at all: everything but Set-Cookie is readable.
          url = `${world.pageOrigin}/c/${id}/0`;
          redirects = [];
          break;
        case 'to-data':
          redirects = [hop('data:,x')];
          break;
        case 'too-many':
        case 'twenty': {
          // Long chains stay cheap: a plain GET, no preflight per hop.
          shape = SHAPES[0] as RequestShape;
          tags[0] = shape.name;
          // 21 redirects is one more than browsers follow; 20 is the most they do.
          const n = kind === 'too-many' ? 21 : 20;
          redirects = Array.from({ length: n }, (_, k) => hop(`/c/${id}/${k + 1}`));
          break;
        }
        case 'same-same-cross':
          url = `${world.pageOrigin}/c/${id}/0`;
          redirects = [hop(`/c/${id}/1`, []), hop(`${world.targetOrigin}/c/${id}/2`, [])];
          break;
      }
      // The final answer: the page origin, 'null' (right after a tainting hop) or '*'.
      const finalAcao = pick(random, ['origin', 'null', '*'] as const);
      tags.push(`final:${finalAcao}`);
      if (finalAcao !== 'origin') set(response, ACAO, finalAcao);
      if (random() < 0.5) {
        set(preflight, ACAO, finalAcao === 'origin' ? origin : finalAcao);
      }
    }
    const scenario: Scenario = {
      request: { url, origin, method: shape.method, headers: shape.headers.map(([n, v]) => [n, v]), credentials, initiator },
      preflight: frame(clone(preflight), 'preflight'),
      response: frame(clone(response), 'response'),
    };
    if (redirects) scenario.redirects = redirects.map((r) => frame(clone(r), 'redirect'));
    if (redirects && redirects.length > 0 && redirects.length <= 2) {
      // Each redirect target may answer its preflight differently. A PRNG of
      // its own, so that adding this left every other case as it was.
      const own = rng(((options.seed ?? 1) * 1_000_003 + i) >>> 0);
      if (own() < 0.5) {
        const kind = pick(own, ['same', 'null-origin', 'missing-acao', 'not-found', 'wildcard'] as const);
        tags.push(`hop-preflight:${kind}`);
        const answers = redirects.map((): ScenarioResponse | null => {
          if (kind === 'same') return null;
          const p = clone(preflight);
          if (kind === 'null-origin') set(p, ACAO, 'null');
          else if (kind === 'wildcard') set(p, ACAO, '*');
          else if (kind === 'missing-acao') p.headers = p.headers.filter(([n]) => n.toLowerCase() !== 'access-control-allow-origin');
          else return { status: 404, headers: [] };
          return p;
        });
        scenario.redirectPreflights = answers.map((a) => (a === null ? null : frame(clone(a), 'preflight')));
      }
    }
    cases.push({ id, scenario, tags });
  }
  return cases;
}

function normalizeForShape(method: string): string {
  const upper = method.toUpperCase();
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'].includes(upper) ? upper : method;
}
