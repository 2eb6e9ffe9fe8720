/**
 * expectCors(...).attackers(): the probe origins derived from the allowed
 * ones, sent with credentials to real apps in this process. It must find the
 * classic flaws (a reflecting @koa/cors, an unanchored RegExp in cors, a
 * suffix check written by hand, an unescaped dot) and nothing in a correct
 * corsproof policy.
 */
import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import { Hono } from 'hono';
import peerCors from 'cors';
import koaCors from '@koa/cors';
import corsproofExpress from '../../src/adapters/express.js';
import corsproofKoa from '../../src/adapters/koa.js';
import corsproofFastify from '../../src/adapters/fastify.js';
import { cors as corsproofHono } from '../../src/adapters/hono.js';
import type { AttackResult } from '../../src/testing/index.js';
import { expectCors } from '../../src/testing/index.js';
import { findingsAmong } from '../../src/policy/probes.js';

const APP = 'https://app.example.com';
const allowed = [APP];

/** The finding ids of what was readable, as toBeBlocked names them. */
async function findings(run: Promise<AttackResult[]>): Promise<string[]> {
  return findingsAmong((await run).filter((r) => r.readableIn.length > 0).map((r) => r.probe.id));
}

function expressWith(middleware: express.RequestHandler) {
  const app = express();
  app.use(middleware);
  app.all('/{*path}', (_req, res) => void res.json({ secret: 1 }));
  return app;
}

describe('attackers: the classic flaws are found', () => {
  it("@koa/cors with credentials reflects any origin (its default origin)", async () => {
    const app = new Koa();
    app.use(koaCors({ credentials: true }));
    app.use((ctx) => void (ctx.body = { secret: 1 }));
    const attack = expectCors(app).attackers({ allowed });
    // Every probe reads it; one finding explains them all.
    expect(new Set((await attack.run()).filter((r) => r.readableIn.length > 0).map((r) => r.probe.id)).size).toBe(10);
    expect(await findings(attack.run())).toEqual(['reflects-any-origin']);
    const error = await attack.toBeBlocked().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AssertionError);
    const message = (error as AssertionError).message;
    expect(message).toContain('reflects-any-origin: https://corsproof-probe.invalid reads GET / with credentials (chromium, firefox, webkit)');
    expect(message).not.toContain('prefix-match');
    expect(message).toContain('reflects-any-origin: the server allows any origin');
    expect(message).toContain('< Access-Control-Allow-Origin: https://corsproof-probe.invalid');
    expect(message).toContain('< Access-Control-Allow-Credentials: true');
  });
  it('cors with an unanchored RegExp lets suffix matches and subdomains in', async () => {
    const app = expressWith(peerCors({ origin: /example\.com$/, credentials: true }));
    expect(await findings(expectCors(app).attackers({ allowed }).run())).toEqual(['suffix-match', 'trusts-http-origin', 'trusts-any-subdomain']);
  });
  it('a suffix check written by hand', async () => {
    const listener = expectCors.node((req, res) => {
      const origin = req.headers.origin ?? '';
      if (origin.endsWith('example.com')) res.setHeader('Access-Control-Allow-Origin', origin).setHeader('Access-Control-Allow-Credentials', 'true');
      res.end('{"secret":1}');
    });
    expect(await findings(listener.attackers({ allowed }).run())).toEqual(['suffix-match', 'trusts-http-origin', 'trusts-any-subdomain']);
  });
  it('an unescaped dot in a RegExp', async () => {
    const app = expressWith(peerCors({ origin: /^https:\/\/app.example\.com$/, credentials: true }));
    expect(await findings(expectCors(app).attackers({ allowed }).run())).toEqual(['unescaped-dot']);
  });
  it('a prefix check written by hand, through the route and request chosen', async () => {
    const app = new Hono();
    app.use('*', async (c, next) => {
      await next();
      const origin = c.req.header('Origin') ?? '';
      if (origin.startsWith(APP)) {
        c.res.headers.set('Access-Control-Allow-Origin', origin);
        c.res.headers.set('Access-Control-Allow-Credentials', 'true');
      }
    });
    app.get('/me', (c) => c.json({ secret: 1 }));
    const attack = expectCors(app).attackers({ allowed }).fetch('/me');
    const results = await attack.run();
    expect(new Set(results.map((r) => `${r.init.method ?? 'GET'} ${r.path}`))).toEqual(new Set(['GET /me']));
    expect(await findings(Promise.resolve(results))).toEqual(['prefix-match']);
  });
});

describe('attackers: nothing in a correct corsproof policy', () => {
  const policy = { origin: allowed, credentials: true };
  const koa = () => {
    const app = new Koa();
    app.use(corsproofKoa(policy));
    app.use((ctx) => void (ctx.body = { secret: 1 }));
    return app;
  };
  const fastify = () => {
    const app = Fastify();
    void app.register(corsproofFastify, policy);
    app.route({ method: ['GET', 'PUT'], url: '/*', handler: async () => ({ secret: 1 }) });
    return app;
  };
  const hono = () => {
    const app = new Hono();
    app.use('*', corsproofHono(policy));
    app.all('*', (c) => c.json({ secret: 1 }));
    return app;
  };
  it.each([
    ['Express', () => expressWith(corsproofExpress(policy))],
    ['Koa', koa],
    ['Fastify', fastify],
    ['Hono', hono],
  ] as const)('%s', async (_name, make) => {
    const results = await expectCors(make()).attackers({ allowed }).toBeBlocked();
    // Every probe class was tried, with both default requests (GET, and a preflighted PUT).
    expect(new Set(results.map((r) => r.probe.id)).size).toBe(10);
    expect(new Set(results.map((r) => r.init.method ?? 'GET'))).toEqual(new Set(['GET', 'PUT']));
    // ... and the allowed origin itself passes.
    await expectCors(make()).from(APP).fetch('/', { credentials: 'include' }).toPass();
  });
  it('a subdomain pattern is a finding unless the app says it allows subdomains on purpose', async () => {
    const app = () => expressWith(corsproofExpress({ origin: ['https://*.example.com'], credentials: true }));
    expect(await findings(expectCors(app()).attackers({ allowed }).run())).toEqual(['trusts-any-subdomain']);
    await expectCors(app()).attackers({ allowed, ignore: ['trusts-any-subdomain'] }).toBeBlocked();
  });
  it('refuses an allow-list entry that is not an origin', () => {
    expect(() => expectCors(express()).attackers({ allowed: ['https://app.example.com/'] })).toThrow(/not a serialized http\(s\) origin/);
  });
});
