import { describe, expect, it } from 'vitest';
import { colorEnabled } from './colors.js';

describe('colorEnabled', () => {
  it.each([
    ['a TTY', {}, true, true],
    ['a pipe', {}, false, false],
    ['a pipe in CI (picocolors alone would colour it)', { CI: 'true' }, false, false],
    ['a TTY with NO_COLOR', { NO_COLOR: '1' }, true, false],
    ['a TTY with an empty NO_COLOR (ignored, as no-color.org says)', { NO_COLOR: '' }, true, true],
    ['a pipe with FORCE_COLOR', { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR=0 (no forcing)', { FORCE_COLOR: '0' }, false, false],
    ['an empty FORCE_COLOR forces, as supports-color reads it', { FORCE_COLOR: '' }, false, true],
    ['NO_COLOR beats FORCE_COLOR', { NO_COLOR: '1', FORCE_COLOR: '1' }, false, false],
    ['TERM=dumb', { TERM: 'dumb' }, true, false],
  ])('%s', (_n, env, isTTY, expected) => {
    expect(colorEnabled(env as Record<string, string>, { isTTY })).toBe(expected);
  });
});
