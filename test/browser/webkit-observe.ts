/**
 * The differential suite's generated scenarios in real WebKit: runs them
 * (webkit.ts), writes every observation to a JSON file, and summarises where
 * WebKit differs from what the engine says Chromium and Firefox do: pass or
 * fail, the preflights sent (count, Origin, Access-Control-Request-Method and
 * -Headers), the readable response headers, the engine's reason next to
 * WebKit's console line, and every distinct WebKit console message template.
 * The input for the engine's WebKit profile (issue 12). Not part of npm test.
 *
 *   npx tsx test/browser/webkit-observe.ts [--count=4000] [--seed=20261127] [--out=/tmp/webkit-observations.json]
 *   npx tsx test/browser/webkit-observe.ts --summarise=/tmp/webkit-observations.json   (no browser: re-read a run)
 *
 * Same generator, seed and count as the differential test (CORSPROOF_CASES / CORSPROOF_SEED are honoured).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { evaluateIn } from '../../src/engine/evaluate.js';
import type { BrowserName, Scenario } from '../../src/engine/types.js';
import { generate } from '../generator.js';
import { startWorld } from './harness.js';
import type { HarnessWorld } from './harness.js';
import { WebKitBrowser } from './webkit.js';
import type { WebKitObservation } from './webkit.js';
import { WEBKIT_FIELDS, compareWebKit } from './webkit-compare.js';

interface Run {
  webkitVersion: string;
  userAgent: string;
  seed: number;
  count: number;
  world: HarnessWorld;
  timings: { launchMs: number; batches: Array<{ cases: number; ms: number }>; runMs: number; settleMs: number; totalMs: number };
  cases: Array<{ id: string; tags: string[]; scenario: Scenario; observation: WebKitObservation }>;
}

function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** The installed WebKitGTK package's version (MiniBrowser --version needs a display). */
function webkitVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function observe(count: number, seed: number, batchSize: number): Promise<Run> {
  // Only WebKit uses this world: requests whose User-Agent script set (the user-agent shape) are WebKit's too.
  const world = await startWorld({ unknownUserAgent: 'webkit' });
  try {
    const cases = generate(world, { count, seed });
    const t0 = Date.now();
    const wk = await WebKitBrowser.launch(world);
    const launchMs = Date.now() - t0;
    const batches: Array<{ cases: number; ms: number }> = [];
    let phases = { run: 0, settle: 0 };
    try {
      const userAgent = await wk.userAgent();
      const observations = await wk.run(world, cases, {
        batchSize,
        onBatch: (b) => {
          batches.push({ cases: b.cases, ms: b.ms });
          process.stderr.write(`batch ${b.index}: ${b.cases} cases in ${b.ms} ms\n`);
        },
        onTimings: (t) => (phases = t),
      });
      const unclaimed = wk.unclaimed();
      if (unclaimed.length > 0) process.stderr.write(`${unclaimed.length} console messages matched no case, e.g. ${JSON.stringify(unclaimed.slice(0, 3))}\n`);
      return {
        webkitVersion: webkitVersion(),
        userAgent,
        seed,
        count,
        world: { pageOrigin: world.pageOrigin, targetOrigin: world.targetOrigin, otherOrigin: world.otherOrigin },
        timings: { launchMs, batches, runMs: phases.run, settleMs: phases.settle, totalMs: Date.now() - t0 },
        cases: cases.map((c, i) => ({ id: c.id, tags: c.tags, scenario: c.scenario, observation: observations[i] as WebKitObservation })),
      };
    } finally {
      await wk.close();
    }
  } finally {
    await world.close();
  }
}

// ---------------------------------------------------------------------------
// Summary

/** A console line with its world-specific parts replaced by placeholders. */
export function template(text: string, world: HarnessWorld): string {
  const origins = [world.pageOrigin, world.targetOrigin, world.otherOrigin];
  return text
    .replace(/\b(?:https?:\/\/[^\s'"]+|data:[^\s'"]*)/g, (u) => {
      const bare = u.replace(/[.,]$/, '');
      const tail = u.slice(bare.length);
      if (origins.includes(bare) || /^https?:\/\/[^/]+$/.test(bare)) return `<origin>${tail}`;
      return `<url>${tail}`;
    })
    .replace(/(Request header field )(\S+)( is not allowed)/, '$1<header>$3')
    .replace(/(Method )(\S+)( is not allowed)/, '$1<method>$3')
    .replace(/(Refused to set unsafe header )"[^"]*"/, '$1"<header>"')
    .replace(/( has an invalid value: ).*$/, '$1<value>')
    .replace(/Status code: \d+/g, 'Status code: <status>');
}

interface Side {
  ok: boolean;
  /** Preflights as "origin acrm [acrh]" strings, the page origin written <page>. */
  preflights: string[];
  readable: string[] | null;
  /** The engine's reason id, or WebKit's first console line as a template. */
  reason: string | null;
}

function pfString(world: HarnessWorld, origin: string | null, acrm: string | null, acrh: string | null): string {
  const o = origin === world.pageOrigin ? '<page>' : String(origin);
  return `${o} ${acrm ?? '-'} [${acrh ?? ''}]`;
}

function engineSide(browser: BrowserName, scenario: Scenario, world: HarnessWorld): Side {
  const o = evaluateIn(browser, scenario);
  const h = (list: Array<[string, string]>, n: string): string | null => list.find(([k]) => k === n)?.[1] ?? null;
  return {
    ok: o.ok,
    preflights: o.preflights.map((p) => pfString(world, h(p.headers, 'Origin'), h(p.headers, 'Access-Control-Request-Method'), h(p.headers, 'Access-Control-Request-Headers'))),
    readable: o.ok ? o.exposedHeaders : null,
    reason: o.reasonId,
  };
}

function webkitSide(obs: WebKitObservation, world: HarnessWorld): Side {
  // The reason: the "security" line (before it may come what script's own calls logged, e.g. a refused header).
  const first = obs.webkit.entries.find((e) => e.source === 'security')?.text ?? obs.webkit.entries.find((e) => !e.text.startsWith('Refused to set'))?.text;
  return {
    ok: obs.ok,
    preflights: obs.preflights.map((p) => pfString(world, p.origin, p.acrm, p.acrh)),
    readable: obs.ok ? obs.readableHeaders : null,
    reason: obs.ok ? null : first !== undefined ? template(first, world) : `(no console line; thrown: ${obs.thrown ?? obs.error ?? '?'})`,
  };
}

type Field = 'ok' | 'preflights' | 'readableHeaders';

class Tally {
  readonly counts = new Map<string, { n: number; examples: string[] }>();
  add(key: string, example: string): void {
    let e = this.counts.get(key);
    if (e === undefined) this.counts.set(key, (e = { n: 0, examples: [] }));
    e.n++;
    if (e.examples.length < 2) e.examples.push(example);
  }
  lines(): string[] {
    return [...this.counts].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0])).map(([k, v]) => `${String(v.n).padStart(5)}  ${k}\n         e.g. ${v.examples.join(' | ')}`);
  }
}

function value(field: Field, s: Side): string {
  if (field === 'ok') return s.ok ? 'passes' : `blocks (${s.reason})`;
  if (field === 'preflights') return s.preflights.length === 0 ? 'no preflight' : s.preflights.join(' ; ');
  return JSON.stringify(s.readable);
}

function same(field: Field, a: Side, b: Side): boolean {
  if (field === 'ok') return a.ok === b.ok;
  if (field === 'preflights') return JSON.stringify(a.preflights) === JSON.stringify(b.preflights);
  return JSON.stringify(a.readable) === JSON.stringify(b.readable);
}

export function summarise(run: Run): string {
  const world = run.world;
  const diffs = new Tally();
  const agreement = new Tally();
  const reasons = new Tally();
  const templates = new Tally();
  const sequences = new Tally();
  const broken: string[] = [];
  for (const c of run.cases) {
    const o = c.observation;
    const example = `${c.id} [${c.tags.join(' ')}]`;
    if (o.error !== undefined) broken.push(`${c.id}: ${o.error}`);
    const wk = webkitSide(o, world);
    const ch = engineSide('chromium', c.scenario, world);
    const ff = engineSide('firefox', c.scenario, world);
    const fields: Field[] = ['ok', 'preflights'];
    if (wk.ok && ch.ok && ff.ok && wk.readable !== null) fields.push('readableHeaders');
    let agreeC = true;
    let agreeF = true;
    for (const field of fields) {
      const sc = same(field, wk, ch);
      const sf = same(field, wk, ff);
      agreeC &&= sc;
      agreeF &&= sf;
      if (sc && sf) continue;
      const who = !sc && !sf ? 'differs from both' : !sc ? 'differs from Chromium only' : 'differs from Firefox only';
      // The request shape decides the preflight's headers; a pass/fail difference may follow from a preflight one.
      const context = field === 'ok' ? (same('preflights', wk, ch) && same('preflights', wk, ff) ? '' : ' (preflights differ too)') : ` {${c.tags[0]}}`;
      diffs.add(`${field}: WebKit ${who}${context}: webkit=${value(field, wk)} | chromium=${value(field, ch)} | firefox=${value(field, ff)}`, example);
    }
    agreement.add(agreeC && agreeF ? 'agrees with both engines (ok, preflights, readable headers)' : agreeC ? 'agrees with Chromium only' : agreeF ? 'agrees with Firefox only' : 'agrees with neither', c.id);
    if (!wk.ok && !ch.ok && !ff.ok) reasons.add(`chromium=${ch.reason} firefox=${ff.reason} -> webkit: ${wk.reason}`, example);
    for (const m of o.webkit.entries) templates.add(`[${m.source}/${m.level}] ${template(m.text, world)}`, c.id);
    if (o.webkit.entries.length > 0) sequences.add(o.webkit.entries.map((m) => template(m.text, world).replace(/^(Fetch API|XMLHttpRequest|EventSource) /, '<API> ')).join('  ⏎  '), c.id);
  }
  const t = run.timings;
  // The engine's own WebKit profile against the run (the differential suite's comparison).
  const profileDiffs = run.cases.flatMap((c) => compareWebKit(c, c.observation));
  const profileAgree = run.cases.length - new Set(profileDiffs.map((d) => d.id)).size;
  const perField = WEBKIT_FIELDS.map((f) => `${f} ${run.cases.length - profileDiffs.filter((d) => d.field === f).length}`);
  return [
    `WebKitGTK ${run.webkitVersion} (${run.userAgent}); ${run.cases.length} generated cases, seed ${run.seed}`,
    `world: page ${world.pageOrigin}, target ${world.targetOrigin}, other ${world.otherOrigin}`,
    `timings: launch ${t.launchMs} ms, batches ${t.batches.map((b) => `${b.cases} in ${b.ms} ms`).join(', ')}, settle ${t.settleMs} ms, total ${t.totalMs} ms`,
    `harness problems: ${broken.length}${broken.length ? `\n  ${broken.slice(0, 20).join('\n  ')}` : ''}`,
    '',
    `== WebKit against evaluateIn('webkit'): ${profileAgree} of ${run.cases.length} agree on every field (${perField.join(', ')}) ==`,
    ...profileDiffs.slice(0, 20).map((d) => `  ${d.id} ${d.field} [${d.tags.join(' ')}]: engine ${JSON.stringify(d.engine)} | webkit ${JSON.stringify(d.browser)}`),
    '',
    '== Agreement of WebKit with the engine (per case) ==',
    ...agreement.lines().map((l) => l.replace(/\n.*$/s, '')),
    '',
    '== Where WebKit differs (field: who: values) ==',
    ...diffs.lines(),
    '',
    '== Blocked by all three: engine reason ids -> WebKit first console line ==',
    ...reasons.lines(),
    '',
    '== WebKit console message templates (source/level, count of lines) ==',
    ...templates.lines().map((l) => l.replace(/\n.*$/s, '')),
    '',
    '== WebKit console line sequences per case (cases) ==',
    ...sequences.lines(),
  ].join('\n');
}

async function main(): Promise<void> {
  const again = arg('summarise');
  let run: Run;
  if (again !== undefined) {
    run = JSON.parse(readFileSync(again, 'utf8')) as Run;
  } else {
    const count = Number(arg('count') ?? process.env.CORSPROOF_CASES ?? 4000);
    const seed = Number(arg('seed') ?? process.env.CORSPROOF_SEED ?? 20261127);
    const out = arg('out') ?? '/tmp/webkit-observations.json';
    run = await observe(count, seed, Number(arg('batch') ?? 1000));
    writeFileSync(out, JSON.stringify(run));
    process.stderr.write(`wrote ${out}\n`);
  }
  const text = summarise(run);
  const summaryOut = arg('summary') ?? '/tmp/webkit-summary.txt';
  writeFileSync(summaryOut, `${text}\n`);
  console.log(text);
  process.stderr.write(`summary also in ${summaryOut}\n`);
}

await main();
