/** Every validation rule, as a table: options → the problem codes createPolicy reports. */
import { describe, expect, it } from 'vitest';
import { CorsConfigError } from './errors.js';
import type { CorsOptions } from './options.js';
import { createPolicy } from './policy.js';

function problems(options: unknown): Array<{ code: string; path: string; message: string }> {
  try {
    createPolicy(options as CorsOptions);
    return [];
  } catch (e) {
    if (!(e instanceof CorsConfigError)) throw e;
    return [...e.problems];
  }
}

const rows: Array<[string, unknown, string[]]> = [
  ['defaults are fine', {}, []],
  ["'*' with credentials", { origin: '*', credentials: true }, ['credentials-with-wildcard']],
  ['default origin with credentials', { credentials: true }, ['credentials-with-wildcard']],
  ['reflect-all (true) with credentials', { origin: true, credentials: true }, ['credentials-with-reflect-all']],
  ['reflect-all function with credentials', { origin: (_o: string, cb: (e: unknown, ok: boolean) => void) => cb(null, true), credentials: true }, ['credentials-with-reflect-all']],
  ['reflect-all boolean function with credentials', { origin: () => true, credentials: true }, ['credentials-with-reflect-all']],
  ['allow-list function with credentials is fine', { origin: (o: string) => o === 'https://a.example', credentials: true }, []],
  ['true without credentials is fine', { origin: true }, []],
  ['trailing slash', { origin: 'https://app.example.com/' }, ['origin-not-serialized']],
  ['path', { origin: 'https://app.example.com/app' }, ['origin-not-serialized']],
  ['query', { origin: 'https://app.example.com?x=1' }, ['origin-not-serialized']],
  ['fragment', { origin: 'https://app.example.com#x' }, ['origin-not-serialized']],
  ['userinfo', { origin: 'https://u:p@app.example.com' }, ['origin-not-serialized']],
  ['upper case', { origin: 'https://App.Example.com' }, ['origin-not-serialized']],
  ['default port', { origin: 'https://app.example.com:443' }, ['origin-not-serialized']],
  ['bad port', { origin: 'https://app.example.com:99999' }, ['origin-not-url']],
  ['bad scheme', { origin: 'ftp://app.example.com' }, ['origin-bad-scheme']],
  ['no scheme', { origin: 'app.example.com' }, ['origin-not-url']],
  ['whitespace', { origin: ' https://app.example.com' }, ['origin-whitespace']],
  ['non-ASCII host', { origin: 'https://bücher.example' }, ['origin-not-serialized']],
  ['null', { origin: 'null' }, ['null-origin']],
  ['null in a list', { origin: ['https://a.example', 'null'] }, ['null-origin']],
  ['public suffix wildcard with credentials', { origin: 'https://*.com', credentials: true }, ['public-suffix-wildcard']],
  ['private public suffix wildcard with credentials', { origin: 'https://*.github.io', credentials: true }, ['public-suffix-wildcard']],
  ['multi-label public suffix', { origin: ['https://*.co.uk'], credentials: true }, ['public-suffix-wildcard']],
  ['public suffix wildcard, tolerated', { origin: 'https://*.github.io', credentials: true, dangerouslyAllowPublicSuffixWildcards: true }, []],
  ['own domain wildcard with credentials is fine', { origin: 'https://*.example.com', credentials: true }, []],
  ['public suffix wildcard without credentials is fine', { origin: 'https://*.github.io' }, []],
  ['http origin with credentials', { origin: 'http://app.example.com', credentials: true }, ['insecure-origin-with-credentials']],
  ['http pattern with credentials', { origin: 'http://*.example.com', credentials: true }, ['insecure-origin-with-credentials']],
  ['http origin with credentials, tolerated', { origin: 'http://app.example.com', credentials: true, dangerouslyAllowInsecureOriginsWithCredentials: true }, []],
  ['http loopback with credentials is fine', { origin: ['http://localhost:3000', 'http://127.0.0.1:5173', 'http://localhost:*'], credentials: true }, []],
  ['unanchored RegExp', { origin: /example\.com$/ }, ['origin-regexp-unanchored']],
  ['RegExp with an unescaped dot', { origin: /^https:\/\/app.example\.com$/ }, ['origin-regexp-unanchored']],
  ['RegExp with top-level alternation', { origin: /^https:\/\/a\.example\.com|b\.example\.com$/ }, ['origin-regexp-unanchored']],
  ['RegExp with the m flag', { origin: /^https:\/\/a\.example\.com$/m }, ['origin-regexp-unanchored']],
  ['RegExp with a repetition inside a repetition (ReDoS)', { origin: /^https:\/\/([a-z]+)+\.example\.com$/ }, ['origin-regexp-backtracking']],
  ['RegExp with three overlapping repetitions in a row (polynomial ReDoS)', { origin: /^https:\/\/\w*\w*\w*\.example\.com$/ }, ['origin-regexp-backtracking']],
  ['anchored RegExp is fine', { origin: /^https:\/\/(app|admin)\.example\.com$/ }, []],
  ['bad pattern', { origin: 'https://app.*.example.com' }, ['origin-bad-pattern']],
  ["'*' inside a list", { origin: ['*', 'https://a.example'] }, ['origin-wildcard-in-list']],
  ['empty list', { origin: [] }, ['origin-empty']],
  ["empty string (@koa/cors reads it as '*', @fastify/cors answers 500)", { origin: '' }, ['origin-empty']],
  ['null', { origin: null }, ['origin-empty']],
  ['white space only', { origin: ' ' }, ['origin-empty']],
  ['several origins in one string', { origin: 'https://a.example, https://b.example' }, ['origin-list-in-string']],
  ['wrong type', { origin: 42 }, ['bad-type']],
  ['invalid method', { methods: ['GET', 'P UT'] }, ['method-invalid']],
  ['forbidden methods', { methods: 'GET,CONNECT,TRACE,TRACK' }, ['method-forbidden', 'method-forbidden', 'method-forbidden']],
  ['lowercase method', { methods: ['patch', 'put'] }, ['method-case', 'method-case']],
  ['invalid header name', { allowedHeaders: ['X-Ok', 'X Bad'] }, ['header-invalid']],
  ['forbidden request header', { allowedHeaders: ['Cookie', 'Host', 'Sec-Fetch-Mode'] }, ['header-forbidden', 'header-forbidden', 'header-forbidden']],
  ["'*' inside allowedHeaders' list", { allowedHeaders: ['*', 'Authorization'] }, ['header-wildcard-in-list']],
  ['Access-Control-* as a request header', { allowedHeaders: 'Access-Control-Allow-Origin' }, ['header-cors']],
  ["exposedHeaders '*' with credentials", { origin: 'https://a.example', credentials: true, exposedHeaders: '*' }, ['expose-wildcard-with-credentials']],
  ["exposedHeaders '*' without credentials is fine", { exposedHeaders: '*' }, []],
  ['Set-Cookie exposed', { exposedHeaders: ['X-Total', 'Set-Cookie'] }, ['expose-set-cookie']],
  ['negative maxAge', { maxAge: -1 }, ['max-age-invalid']],
  ['fractional maxAge', { maxAge: 1.5 }, ['max-age-invalid']],
  ['maxAge over 86400', { maxAge: 86401 }, ['max-age-invalid']],
  ['maxAge as a string of digits is fine (cors and @koa/cors send it as given)', { maxAge: '600' }, []],
  ['maxAge as a string of words', { maxAge: 'ten minutes' }, ['max-age-invalid']],
  ["cors's headers alias of allowedHeaders is fine", { headers: ['Content-Type'] }, []],
  ["cors's headers alias together with allowedHeaders", { headers: ['Content-Type'], allowedHeaders: ['X-Api-Key'] }, ['peer-option']],
  ["@koa/cors's allowMethods", { allowMethods: ['GET', 'PUT'] }, ['peer-option']],
  ["@koa/cors's allowMethods: null", { allowMethods: null }, ['peer-option']],
  ["hono/cors's allowMethods as a function", { allowMethods: () => ['GET'] }, ['peer-option']],
  ["@koa/cors's allowHeaders, exposeHeaders, privateNetworkAccess", { allowHeaders: 'X-A', exposeHeaders: 'X-B', privateNetworkAccess: true }, ['peer-option', 'peer-option', 'peer-option']],
  ["@koa/cors's keepHeadersOnError: true is fine (always so here)", { keepHeadersOnError: true }, []],
  ["@koa/cors's keepHeadersOnError: false", { keepHeadersOnError: false }, ['peer-option']],
  ["@koa/cors's secureContext: true", { secureContext: true }, ['peer-option']],
  ["@koa/cors's secureContext: false is fine", { secureContext: false }, []],
  ['credentials as a function with an allow-list is fine', { origin: ['https://a.example'], credentials: () => true }, []],
  ["credentials as a function with '*'", { credentials: () => true }, ['credentials-with-wildcard']],
  ['credentials as a function with origin: true', { origin: true, credentials: () => true }, ['credentials-with-reflect-all']],
  ['credentials as a function and a reflecting origin function', { origin: (o: string) => o, credentials: () => true }, ['credentials-with-reflect-all']],
  ['credentials function that says no, and a reflecting origin function', { origin: (o: string) => o, credentials: () => false }, []],
  ["origin function giving back '*' with credentials", { origin: () => '*', credentials: true }, ['credentials-with-wildcard']],
  ['origin function giving back the origin string with credentials', { origin: (o: string) => o, credentials: true }, ['credentials-with-reflect-all']],
  ['origin function giving back an unserialized origin with credentials', { origin: () => 'https://a.example/', credentials: true }, ['origin-not-serialized']],
  ['optionsSuccessStatus not 2xx', { optionsSuccessStatus: 301 }, ['status-not-ok']],
  ['unknown option (typo)', { orgin: 'https://a.example' }, ['unknown-option']],
  ['credentials as a string', { credentials: 'true' }, ['bad-type']],
  [
    'all problems at once',
    { origin: ['https://a.example/', /x\.com$/], methods: ['TRACE'], maxAge: -5, credentails: true },
    ['unknown-option', 'origin-not-serialized', 'origin-regexp-unanchored', 'method-forbidden', 'max-age-invalid'],
  ],
];

describe('createPolicy validation', () => {
  it.each(rows)('%s', (_name, options, codes) => {
    expect(problems(options).map((p) => p.code)).toEqual(codes);
  });

  it("names the browsers' error and the fix for '*' with credentials", () => {
    const [p] = problems({ origin: '*', credentials: true });
    expect(p?.message).toContain('CORSNotSupportingCredentials');
    expect(p?.message).toContain('WildcardOriginNotAllowed');
    expect(p?.message).toMatch(/origin: \['https:\/\/app\.example\.com'\]/);
  });
  it('says what to write for a non-serialized origin', () => {
    expect(problems({ origin: 'https://App.Example.com:443/' })[0]?.message).toContain("write 'https://app.example.com'");
  });
  it('shows the equivalent patterns for the cors README RegExp', () => {
    const message = problems({ origin: /example\.com$/ })[0]?.message ?? '';
    expect(message).toContain("'https://example.com', 'https://*.example.com'");
    expect(message).toContain('attackerexample.com');
  });
  it('says to write an array for several origins in one string', () => {
    expect(problems({ origin: 'https://a.example, https://b.example' })[0]?.message).toContain("write an array: ['https://a.example', 'https://b.example']");
  });
  it('proposes patterns for the RegExp shapes people write', () => {
    expect(problems({ origin: /(^|\.)x-bro\.com$/ })[0]?.message).toContain("Write the patterns instead: 'https://x-bro.com', 'https://*.x-bro.com'.");
    expect(problems({ origin: /\.localhost(:\d+)?$/ })[0]?.message).toContain("'http://*.localhost:*'");
    expect(problems({ origin: /^/ })[0]?.message).toContain("Write the exact origins (origin: ['https://app.example.com'])");
  });
  it("gives each browser's maxAge cap", () => {
    expect(problems({ maxAge: 100000 })[0]?.message).toMatch(/Chromium at 7200.*Firefox at 86400.*Safari at 600/);
  });
  it('names the corsproof option for a peer option', () => {
    expect(problems({ allowMethods: ['GET'] })[0]?.message).toContain('write methods: ["GET"]');
    expect(problems({ allowMethods: null })[0]?.message).toMatch(/browsers refuse every preflight for PUT/);
    expect(problems({ secureContext: true })[0]?.message).toContain('Cross-Origin-Embedder-Policy');
  });
  it('suggests the option meant by a typo', () => {
    expect(problems({ orgin: 'x' })[0]?.message).toContain("did you mean 'origin'?");
  });
  it('throws one CorsConfigError whose message lists every problem', () => {
    expect(() => createPolicy({ origin: '*', credentials: true, maxAge: -1 })).toThrowError(/2 problems[\s\S]*origin:[\s\S]*maxAge:/);
  });
});
