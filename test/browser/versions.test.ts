/**
 * The releases the engine says it models (each profile's `version`, printed
 * in every JSON output) are the ones installed here, which the differential
 * suite proves it against. A new release fails here until the differential
 * suite has passed on it and the profile names it.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BROWSERS, WEBKIT } from '../../src/engine/browsers.js';
import { requireBrowser, requireWebKit } from './require-browser.js';

/** The installed release as the profile writes it: Chromium's major version; Firefox's major and "ESR" for an ESR build. */
function installed(kind: 'chromium' | 'firefox'): string {
  const text = execFileSync(requireBrowser(kind), ['--version'], { encoding: 'utf8' }).trim();
  const m = /(\d+)\.[\d.]+(esr)?/.exec(text);
  if (m === null) throw new Error(`cannot read a version in '${text}'`);
  return m[2] ? `${m[1]} ESR` : (m[1] as string);
}

describe('the modelled browser releases', () => {
  for (const kind of ['chromium', 'firefox'] as const) {
    it(`${kind}: the profile's version is the installed one`, () => {
      expect(BROWSERS[kind].version, `run the differential suite on the installed ${kind}, then set its profile's version`).toBe(installed(kind));
    });
  }
  it("webkit: the profile's version is the installed WebKitGTK release", () => {
    requireWebKit();
    const text = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).trim();
    const release = /^(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? text;
    expect(WEBKIT.version, "run the WebKit differential suite on the installed WebKitGTK, then set its profile's version").toBe(release);
  });
});
