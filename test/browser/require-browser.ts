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
