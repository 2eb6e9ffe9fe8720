/**
 * `fetch(url, { mode: 'no-cors' })` observed in real Chromium, Firefox and
 * WebKit (no-cors-run.ts): per case, what script read, the requests the
 * servers received (method, URL, the header lines script could set), and
 * every console line. The input for the engine's no-cors model. Not part of
 * npm test.
 *
 *   npx tsx test/browser/no-cors-observe.ts [--browsers=chromium,firefox,webkit] [--out=/tmp/nocors-observations.json]
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import type { TrafficKind } from './harness.js';
import type { NoCorsCase, NoCorsHop, NoCorsResult, NoCorsWorld } from './no-cors-run.js';
import { runNoCors, startNoCorsWorld } from './no-cors-run.js';

const JSON_BODY = '{"items":[1,2,3]}';
const json = (headers: Array<[string, string]> = []): NoCorsHop => ({ status: 200, headers: [['Content-Type', 'application/json'], ...headers], body: JSON_BODY });
const redirect = (status: number, location: string): NoCorsHop => ({ status, headers: [['Location', location]] });

/** The observed cases, on a world's origins. */
export function observedCases(w: NoCorsWorld): NoCorsCase[] {
  const at = (origin: string, id: string, hop = 0): string => `${origin}/c/${id}/${hop}`;
  const nc = (id: string, init: NoCorsCase['init'], hops: NoCorsHop[], origin = w.targetOrigin): NoCorsCase => ({ id, url: at(origin, id), init: { mode: 'no-cors', ...init }, hops });
  return [
    nc('get-no-acao', {}, [json()]),
    nc('get-cors-control', { mode: 'cors' }, [json()]),
    nc('get-acao-star-cred', { credentials: 'include' }, [json([['Access-Control-Allow-Origin', '*']])]),
    nc('get-acao-ok', {}, [json([['Access-Control-Allow-Origin', w.pageOrigin], ['X-Extra', '1']])]),
    nc('get-text', {}, [{ status: 200, headers: [['Content-Type', 'text/plain']], body: 'hello' }]),
    nc('get-html', {}, [{ status: 200, headers: [['Content-Type', 'text/html']], body: '<p>hi</p>' }]),
    nc('get-js', {}, [{ status: 200, headers: [['Content-Type', 'text/javascript']], body: 'var x = 1;' }]),
    nc('get-json-nosniff', {}, [json([['X-Content-Type-Options', 'nosniff']])]),
    nc('get-500', {}, [{ status: 500, headers: [['Content-Type', 'text/plain']], body: 'boom' }]),
    nc('get-404-json', {}, [{ status: 404, headers: [['Content-Type', 'application/json']], body: '{"error":"nope"}' }]),
    nc('head', { method: 'HEAD' }, [json()]),
    nc('post-text', { method: 'POST', body: 'x' }, [json()]),
    nc('post-json-ct', { method: 'POST', body: '{"a":1}', headers: [['Content-Type', 'application/json']] }, [json()]),
    nc('post-form-ct', { method: 'POST', body: 'a=1', headers: [['Content-Type', 'application/x-www-form-urlencoded']] }, [json()]),
    nc('get-json-ct', { headers: [['Content-Type', 'application/json']] }, [json()]),
    nc('get-x-custom', { headers: [['X-Custom', '1']] }, [json()]),
    nc('get-accept', { headers: [['Accept', 'application/json'], ['Accept-Language', 'fr'], ['Content-Language', 'de']] }, [json()]),
    nc('get-authorization', { headers: [['Authorization', 'Bearer t']] }, [json()]),
    nc('get-range', { headers: [['Range', 'bytes=0-1']] }, [json()]),
    nc('get-accept-bad', { headers: [['Accept', 'a"b']] }, [json()]),
    nc('put', { method: 'PUT', body: 'x' }, [json()]),
    nc('put-lower', { method: 'put', body: 'x' }, [json()]),
    nc('delete', { method: 'DELETE' }, [json()]),
    nc('patch', { method: 'PATCH', body: 'x' }, [json()]),
    nc('post-lower', { method: 'post', body: 'x' }, [json()]),
    nc('get-cred-include', { credentials: 'include' }, [json()]),
    nc('get-cred-omit', { credentials: 'omit' }, [json()]),
    {
      id: 'redirect-chain',
      url: at(w.targetOrigin, 'redirect-chain'),
      init: { mode: 'no-cors', headers: [['Accept', 'application/json'], ['X-Custom', '1']] },
      hops: [redirect(302, at(w.otherOrigin, 'redirect-chain', 1)), redirect(307, at(w.targetOrigin, 'redirect-chain', 2)), json()],
    },
    {
      id: 'redirect-to-page',
      url: at(w.targetOrigin, 'redirect-to-page'),
      init: { mode: 'no-cors' },
      hops: [redirect(302, at(w.pageOrigin, 'redirect-to-page', 1)), json()],
    },
    {
      id: 'same-origin-to-cross',
      url: at(w.pageOrigin, 'same-origin-to-cross'),
      init: { mode: 'no-cors' },
      hops: [redirect(302, at(w.targetOrigin, 'same-origin-to-cross', 1)), json()],
    },
    {
      id: 'post-302',
      url: at(w.targetOrigin, 'post-302'),
      init: { mode: 'no-cors', method: 'POST', body: 'x' },
      hops: [redirect(302, at(w.otherOrigin, 'post-302', 1)), json()],
    },
    {
      id: 'post-307-cross',
      url: at(w.targetOrigin, 'post-307-cross'),
      init: { mode: 'no-cors', method: 'POST', body: 'x' },
      hops: [redirect(307, at(w.otherOrigin, 'post-307-cross', 1)), json()],
    },
    {
      id: 'redirect-data',
      url: at(w.targetOrigin, 'redirect-data'),
      init: { mode: 'no-cors' },
      hops: [redirect(302, 'data:,hello')],
    },
    {
      id: 'redirect-userinfo',
      url: at(w.targetOrigin, 'redirect-userinfo'),
      init: { mode: 'no-cors' },
      hops: [redirect(302, at(w.otherOrigin.replace('//', '//u:p@'), 'redirect-userinfo', 1)), json()],
    },
    {
      id: 'redirect-manual',
      url: at(w.targetOrigin, 'redirect-manual'),
      init: { mode: 'no-cors', redirect: 'manual' },
      hops: [redirect(302, at(w.otherOrigin, 'redirect-manual', 1)), json()],
    },
    {
      id: 'redirect-error',
      url: at(w.targetOrigin, 'redirect-error'),
      init: { mode: 'no-cors', redirect: 'error' },
      hops: [redirect(302, at(w.otherOrigin, 'redirect-error', 1)), json()],
    },
    nc('same-origin', {}, [json()], w.pageOrigin),
    nc('refused-port', {}, [json()]),
    { id: 'put-uncaught', url: at(w.targetOrigin, 'put-uncaught'), init: { mode: 'no-cors', method: 'PUT', body: 'x' }, hops: [json()], api: 'uncaught' },
    { id: 'xhr-no-acao', url: at(w.targetOrigin, 'xhr-no-acao'), init: {}, hops: [json()], api: 'xhr' },
  ];
}

/** A loopback port nothing listens on (a server's, closed again). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

async function main(): Promise<void> {
  const browsers = (arg('browsers') ?? 'chromium,firefox,webkit').split(',') as TrafficKind[];
  const world = await startNoCorsWorld();
  try {
    const closed = await closedPort();
    const only = arg('only')?.split(',');
    const cases = observedCases(world).filter((c) => only === undefined || only.includes(c.id)).map((c) => (c.id === 'refused-port' ? { ...c, url: `http://localhost:${closed}/c/refused-port/0` } : c));
    const all: NoCorsResult[] = [];
    for (const b of browsers) {
      const t0 = Date.now();
      const results = await runNoCors(b, world, cases);
      process.stderr.write(`${b}: ${results.length} cases in ${Date.now() - t0} ms\n`);
      all.push(...results);
    }
    const out = arg('out') ?? '/tmp/nocors-observations.json';
    writeFileSync(out, JSON.stringify({ world: { pageOrigin: world.pageOrigin, targetOrigin: world.targetOrigin, otherOrigin: world.otherOrigin }, cases, results: all }, null, 1));
    for (const c of cases) {
      console.log(`\n=== ${c.id}: ${c.api ?? 'fetch'} ${c.url} ${JSON.stringify(c.init)}`);
      for (const r of all.filter((x) => x.id === c.id)) {
        const s = r.script;
        const reqs = r.requests.map((q) => `${q.method} ${q.url.replace(/^http:\/\/[^/]+/, '')} [${q.headers.filter(([n]) => !/^(host|connection|user-agent|accept-encoding|sec-fetch-.*|sec-ch-.*|priority|pragma|cache-control|upgrade-insecure-requests)$/i.test(n)).map(([n, v]) => `${n}: ${v}`).join('; ')}]${q.body ? ` body=${JSON.stringify(q.body)}` : ''}`);
        console.log(`--- ${r.browser}${r.error ? ` ERROR ${r.error}` : ''}`);
        if (s.fetchThrewSynchronously !== undefined) console.log(`  fetch() threw synchronously: ${s.fetchThrewSynchronously}`);
        if (s.requestThrew !== undefined) console.log(`  new Request threw: ${s.requestThrew}`);
        else console.log(`  new Request: mode ${s.requestMode}, headers ${JSON.stringify(s.requestHeaders)}`);
        if (s.resolved) console.log(`  resolved: type ${s.type} status ${s.status} statusText ${JSON.stringify(s.statusText)} ok ${s.ok} url ${JSON.stringify(s.url)} redirected ${s.redirected} headers ${JSON.stringify(s.headers)} bodyIsNull ${s.bodyIsNull} text ${JSON.stringify(s.text)}${s.textThrew ? ` textThrew ${s.textThrew}` : ''} json ${s.json ?? `threw ${s.jsonThrew}`}`);
        else console.log(`  rejected: ${s.thrown}`);
        console.log(`  requests: ${reqs.length === 0 ? 'none' : reqs.join('\n            ')}`);
        for (const e of r.console) console.log(`  console [${e.channel}] ${e.text}`);
      }
    }
  } finally {
    await world.close();
  }
}

await main();
