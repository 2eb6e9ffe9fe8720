/**
 * Every JSON output of the built CLI carries the stamp first: corsproof's
 * version (package.json) and the browser releases the engine models (each
 * profile's `version`: Chromium, Firefox and WebKit), in each object a reader may take alone (each verdict
 * of an array, each JSON Lines line, each HAR entry's report).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELED_VERSIONS } from '../../src/engine/browsers.js';
import { root, runCli } from './run-cli.js';

const VERSION = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const SEED = join(root, 'examples', 'credentials-wildcard.json');
const HAR = join(root, 'src', 'doctor', 'fixtures', 'chromium.har');
const FIREFOX_LINE =
  "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.com/v1/me. (Reason: Credential is not supported if the CORS header 'Access-Control-Allow-Origin' is '*').";

/** The stamp's two fields, first, with the right values. */
function expectStamped(value: unknown, where: string): void {
  expect(value, where).toBeTypeOf('object');
  const keys = Object.keys(value as object);
  expect(keys.slice(0, 2), where).toEqual(['corsproofVersion', 'browserVersions']);
  expect((value as { corsproofVersion: unknown }).corsproofVersion, where).toBe(VERSION);
  expect((value as { browserVersions: unknown }).browserVersions, where).toEqual(MODELED_VERSIONS);
  // The three browsers the verdict judges, each with the release the engine models.
  const versions = (value as { browserVersions: Record<string, unknown> }).browserVersions;
  expect(Object.keys(versions), where).toEqual(['chromium', 'firefox', 'webkit']);
  expect(Object.values(versions).every((v) => typeof v === 'string' && v !== ''), where).toBe(true);
}

let dir: string;
let server: ReturnType<typeof createServer>;
let api: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corsproof-stamp-'));
  server = createServer((_req, res) => res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' }).end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/items`;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the JSON stamp', () => {
  it('explain --json: one verdict, and each verdict of an array', async () => {
    const one = await runCli(['explain', '--json', SEED]);
    expectStamped(JSON.parse(one.stdout), 'one');
    const seed = readFileSync(SEED, 'utf8');
    const file = join(dir, 'two.json');
    writeFileSync(file, `[${seed},${seed}]`);
    const many = JSON.parse((await runCli(['explain', '--json', file])).stdout) as unknown[];
    expect(many).toHaveLength(2);
    many.forEach((v, i) => expectStamped(v, `[${i}]`));
  });

  it('explain --jsonl: every line, refused ones too', async () => {
    const file = join(dir, 'lines.jsonl');
    writeFileSync(file, `${JSON.stringify(JSON.parse(readFileSync(SEED, 'utf8')))}\nnot json\n`);
    const run = await runCli(['explain', '--jsonl', file]);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toHaveLength(2);
    lines.forEach((l, i) => expectStamped(l, `line ${i + 1}`));
  });

  it('explain --console --json', async () => {
    const run = await runCli(['explain', '--console', FIREFOX_LINE, '--origin', 'https://app.example.com', '--json']);
    expectStamped(JSON.parse(run.stdout), 'console');
  });

  it('check --json: a live URL, and each report of a HAR file', async () => {
    const live = await runCli(['check', api, '--origin', 'https://app.example.com', '--json']);
    expectStamped(JSON.parse(live.stdout), 'live');
    const har = JSON.parse((await runCli(['check', '--har', HAR, '--json'])).stdout) as unknown[];
    expect(har.length).toBeGreaterThan(0);
    har.forEach((r, i) => expectStamped(r, `entry report ${i}`));
  });

  it('scan --json', async () => {
    const run = await runCli(['scan', api, '--origin', 'https://app.example.com', '--json']);
    expectStamped(JSON.parse(run.stdout), 'scan');
  });
});
