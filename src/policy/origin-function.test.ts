/**
 * Origin functions: every shape of answer, in each adapter's calling style,
 * means what the same value means as the `origin` option, and none hangs.
 */
import { describe, expect, it, vi } from 'vitest';
import { CorsConfigError } from './errors.js';
import type { PolicyConventions } from './compile.js';
import type { CorsOptions, PolicyRequest } from './options.js';
import { ORIGIN_FUNCTION_TIMEOUT_MS } from './origin-function.js';
import { createPolicy } from './policy.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

const get = (origin: string): PolicyRequest => ({ method: 'GET', origin, accessControlRequestMethod: undefined, accessControlRequestHeaders: undefined });
const preflight = (origin: string): PolicyRequest => ({ method: 'OPTIONS', origin, accessControlRequestMethod: 'PUT', accessControlRequestHeaders: undefined });

type Style = NonNullable<PolicyConventions['originFunctionStyle']>;
/** How each style's function sees the origin: as its first argument, or (Koa) in the context. */
const ctxFor = (origin: string) => ({ get: (name: string) => (name.toLowerCase() === 'origin' ? origin : ''), url: '/', origin });
type Answer = (origin: string) => unknown;
/** Wrap "what to give back for an origin" into a function of each style. */
function asStyle(style: Style, answer: Answer): unknown {
  if (style === 'context') return (ctx: { get(n: string): string }) => answer(ctx.get('Origin'));
  if (style === 'origin-context') return (origin: string) => answer(origin);
  return (origin: string) => answer(origin);
}

const thenable = (v: unknown) => ({ then: (ok: (x: unknown) => void) => setTimeout(() => ok(v), 1) });

/** [shape, what the function gives back for an origin, allowed for APP, allowed for EVIL, ACAO for APP]. */
const SHAPES: Array<[string, Answer, boolean, boolean, string | null]> = [
  ['true for the allowed origin', (o) => o === APP, true, false, APP],
  ['the origin string itself (hono, koa style)', (o) => (o === APP ? o : null), true, false, APP],
  ['the origin string, reflected for everyone', (o) => o, true, true, APP],
  ["'*'", () => '*', true, true, '*'],
  ['an exact origin string', () => APP, true, false, APP],
  ['a pattern', () => 'https://*.example.com', true, false, APP],
  ['an anchored RegExp', () => /^https:\/\/app\.example\.com$/, true, false, APP],
  ['an array', () => ['https://other.example', APP], true, false, APP],
  ['undefined (a function that falls through)', (o) => (o === APP ? true : undefined), true, false, APP],
  ['null', () => null, false, false, null],
  ["''", () => '', false, false, null],
  ['false', () => false, false, false, null],
  ['a native Promise of true', (o) => Promise.resolve(o === APP), true, false, APP],
  ['a Promise of the origin string', async (o) => (o === APP ? o : undefined), true, false, APP],
  ['a thenable (not a native Promise)', (o) => thenable(o === APP), true, false, APP],
  ['a thenable of an array', () => thenable([APP]), true, false, APP],
];

const STYLES: Style[] = ['callback', 'context', 'origin-context'];
const CONTEXT_FOR_STYLE = (style: Style, origin: string): unknown => (style === 'context' ? ctxFor(origin) : { origin });

describe.each(STYLES)("origin functions in the '%s' style", (style) => {
  it.each(SHAPES)('%s', { timeout: 2000 }, async (_name, answer, app, evil, acao) => {
    const errors: unknown[] = [];
    const policy = createPolicy({ origin: asStyle(style, answer), onError: (e: unknown) => errors.push(e) } as CorsOptions, { originFunctionStyle: style });
    const forApp = await policy.decide(get(APP), CONTEXT_FOR_STYLE(style, APP));
    const forEvil = await policy.decide(get(EVIL), CONTEXT_FOR_STYLE(style, EVIL));
    expect(forApp.allowed).toBe(app);
    expect(forEvil.allowed).toBe(evil);
    expect(forApp.headers.find(([n]) => n === 'Access-Control-Allow-Origin')?.[1] ?? null).toBe(acao);
    // The preflight follows the same answer.
    expect((await policy.decide(preflight(EVIL), CONTEXT_FOR_STYLE(style, EVIL))).allowed).toBe(evil);
    expect(errors).toEqual([]);
  });

  it('a value the rules refuse denies and goes to onError', { timeout: 2000 }, async () => {
    for (const bad of ['https://app.example.com/', 'null', /example\.com$/, 42, { origin: APP }]) {
      const errors: unknown[] = [];
      const policy = createPolicy({ origin: asStyle(style, () => bad), onError: (e: unknown) => errors.push(e) } as CorsOptions, { originFunctionStyle: style });
      expect((await policy.decide(get(APP), CONTEXT_FOR_STYLE(style, APP))).allowed).toBe(false);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(CorsConfigError);
    }
  });

  it("'*' with per-request credentials denies and goes to onError", { timeout: 2000 }, async () => {
    const errors: unknown[] = [];
    const policy = createPolicy(
      { origin: asStyle(style, (o) => (o === APP ? '*' : null)), credentials: (ctx: unknown) => (ctx as { origin?: string }).origin === APP, onError: (e: unknown) => errors.push(e) } as CorsOptions,
      { originFunctionStyle: style, probeContext: (origin) => CONTEXT_FOR_STYLE(style, origin) },
    );
    expect((await policy.decide(get(APP), CONTEXT_FOR_STYLE(style, APP))).allowed).toBe(false);
    expect((errors[0] as CorsConfigError).problems[0]?.code).toBe('credentials-with-wildcard');
  });

  it('a function that throws or rejects denies and goes to onError', { timeout: 2000 }, async () => {
    for (const fail of [() => { throw new Error('db down'); }, () => Promise.reject(new Error('db down')), () => ({ then: (_: unknown, no: (e: unknown) => void) => no(new Error('db down')) })]) {
      const errors: unknown[] = [];
      const policy = createPolicy({ origin: asStyle(style, fail), onError: (e: unknown) => errors.push(e) } as CorsOptions, { originFunctionStyle: style });
      expect((await policy.decide(get(APP), CONTEXT_FOR_STYLE(style, APP))).allowed).toBe(false);
      expect(errors).toHaveLength(1);
    }
  });
});

describe("the 'callback' style (cors, @fastify/cors)", () => {
  type Cb = (e: unknown, v?: unknown) => void;
  const ROWS: Array<[string, (o: string, cb: Cb) => unknown, boolean]> = [
    ['callback(null, true), synchronously', (o, cb) => cb(null, o === APP), true],
    ['callback later (returning what setTimeout returns)', (o, cb) => setTimeout(() => cb(null, o === APP ? o : false), 1), true],
    ['callback later with an array', (_o, cb) => void setTimeout(() => cb(null, [APP]), 1), true],
    ['callback(error)', (_o, cb) => cb(new Error('Not allowed by CORS')), false],
    ['returns a value and never calls back', (o) => o === APP, true],
  ];
  it.each(ROWS)('%s', { timeout: 2000 }, async (_name, fn, allowed) => {
    const policy = createPolicy({ origin: fn } as CorsOptions);
    expect((await policy.decide(get(APP))).allowed).toBe(allowed);
    expect((await policy.decide(get(EVIL))).allowed).toBe(false);
  });

  it(`a function that declares the callback and never calls it is denied after ${ORIGIN_FUNCTION_TIMEOUT_MS / 1000} s, never left hanging`, async () => {
    vi.useFakeTimers();
    try {
      const errors: unknown[] = [];
      const policy = createPolicy({ origin: (o: string, cb: Cb) => void [o, cb], onError: (e: unknown) => errors.push(e) } as CorsOptions);
      const pending = policy.decide(get(APP));
      expect(pending).toBeInstanceOf(Promise);
      await vi.advanceTimersByTimeAsync(ORIGIN_FUNCTION_TIMEOUT_MS + 1);
      expect((await pending).allowed).toBe(false);
      expect(String(errors[0])).toMatch(/callback was never called/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('faults are never silent', () => {
  it('without onError, a function that throws is logged with console.error; a callback error (a chosen denial) is not', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const throwing = createPolicy({ origin: () => { throw new TypeError("Cannot read properties of undefined (reading 'has')"); } } as CorsOptions);
      expect((await throwing.decide(get(APP))).allowed).toBe(false);
      expect(logged).toHaveBeenCalledTimes(1);
      const denying = createPolicy({ origin: (_o: string, cb: (e: unknown) => void) => cb(new Error('Not allowed by CORS')) } as CorsOptions);
      expect((await denying.decide(get(APP))).allowed).toBe(false);
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      logged.mockRestore();
    }
  });
});

describe('the start-up check calls the function as its adapter will', () => {
  const koa = { originFunctionStyle: 'context', probeContext: (origin: string) => ctxFor(origin) } as const;
  it("refuses a Koa function reflecting ctx.get('Origin') with credentials, at creation", () => {
    expect(() => createPolicy({ origin: (ctx: { get(n: string): string }) => ctx.get('Origin'), credentials: true } as unknown as CorsOptions, koa)).toThrow(/reflects every origin/);
  });
  it('refuses an async reflecting function with credentials through ready() and every decision', async () => {
    const errors: unknown[] = [];
    const policy = createPolicy({ origin: async (ctx: { get(n: string): string }) => ctx.get('Origin'), credentials: true, onError: (e: unknown) => errors.push(e) } as unknown as CorsOptions, koa);
    await expect(policy.ready()).rejects.toBeInstanceOf(CorsConfigError);
    await expect(Promise.resolve(policy.decide(get(APP), ctxFor(APP)))).rejects.toBeInstanceOf(CorsConfigError);
    expect(errors).toHaveLength(1);
  });
  it('refuses a thenable-returning reflecting function too', async () => {
    const policy = createPolicy({ origin: (o: string) => thenable(o), credentials: true } as unknown as CorsOptions);
    await expect(policy.ready()).rejects.toThrow(/reflects every origin/);
  });
  it('an async allow-list function with credentials is ready and decides', async () => {
    const policy = createPolicy({ origin: async (ctx: { get(n: string): string }) => (ctx.get('Origin') === APP ? APP : null), credentials: true } as unknown as CorsOptions, koa);
    await expect(policy.ready()).resolves.toBeUndefined();
    const d = await policy.decide(get(APP), ctxFor(APP));
    expect(d.headers).toEqual([
      ['Access-Control-Allow-Origin', APP],
      ['Access-Control-Allow-Credentials', 'true'],
    ]);
  });
  it('credentials as a function: Access-Control-Allow-Credentials only when it says true', async () => {
    const policy = createPolicy({ origin: [APP], credentials: async (ctx: unknown) => (ctx as { url: string }).url === '/with' } as CorsOptions);
    expect((await policy.decide(get(APP), { url: '/with' })).headers).toContainEqual(['Access-Control-Allow-Credentials', 'true']);
    expect((await policy.decide(get(APP), { url: '/without' })).headers.map(([n]) => n)).toEqual(['Access-Control-Allow-Origin']);
  });
});
