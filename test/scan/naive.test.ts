/**
 * The README's side-by-side, measured: on the zoo, what `corsproof scan`
 * reports (the zoo test checks it reports exactly the planted findings)
 * against a plain "reflection + credentials" check, as most scanners run
 * it: one GET with `Origin: https://evil.example`, flagged when
 * Access-Control-Allow-Origin echoes it and Access-Control-Allow-Credentials
 * is `true`. The README's table must be the one computed here.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDINGS } from '../../src/policy/findings.js';
import type { Zoo, ZooServer } from './zoo.js';
import { startZoo } from './zoo.js';

let zoo: Zoo;
beforeAll(async () => {
  zoo = await startZoo();
});
afterAll(async () => {
  await zoo.close();
});

/** The plain check: does the server echo an arbitrary Origin with credentials? */
function plainCheck(server: ZooServer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(server.url, { headers: { Origin: 'https://evil.example' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers['access-control-allow-origin'] === 'https://evil.example' && res.headers['access-control-allow-credentials'] === 'true'));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One row per finding id the zoo plants: servers, the severities scan gives, how many the plain check flags. */
async function sideBySide(): Promise<string[]> {
  const rows: string[] = [];
  for (const { id } of FINDINGS) {
    const servers = zoo.servers.filter((s) => s.planted.some((p) => p.id === id));
    if (servers.length === 0) continue;
    const severities = [...new Set(servers.flatMap((s) => s.planted.filter((p) => p.id === id).map((p) => p.severity)))].join(', ');
    let flagged = 0;
    for (const s of servers) if (await plainCheck(s)) flagged++;
    rows.push(`| \`${id}\` | ${servers.length} | ${servers.length} (${severities}) | ${flagged} |`);
  }
  const twins = zoo.servers.filter((s) => s.planted.length === 0);
  let twinFlags = 0;
  for (const s of twins) if (await plainCheck(s)) twinFlags++;
  rows.push(`| correctly configured twins | ${twins.length} | 0 | ${twinFlags} |`);
  return rows;
}

describe('scan against a plain reflection + credentials check, on the zoo', () => {
  it("the README's table is the one measured", async () => {
    const measured = await sideBySide();
    if (process.env.CORSPROOF_PRINT_TABLE) console.log(measured.join('\n'));
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('| finding | zoo servers | corsproof scan | reflection + credentials check |');
    expect(start, 'README has the side-by-side table').toBeGreaterThan(-1);
    const table = readme.slice(start).split('\n\n')[0]!.split('\n').slice(2);
    expect(table).toEqual(measured);
    expect(readme).toContain(`${zoo.servers.length} servers on loopback`);
  });
});
