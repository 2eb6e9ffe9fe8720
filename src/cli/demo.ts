/**
 * `corsproof demo` (the default command, what `npm start` runs): the demo
 * APIs on loopback, each checked the way the browser checks it, each report
 * with Chromium's, Firefox's and WebKit's console lines.
 */
import { check } from '../doctor/check.js';
import { DEMO_PAGE, startDemos, stopDemos } from '../demo/servers.js';
import type { Command } from 'commander';
import pc from './colors.js';
import { renderVerdict } from './render.js';
import { browserList } from '../doctor/text.js';
import { BROWSERS_HELP, readBrowsers, stamped } from './io.js';

/** Run the demo; returns the exit code. */
export async function demoCommand(o: { json?: boolean; browsers?: string }): Promise<number> {
  const browsers = readBrowsers(o.browsers);
  const running = await startDemos();
  try {
    const reports = [];
    for (const r of running) {
      const d = r.demo;
      const report = await check({ url: r.url, origin: DEMO_PAGE, method: d.method, headers: d.headers, credentials: d.credentials }, { timeoutMs: 5000, ...(browsers !== undefined ? { browsers } : {}) });
      reports.push({ id: d.id, title: d.title, report });
    }
    if (o.json) {
      process.stdout.write(`${JSON.stringify(reports.map((r) => stamped({ id: r.id, title: r.title, verdict: r.report.verdict, layers: r.report.layers })), null, 2)}\n`);
      return 0;
    }
    const out: string[] = [
      pc.bold('corsproof demo: one local API per common CORS failure, checked the way Chromium, Firefox and WebKit (Safari) check it'),
      pc.dim(`(page origin ${DEMO_PAGE}; the APIs run on 127.0.0.1 and stop when the demo ends; \`npm start -- check <url> --origin <page>\` checks your own)`),
    ];
    reports.forEach((r, i) => {
      out.push('', pc.bold(`${i + 1}. ${r.title}`), renderVerdict(r.report.scenario, r.report.verdict));
      for (const note of r.report.layers.notes) out.push(`  ${pc.yellow('Note')}: ${note}`);
    });
    const passed = reports.filter((r) => r.report.verdict.ok).length;
    const where = browsers === undefined ? 'browsers' : browserList(browsers);
    out.push('', pc.bold(`${reports.length - passed} of ${reports.length} APIs fail in ${where}; the last one, behind corsproof's middleware, passes.`));
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await stopDemos(running);
  }
}


/** The `demo` command (the default). */
export function defineDemo(cmd: Command): void {
  cmd
    .command('demo', { isDefault: true })
    .description('Start local APIs with the common CORS failures, check each like a browser, and show the fix (what npm start runs).')
    .option('--json', 'print the verdicts as JSON')
    .option('--browsers <list>', BROWSERS_HELP)
    .action(async (options: { json?: boolean; browsers?: string }) => {
      process.exitCode = await demoCommand(options);
    });
}
