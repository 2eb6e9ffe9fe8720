import { describe, expect, it } from 'vitest';
import { catastrophicBacktracking } from './backtracking.js';

describe('catastrophicBacktracking', () => {
  it.each([
    [/^https:\/\/([a-z]+)+\.example\.com$/, 'repetition inside a repetition'],
    [/^https:\/\/(?:\w+\s?)*\.example\.com$/, 'repetition inside a repetition'],
    [/^https:\/\/(a*)*b$/, 'repetition inside a repetition'],
    [/^https:\/\/(?:x[a-z]+)*\.com$/, 'repetition inside a repetition'],
    [/^https:\/\/(a|ab)*c$/, 'alternation'],
    [/^https:\/\/(?:\w|\d)+\.com$/, 'alternation'],
    [/^https:\/\/(?:a|)+\.com$/, 'alternation'],
    [/^https:\/\/([A-Z]+)+$/i, 'repetition inside a repetition'],
    [/^https:\/\/(?:[a-z0-9-]{1,63})+\.example\.com$/, 'repetition inside a repetition'],
  ])('flags %s', (re, words) => {
    expect(catastrophicBacktracking(re)).toContain(words);
  });
  it.each([
    /^https:\/\/([a-z0-9-]+\.)*example\.com$/,
    /^https:\/\/(?:[a-z0-9-]+\.)+example\.com$/,
    /^https:\/\/[a-z0-9-]+\.example\.com$/,
    /^https:\/\/(app|api)\.example\.com$/,
    /^https?:\/\/localhost(:\d+)?$/,
    /^https:\/\/(?:x[0-9]+)*\.com$/,
    /^https:\/\/pr-\d+\.preview\.example\.com$/,
    /^https:\/\/(?:a|b)+\.com$/,
    /^https:\/\/[^/]+\.example\.com$/,
    /^https:\/\/(?=a)(?:[a-z]+-)*[a-z]+\.example\.com$/,
    /^https:\/\/\u0061[\x61-\x7a]+\.com$/,
  ])('lets %s through', (re) => {
    expect(catastrophicBacktracking(re)).toBeNull();
  });
});
