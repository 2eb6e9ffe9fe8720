import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { StateOptions } from './resume.js';
import { STATE_FORMAT, ScanState, StateFileError, optionsDiffer, stateOptions } from './resume.js';
import type { RouteResult } from './run.js';
import { targetKey } from './targets.js';
import type { Finding, ScanTarget } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'corsproof-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let file = '';
let n = 0;
beforeEach(() => {
  file = join(dir, `state-${n++}.jsonl`);
});

const AUTH = { credentialHeaders: [['Cookie', 'session=s3cr3t-cookie']] as Array<[string, string]>, scriptHeaders: [['Authorization', 'Bearer t0ken']] as Array<[string, string]>, methods: ['GET', 'HEAD'] };
const OPTIONS: StateOptions = stateOptions('1.2.3', { origins: ['https://app.example.com'], auth: AUTH, insecure: false });

function target(i: number, line = i + 1): ScanTarget {
  return { url: `https://api.example.com/r/${i}`, method: 'GET', headers: [], origins: [], source: { kind: 'url-list', file: 'routes.txt', line } };
}

function finding(t: ScanTarget, padding = 0): Finding {
  return {
    url: t.url,
    method: t.method,
    id: 'reflects-any-origin',
    severity: 'high',
    probe: 'https://corsproof-probe.invalid',
    message: `It reflects any origin.${'x'.repeat(padding)}`,
    evidence: [{ request: { method: 'GET', url: t.url, headers: [['Origin', 'https://corsproof-probe.invalid']] }, response: { status: 200, headers: [['Access-Control-Allow-Origin', 'https://corsproof-probe.invalid']] } }],
    browsers: { chromium: true, firefox: true, webkit: true },
    fix: 'Allow a list.',
    recipe: null,
    layer: null,
    source: t.source,
  };
}

function result(t: ScanTarget, findings: Finding[] = [finding(t)]): RouteResult {
  return { target: t, status: 'scanned', findings, error: null, requests: 29, legitOrigins: ['https://app.example.com'] };
}

const fileLines = (): string[] => readFileSync(file, 'utf8').split('\n');

describe('ScanState: a new file, records, reading back', () => {
  it('starts a missing file with its header (the auth digest, never the values), mode 0600', () => {
    ScanState.open(file, OPTIONS).close();
    const [header, rest] = fileLines();
    expect(JSON.parse(header ?? '')).toEqual({ corsproof: 'scan-state', format: STATE_FORMAT, options: OPTIONS });
    expect(rest).toBe('');
    expect(readFileSync(file, 'utf8')).not.toMatch(/s3cr3t|t0ken/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a recorded route is replayed, as it was, with the source of the target being scanned now', () => {
    const state = ScanState.open(file, OPTIONS);
    const failed: RouteResult = { ...result(target(1), []), status: 'refused', error: { kind: 'refused', message: 'Connection refused.' }, requests: 1, legitOrigins: [] };
    state.record(result(target(0)));
    state.record(failed);
    state.close();
    const again = ScanState.open(file, OPTIONS);
    expect(again.size).toBe(2);
    expect(again.has(targetKey(target(0)))).toBe(true);
    const moved = target(0, 42); // the list was edited: the route is on line 42 now
    expect(again.replay(moved)).toEqual(result(moved));
    expect(again.replay(moved)?.findings[0]?.source).toEqual({ kind: 'url-list', file: 'routes.txt', line: 42 });
    expect(again.replay(target(1))).toEqual({ ...failed, target: target(1) });
    expect(again.replay(target(2))).toBeNull();
    again.close();
  });

  it('records do not store the findings’ source (the inventory gives it)', () => {
    const state = ScanState.open(file, OPTIONS);
    state.record(result(target(0)));
    state.close();
    const record = JSON.parse(fileLines()[1] ?? '') as { key: string; findings: Array<Record<string, unknown>> };
    expect(record.key).toBe(targetKey(target(0)));
    expect(record.findings[0]).not.toHaveProperty('source');
  });

  it('routes recorded after the file was reopened are replayed too (appends land after what was read)', () => {
    const state = ScanState.open(file, OPTIONS);
    state.record(result(target(0)));
    state.close();
    const second = ScanState.open(file, OPTIONS);
    second.record(result(target(1)));
    expect(second.replay(target(1))).toEqual(result(target(1)));
    second.close();
    const third = ScanState.open(file, OPTIONS);
    expect([third.replay(target(0)), third.replay(target(1))]).toEqual([result(target(0)), result(target(1))]);
    third.close();
  });

  it('reads files larger than its read chunk (1 MiB): lines across chunk edges, multi-byte characters', () => {
    const state = ScanState.open(file, OPTIONS);
    const big = (i: number): RouteResult => {
      const t = { ...target(i), url: `https://api.example.com/r/${i}/ünïcødé` };
      return result(t, [finding(t, 1000 + ((i * 37) % 2000))]);
    };
    for (let i = 0; i < 1500; i++) state.record(big(i));
    state.close();
    expect(statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
    const again = ScanState.open(file, OPTIONS);
    expect(again.size).toBe(1500);
    for (let i = 0; i < 1500; i++) expect(again.replay(big(i).target)).toEqual(big(i));
    again.close();
  });

  it('close twice is harmless; use after close throws', () => {
    const state = ScanState.open(file, OPTIONS);
    state.close();
    state.close();
    expect(() => state.record(result(target(0)))).toThrow(/closed/);
  });
});

describe('ScanState: torn lines (a process killed mid-write)', () => {
  it('a torn last line is dropped and cut off; the next record starts on a clean line', () => {
    const state = ScanState.open(file, OPTIONS);
    state.record(result(target(0)));
    state.record(result(target(1)));
    state.close();
    const whole = readFileSync(file, 'utf8');
    truncateSync(file, whole.length - 40); // the second record, torn
    const again = ScanState.open(file, OPTIONS);
    expect(again.tornLine).toBe(true);
    expect([again.has(targetKey(target(0))), again.has(targetKey(target(1)))]).toEqual([true, false]);
    again.record(result(target(1)));
    again.close();
    expect(readFileSync(file, 'utf8')).toBe(whole);
  });

  it('a last line complete but for its newline counts as torn (only newline-terminated lines count)', () => {
    const state = ScanState.open(file, OPTIONS);
    state.record(result(target(0)));
    state.close();
    truncateSync(file, statSync(file).size - 1);
    const again = ScanState.open(file, OPTIONS);
    expect([again.tornLine, again.size]).toEqual([true, 0]);
    again.close();
  });

  it('a torn header starts the file over', () => {
    ScanState.open(file, OPTIONS).close();
    truncateSync(file, 20);
    const again = ScanState.open(file, OPTIONS);
    expect([again.tornLine, again.size]).toEqual([true, 0]);
    again.close();
    expect(JSON.parse(fileLines()[0] ?? '')).toMatchObject({ corsproof: 'scan-state', options: OPTIONS });
  });

  it('an empty file is started', () => {
    writeFileSync(file, '');
    const state = ScanState.open(file, OPTIONS);
    expect([state.tornLine, state.size]).toEqual([false, 0]);
    state.close();
    expect(fileLines()).toHaveLength(2);
  });
});

describe('ScanState: refusals, the file left as it was', () => {
  const refused = (options: StateOptions, message: RegExp): void => {
    const before = readFileSync(file, 'utf8');
    let error: unknown;
    try {
      ScanState.open(file, options).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toMatch(message);
    expect(readFileSync(file, 'utf8')).toBe(before);
  };

  it.each([
    ['--origin', { ...OPTIONS, origins: ['https://other.example.com'] }, /--origin \(there https:\/\/app\.example\.com; here https:\/\/other\.example\.com\)/],
    ['--origin order', { ...OPTIONS, origins: ['https://b.example', 'https://app.example.com'] }, /--origin/],
    ['--methods', { ...OPTIONS, methods: ['GET', 'HEAD', 'POST'] }, /--methods \(there GET, HEAD; here GET, HEAD, POST\)/],
    ['--insecure', { ...OPTIONS, insecure: true }, /--insecure \(there not given; here given\)/],
    ['--cookie', stateOptions('1.2.3', { origins: ['https://app.example.com'], auth: { ...AUTH, credentialHeaders: [['Cookie', 'session=other']] }, insecure: false }), /--cookie, --bearer or -H \(other values\)/],
    ['version', { ...OPTIONS, version: '2.0.0' }, /corsproof version \(there 1\.2\.3, here 2\.0\.0\)/],
  ])('another scan’s options (%s): refused, naming what differs and how to start over', (_name, options, message) => {
    const state = ScanState.open(file, OPTIONS);
    state.record(result(target(0)));
    state.close();
    refused(options, message);
    refused(options, /Resume with the same options, or delete it \(or give another --resume file\) to start over/);
  });

  it('not a state file (say, the URL list given as --resume): refused, never overwritten', () => {
    writeFileSync(file, 'https://api.example.com/a\nhttps://api.example.com/b\n');
    refused(OPTIONS, /is not a corsproof scan state file/);
    writeFileSync(file, 'https://api.example.com/a'); // no newline at all
    refused(OPTIONS, /is not a corsproof scan state file/);
  });

  it('a damaged line that is not the last: refused with its line number', () => {
    const state = ScanState.open(file, OPTIONS);
    state.record(result(target(0)));
    state.close();
    const record = fileLines()[1] ?? '';
    appendFileSync(file, `{"key": 3}\n${record}\n`); // JSON, but no record
    refused(OPTIONS, /state-\d+\.jsonl:3 is not a route record/);
    writeFileSync(file, `${fileLines()[0] ?? ''}\nnot json at all\n`); // terminated, so not torn: damaged
    refused(OPTIONS, /:2 is not a route record/);
  });

  it('a state file of another format: refused', () => {
    writeFileSync(file, `${JSON.stringify({ corsproof: 'scan-state', format: 99, options: OPTIONS })}\n`);
    refused(OPTIONS, /format 99/);
    // Format 1's routes were judged in Chromium and Firefox only (findings' browsers without webkit): judged again, not replayed.
    expect(STATE_FORMAT).toBe(2);
    writeFileSync(file, `${JSON.stringify({ corsproof: 'scan-state', format: 1, options: OPTIONS })}\n`);
    refused(OPTIONS, /format 1, not 2/);
  });
});

describe('stateOptions and optionsDiffer', () => {
  it('header names are compared case-insensitively, values exactly; the same options differ in nothing', () => {
    const lower = stateOptions('1.2.3', { origins: ['https://app.example.com'], auth: { ...AUTH, credentialHeaders: [['cookie', 'session=s3cr3t-cookie']] }, insecure: false });
    expect(optionsDiffer(OPTIONS, lower)).toEqual([]);
    expect(OPTIONS.auth).toMatch(/^[0-9a-f]{64}$/);
  });
});
