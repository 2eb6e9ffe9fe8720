/** The patterns proposed instead of an origin RegExp, as a table: RegExp → patterns (null: none can be read). */
import { describe, expect, it } from 'vitest';
import { suggestPatterns } from './origins.js';

const rows: Array<[RegExp, string[] | null]> = [
  [/example\.com$/, ['https://example.com', 'https://*.example.com']],
  [/example\.com/, ['https://example.com', 'https://*.example.com']],
  [/example.com/, ['https://example.com', 'https://*.example.com']],
  [/(^|\.)x-bro\.com$/, ['https://x-bro.com', 'https://*.x-bro.com']],
  [/:\/\/(.+\.)?example\.com$/, ['https://example.com', 'https://*.example.com']],
  [/^https?:\/\/(www\.)?example\.com$/, ['https://example.com', 'https://www.example.com']],
  [/^(?:www\.)?fubaclicker\.com\.br$/, ['https://fubaclicker.com.br', 'https://www.fubaclicker.com.br']],
  [/^https:\/\/.*\.example\.com$/, ['https://*.example.com']],
  [/\.localhost(:\d+)?$/, ['http://*.localhost:*']],
  [/^http:\/\/localhost:\d+$/, ['http://localhost:*']],
  [/localhost:3000$/, ['http://localhost:3000', 'http://*.localhost:3000']],
  [/^https:\/\/([a-z0-9-]+\.)*example\.com$/, ['https://example.com', 'https://*.example.com']],
  [/^/, null],
  [/foo|bar/, null],
];

describe('suggestPatterns', () => {
  it.each(rows)('%s', (re, expected) => {
    expect(suggestPatterns(re)).toEqual(expected);
  });
});
