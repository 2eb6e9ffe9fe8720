/**
 * The README's failure message under "Testing your CORS" is real output:
 * the assertion's message for the app it describes, up to the recipe's
 * first lines. Regenerate it with CORSPROOF_UPDATE_README=1.
 */
import { AssertionError } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import express from 'express';
import peerCors from 'cors';
import { expectCors } from '../../src/testing/index.js';

const README = new URL('../../README.md', import.meta.url);
const START = '<!-- testing-failure: start -->\n';
const END = '<!-- testing-failure: end -->\n';

describe('the README failure message', () => {
  it('is what toPass() rejects with for the app it describes', async () => {
    const app = express();
    app.use(peerCors({ origin: '*', credentials: true }));
    app.get('/me', (_req, res) => void res.json({ name: 'Ada' }));
    const error = await expectCors(app)
      .from('https://app.example.com')
      .fetch('/me', { credentials: 'include' })
      .toPass()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AssertionError);
    const lines = (error as AssertionError).message.split('\n');
    const recipe = lines.findIndex((l) => l.startsWith('  Fix for '));
    expect(recipe).toBeGreaterThan(0);
    const block = `\`\`\`\n${[...lines.slice(0, recipe + 5), '    ...'].join('\n')}\n\`\`\`\n`;
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const current = readme.slice(start + START.length, end);
    if (process.env.CORSPROOF_UPDATE_README === '1' && current !== block) {
      writeFileSync(README, readme.slice(0, start + START.length) + block + readme.slice(end));
      return;
    }
    expect(current).toBe(block);
  });
});
