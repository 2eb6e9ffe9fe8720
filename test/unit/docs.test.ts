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

/** The cells of each row of the table whose header line is `header`, backticks dropped. */
function tableRows(header: string): string[][] {
  const start = readme.indexOf(header);
  expect(start, `README has the table '${header}'`).toBeGreaterThan(-1);
  return readme
    .slice(start)
    .split('\n\n')[0]!
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').map((cell) => cell.trim().replace(/`/g, '')));
}

describe('README', () => {
  it('lists every config problem code createPolicy reports, and no other', () => {
    expect(new Set(tableCodes('### Validation rules'))).toEqual(new Set(Object.keys(CONFIG_PROBLEMS)));
  });
  it("has the reason table as the code has it: each row's id, Firefox reason, Chromium name and WebKit template id, and no other row", () => {
    const readmeRows = tableRows('| id | Firefox reason | Chromium | WebKit | what it means |').map((cells) => cells.slice(1, 6));
    const code = [
      ...REASONS.map((r) => [r.id, r.firefox?.reason ?? '-', r.chromium ? (r.chromium.corsError ?? r.chromium.netError ?? '-') : '-', r.webkit?.id ?? '-', r.title]),
      ...WARNINGS.map((w) => [`${w.id} (warning)`, w.firefox?.key ?? '-', '-', '-', w.title]),
    ];
    expect(readmeRows).toEqual(code);
  });
  it("has the scanner's finding table as the code has it: each id, its severity rule and its reason, and no other row", () => {
    const rows = tableRows('| id | severity | why |').map((cells) => cells.slice(1, 4));
    const severity = (reach: string | null, fixed: string): string => (reach === null ? fixed : reach === 'any-website' ? 'high / low' : 'medium / low');
    expect(rows).toEqual(FINDINGS.map((f) => [f.id, severity(f.reach, f.severity), f.reason]));
  });
});
