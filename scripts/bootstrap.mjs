#!/usr/bin/env node
// Bootstraps what `npm start`, `npm test` and `npm run bench` need on a fresh clone:
// the npm dependencies and, with --browsers, Debian's chromium and firefox-esr.
// Uses only Node's standard library, because it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const log = (msg) => {
  if (!quiet) process.stderr.write(`[bootstrap] ${msg}\n`);
};

function run(cmd, cmdArgs, options = {}) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', ...options });
  return result.status === 0;
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

// 1. npm dependencies: install when node_modules is missing or older than the lock file.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || mtime(installed) < mtime(lock)) {
  log('installing npm dependencies (npm ci)');
  const ok = run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  if (!ok) {
    process.stderr.write('corsproof: `npm ci` failed; see the npm output above.\n');
    process.exit(1);
  }
}

// 2. Browsers, for the real-browser test suite.
if (args.has('--browsers')) {
  const wanted = [
    { pkg: 'chromium', bin: process.env.CORSPROOF_CHROMIUM ?? '/usr/bin/chromium' },
    { pkg: 'firefox-esr', bin: process.env.CORSPROOF_FIREFOX ?? '/usr/bin/firefox-esr' },
  ];
  const missing = wanted.filter((b) => !existsSync(b.bin));
  if (missing.length > 0) {
    const names = missing.map((b) => b.pkg);
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const hasApt = existsSync('/usr/bin/apt-get');
    if (isRoot && hasApt) {
      log(`installing ${names.join(' and ')} with apt-get (this takes a minute or two)`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const ok =
        run('apt-get', ['update', '-qq'], { env }) &&
        run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { env });
      if (!ok) process.stderr.write(`corsproof: apt-get could not install ${names.join(', ')}.\n`);
    } else {
      process.stderr.write(
        `corsproof: the real-browser tests need ${names.join(' and ')}.\n` +
          `  On Debian/Ubuntu: sudo apt-get install -y ${names.join(' ')}\n` +
          '  Elsewhere: point CORSPROOF_CHROMIUM and CORSPROOF_FIREFOX at a Chromium and a Firefox ESR binary.\n',
      );
    }
    const still = wanted.filter((b) => !existsSync(b.bin));
    if (still.length > 0 && process.env.CI === 'true') {
      process.stderr.write(`corsproof: CI=true and ${still.map((b) => b.bin).join(', ')} missing: failing the run.\n`);
      process.exit(1);
    }
  }
}
