#!/usr/bin/env node
// Bootstraps what `npm start`, `npm test` and `npm run bench` need on a fresh clone:
// the npm dependencies and, with --browsers and --recipes, the Debian packages the test suites
// run (browsers; nginx, Caddy, Apache, Go, Flask, Django for the fix recipes).
// Uses only Node's standard library, because it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

// 2. Debian packages for the test suites, in one apt-get run: with --browsers, chromium,
//    firefox-esr, webkit2gtk-driver and xvfb (the real-browser suite); with --recipes, the
//    servers the recipe suite runs the fix recipes in (test/recipes/procs.ts names the same paths).
const wanted = [];
if (args.has('--browsers')) {
  wanted.push(
    { pkg: 'chromium', bin: process.env.CORSPROOF_CHROMIUM ?? '/usr/bin/chromium', what: 'the real-browser tests' },
    { pkg: 'firefox-esr', bin: process.env.CORSPROOF_FIREFOX ?? '/usr/bin/firefox-esr', what: 'the real-browser tests' },
    // WebKit: WebKitGTK's MiniBrowser (from libwebkit2gtk-4.1-0, which webkit2gtk-driver pulls in), run under Xvfb
    // (test/browser/webkit.ts).
    {
      pkg: 'webkit2gtk-driver',
      bin: process.env.CORSPROOF_WEBKIT ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
      what: 'the real-browser tests',
    },
    { pkg: 'xvfb', bin: process.env.CORSPROOF_XVFB ?? '/usr/bin/Xvfb', what: 'the real-browser tests (WebKit)' },
  );
}
if (args.has('--recipes')) {
  const what = 'the recipe tests';
  wanted.push(
    { pkg: 'nginx', bin: '/usr/sbin/nginx', what },
    { pkg: 'caddy', bin: '/usr/bin/caddy', what },
    { pkg: 'apache2-bin', bin: '/usr/sbin/apache2', what },
    { pkg: 'golang-go', bin: '/usr/bin/go', what },
    { pkg: 'golang-github-rs-cors-dev', bin: '/usr/share/gocode/src/github.com/rs/cors/cors.go', what },
    { pkg: 'python3', bin: '/usr/bin/python3', what },
    { pkg: 'python3-flask-cors', bin: '/usr/lib/python3/dist-packages/flask_cors/__init__.py', what },
    { pkg: 'python3-django-cors-headers', bin: '/usr/lib/python3/dist-packages/corsheaders/__init__.py', what },
  );
}
const missing = wanted.filter((w) => !existsSync(w.bin));
if (missing.length > 0) {
  const names = missing.map((w) => w.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (isRoot && hasApt) {
    log(`installing ${names.join(', ')} with apt-get (this takes a minute or two)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // Installing nginx, caddy or apache2 must not start them as system services (on port 80):
    // policy-rc.d answering 101 is Debian's way to say so, for the duration of this run only.
    const policy = '/usr/sbin/policy-rc.d';
    const ownPolicy = !existsSync(policy);
    if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    let ok;
    try {
      ok =
        run('apt-get', ['update', '-qq'], { env }) &&
        run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { env });
    } finally {
      if (ownPolicy) rmSync(policy, { force: true });
    }
    if (!ok) process.stderr.write(`corsproof: apt-get could not install ${names.join(', ')}.\n`);
  } else {
    for (const w of missing) process.stderr.write(`corsproof: ${w.what} need ${w.bin} (Debian package ${w.pkg}).\n`);
    process.stderr.write(
      `  On Debian/Ubuntu: sudo apt-get install -y --no-install-recommends ${names.join(' ')}\n` +
        (missing.some((w) => ['chromium', 'firefox-esr', 'webkit2gtk-driver', 'xvfb'].includes(w.pkg))
          ? '  Elsewhere: point CORSPROOF_CHROMIUM, CORSPROOF_FIREFOX, CORSPROOF_WEBKIT and CORSPROOF_XVFB at a Chromium,\n' +
            '  a Firefox ESR, a WebKitGTK MiniBrowser and an Xvfb binary.\n'
          : '') +
        '  Without them the suites that need them fail, naming what is missing; nothing is skipped.\n',
    );
  }
  const still = wanted.filter((w) => !existsSync(w.bin));
  if (still.length > 0 && process.env.CI === 'true') {
    process.stderr.write(`corsproof: CI=true and ${still.map((w) => w.bin).join(', ')} missing: failing the run.\n`);
    process.exit(1);
  }
}
