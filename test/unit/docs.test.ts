/** The README's reference tables say what the code's tables say. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASONS, WARNINGS } from '../../src/engine/reasons.js';
import { CONFIG_PROBLEMS } from '../../src/policy/errors.js';
import { FINDINGS } from '../../src/policy/findings.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The backticked codes in the first column of the table under a heading. */
function tableCodes(heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README has '${heading}'`).toBeGreaterThan(-1);
  const section = readme.slice(start + heading.length + 2).split(/\n#{2,3} /)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([a-z-]+)`/g)].map((m) => m[1] as string));
}

describe('README', () => {
  it('lists every config problem code createPolicy reports, and no other', () => {
    expect(new Set(tableCodes('### Validation rules'))).toEqual(new Set(Object.keys(CONFIG_PROBLEMS)));
  });
  it("has the reason table as the code has it: each row's id, Firefox reason and Chromium name, and no other row", () => {
    const start = readme.indexOf('| id | Firefox reason | Chromium | what it means |');
    expect(start).toBeGreaterThan(-1);
    const rows = readme
      .slice(start)
      .split('\n\n')[0]!
      .split('\n')
      .slice(2)
      .map((line) => line.split('|').map((cell) => cell.trim().replace(/`/g, '')));
    const readmeRows = rows.map((cells) => [cells[1], cells[2], cells[3], cells[4]]);
    const code = [
      ...REASONS.map((r) => [r.id, r.firefox?.reason ?? '-', r.chromium ? (r.chromium.corsError ?? r.chromium.netError ?? '-') : '-', r.title]),
      ...WARNINGS.map((w) => [`${w.id} (warning)`, w.firefox?.key ?? '-', '-', w.title]),
    ];
    expect(readmeRows).toEqual(code);
  });
  it("has the scanner's finding table as the code has it: each id, its severity rule and its reason, and no other row", () => {
    const start = readme.indexOf('| id | severity | why |');
    expect(start).toBeGreaterThan(-1);
    const rows = readme
      .slice(start)
      .split('\n\n')[0]!
      .split('\n')
      .slice(2)
      .map((line) => line.split('|').slice(1, 4).map((cell) => cell.trim().replace(/`/g, '')));
    const severity = (reach: string | null, fixed: string): string => (reach === null ? fixed : reach === 'any-website' ? 'high / low' : 'medium / low');
    expect(rows).toEqual(FINDINGS.map((f) => [f.id, severity(f.reach, f.severity), f.reason]));
  });
});
