import { describe, expect, it } from 'vitest';
import { validateScenario } from '../engine/validate.js';
import type { ProbeId } from './probes.js';
import { PROBE_CLASSES, PROBE_ORIGIN, findingsAmong, probeFlaw, probesFor } from './probes.js';

const byClass = (allowed: string[], id: ProbeId): string[] => probesFor(allowed).filter((p) => p.id === id).map((p) => p.origin);

describe('probesFor', () => {
  it.each([
    ['reflects-any-origin', ['https://app.example.com'], [PROBE_ORIGIN]],
    ['trusts-null', ['https://app.example.com'], ['null']],
    [
      'prefix-match',
      ['https://app.example.com', 'http://localhost:3000'],
      ['https://app.example.com.corsproof-probe.invalid', 'http://localhost.corsproof-probe.invalid:3000', 'http://localhost.corsproof-probe.invalid', 'http://127.0.0.1.corsproof-probe.invalid'],
    ],
    ['suffix-match', ['https://app.example.com', 'http://localhost:3000', 'http://127.0.0.1:8080'], ['https://corsproofexample.com']],
    ['suffix-match', ['https://shop.example.co.uk'], ['https://corsproofexample.co.uk']],
    ['unescaped-dot', ['https://app.example.com'], ['https://appxexample.com']],
    ['unescaped-dot', ['https://example.com'], []],
    ['substring-match', ['https://app.example.com'], ['https://app.example.co']],
    ['substring-match', ['https://api.example.io'], []],
    ['special-characters', ['https://app.example.com'], ['_', '!', '~', '$', '{', '`'].map((c) => `https://app.example.com${c}.corsproof-probe.invalid`)],
    ['trusts-http-origin', ['https://app.example.com', 'http://localhost:3000'], ['http://app.example.com']],
    ['trusts-any-subdomain', ['https://app.example.com', 'https://example.com:8443', 'http://[::1]:3000'], ['https://corsproof-probe.example.com', 'https://corsproof-probe.example.com:8443']],
    ['trusts-third-party-host', ['https://app.example.com'], expect.arrayContaining(['https://corsproof-probe.github.io', 'https://corsproof-probe.netlify.app', 'https://corsproof-probe.vercel.app'])],
  ] as Array<[ProbeId, string[], unknown]>)('%s from %j', (id, allowed, expected) => {
    expect(byClass(allowed, id)).toEqual(expected);
  });

  it('never probes with an allowed origin, and sends each origin once', () => {
    const allowed = ['https://app.example.com', 'http://app.example.com', 'https://example.com'];
    const origins = probesFor(allowed).map((p) => p.origin);
    for (const a of allowed) expect(origins).not.toContain(a);
    expect(new Set(origins).size).toBe(origins.length);
  });

  it("derives only origins a browser can send (the engine reads each as a page origin; 'null' is a sandboxed iframe's)", () => {
    const allowed = ['https://app.example.com', 'http://localhost:5173', 'https://a.b.example.co.uk:8443', 'http://127.0.0.1:3000', 'https://xn--bcher-kva.example'];
    for (const p of probesFor(allowed)) {
      expect(() => validateScenario({ request: { url: 'https://api.example.com/', origin: p.origin }, preflight: null, response: { status: 200, headers: [] } }), p.origin).not.toThrow();
    }
  });

  it('names where each probe came from', () => {
    const probes = probesFor(['https://app.example.com']);
    expect(probes.find((p) => p.id === 'prefix-match')?.from).toBe('https://app.example.com');
    expect(probes.find((p) => p.id === 'trusts-null')?.from).toBeNull();
  });

  it('refuses what is not a serialized origin, naming it', () => {
    expect(() => probesFor(['https://app.example.com/'])).toThrow(/'https:\/\/app\.example\.com\/' is not a serialized http\(s\) origin/);
    expect(() => probesFor(['app.example.com'])).toThrow(TypeError);
  });

  it('has one row per finding id, each with its flaw in words', () => {
    expect(new Set(PROBE_CLASSES.map((c) => c.id)).size).toBe(PROBE_CLASSES.length);
    for (const c of PROBE_CLASSES) expect(probeFlaw(c.id)).toMatch(/^allows|^matches|^stops/);
  });

  it.each([
    [['unescaped-dot', 'suffix-match', 'trusts-http-origin'], ['suffix-match', 'trusts-http-origin']],
    [['special-characters', 'prefix-match'], ['prefix-match']],
    [['special-characters'], ['special-characters']],
    [['unescaped-dot'], ['unescaped-dot']],
    [['trusts-third-party-host', 'reflects-any-origin', 'unescaped-dot', 'trusts-null'], ['reflects-any-origin']],
  ] as Array<[ProbeId[], ProbeId[]]>)('findingsAmong(%j) → %j', (found, expected) => {
    expect(findingsAmong(found)).toEqual(expected);
  });
});
