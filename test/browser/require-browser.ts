/**
 * The browser binaries the suite drives. A missing browser fails the suite
 * with instructions; it is never skipped (`npm test` installs both on
 * Debian when run as root).
 */
import { existsSync } from 'node:fs';
import type { BrowserName } from '../../src/engine/types.js';

/** Where each browser lives: Debian's packages, or CORSPROOF_CHROMIUM / CORSPROOF_FIREFOX. */
export function browserPath(browser: BrowserName): string {
  return browser === 'chromium'
    ? (process.env.CORSPROOF_CHROMIUM ?? '/usr/bin/chromium')
    : (process.env.CORSPROOF_FIREFOX ?? '/usr/bin/firefox-esr');
}

/** Throw a clear error when the browser is not installed. */
export function requireBrowser(browser: BrowserName): string {
  const path = browserPath(browser);
  if (!existsSync(path)) {
    const pkg = browser === 'chromium' ? 'chromium' : 'firefox-esr';
    throw new Error(
      `${browser} is not installed at ${path}: the real-browser suite needs it. ` +
        `Install it with 'apt-get install -y ${pkg}' (npm test does this when run as root), ` +
        `or set ${browser === 'chromium' ? 'CORSPROOF_CHROMIUM' : 'CORSPROOF_FIREFOX'} to a binary.`,
    );
  }
  return path;
}

/** WebKit: WebKitGTK's MiniBrowser and the Xvfb it runs under (CORSPROOF_WEBKIT / CORSPROOF_XVFB). */
export function webkitPaths(): { miniBrowser: string; xvfb: string } {
  return {
    miniBrowser: process.env.CORSPROOF_WEBKIT ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
    xvfb: process.env.CORSPROOF_XVFB ?? '/usr/bin/Xvfb',
  };
}

/** Throw a clear error when WebKitGTK's MiniBrowser or Xvfb is not installed. */
export function requireWebKit(): { miniBrowser: string; xvfb: string } {
  const paths = webkitPaths();
  const missing = [
    { path: paths.miniBrowser, pkg: 'webkit2gtk-driver', env: 'CORSPROOF_WEBKIT' },
    { path: paths.xvfb, pkg: 'xvfb', env: 'CORSPROOF_XVFB' },
  ].filter((m) => !existsSync(m.path));
  if (missing.length > 0) {
    throw new Error(
      `WebKit is not runnable: ${missing.map((m) => m.path).join(' and ')} missing; the real-browser suite needs ` +
        `${missing.length > 1 ? 'them' : 'it'}. Install with 'apt-get install -y --no-install-recommends ` +
        `${missing.map((m) => m.pkg).join(' ')}' (npm test does this when run as root), or set ` +
        `${missing.map((m) => m.env).join(' / ')} to a binary.`,
    );
  }
  return paths;
}
