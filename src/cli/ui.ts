/**
 * `corsproof ui`: the playground page served on 127.0.0.1 (src/ui/server.ts
 * says how it keeps other websites out), the URL printed with this launch's
 * token, no browser opened unless `--open` asks. Runs until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SiteMissingError, startUiServer } from '../ui/server.js';
import type { UiServer } from '../ui/server.js';
import { UsageError, readTimeoutMs } from './io.js';

/** The options as commander gives them. */
export interface UiCliOptions {
  port?: string;
  open?: boolean;
  timeout: string;
}

/** The built page: dist/site next to dist/cli (from the sources, src/cli, the build's dist/site too). */
export function siteDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, '..', 'site');
  return existsSync(join(beside, 'main.ts')) ? join(here, '..', '..', 'dist', 'site') : beside;
}

function readPort(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port must be a port number (0 to 65535), not '${value}'`);
  return port;
}

/** Open a URL with the desktop's opener; a failure is a note, never an error. */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command as string, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => process.stderr.write(`corsproof ui: could not start ${command as string}; open the URL above yourself.\n`));
    child.unref();
  } catch {
    process.stderr.write(`corsproof ui: could not open a browser; open the URL above yourself.\n`);
  }
}

/** Resolve on the first SIGINT or SIGTERM; a second one (a live check still waiting for its URL) exits at once. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    const stop = (signal: string): void => {
      if (seen) process.exit(130);
      seen = true;
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Run `corsproof ui` until Ctrl-C; returns the exit code. */
export async function uiCommand(o: UiCliOptions): Promise<number> {
  const port = readPort(o.port);
  const timeoutMs = readTimeoutMs(o.timeout);
  let server: UiServer;
  try {
    server = await startUiServer({ siteDir: siteDir(), port, timeoutMs });
  } catch (e) {
    if (e instanceof SiteMissingError) throw new UsageError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new UsageError(`--port ${port}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'not allowed to listen there'}`);
    throw e;
  }
  // Listening for Ctrl-C before the URL is out: whoever reads it may stop the server at once.
  const stopped = stopSignal();
  process.stdout.write(
    `corsproof ui: the playground is at\n\n  ${server.pageUrl}\n\n` +
      'Open it in a browser on this machine. The token after # is this launch\'s: browsers never send it over the network, and the API refuses calls without it.\n' +
      'Listening on 127.0.0.1 only. Ctrl-C stops.\n',
  );
  if (o.open === true) openInBrowser(server.pageUrl);
  await stopped;
  await server.close();
  process.stdout.write('corsproof ui: stopped.\n');
  return 0;
}

/** The `ui` command, with its options and help. */
export function defineUi(cmd: Command): void {
  cmd
    .command('ui')
    .description('Serve the playground page on 127.0.0.1: any CORS scenario judged as you type, and live checks of URLs through this machine.')
    .option('--port <port>', 'listen on this port (default: a free one)')
    .option('--open', 'open the page in the default browser')
    .option('--timeout <seconds>', 'live checks: give up on a request after this long', '10')
    .addHelpText(
      'after',
      `
The page works offline in any browser; only the live check needs this server. It answers on
127.0.0.1 only, to its own page only (Host and Origin checked), and its API needs the token printed
in the URL. npm run build:site writes the same page as a static site (without the live check).`,
    )
    .action(async (options: UiCliOptions) => {
      process.exitCode = await uiCommand(options);
    });
}
