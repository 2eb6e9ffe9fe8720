/** The public surface: what `corsproof` exports at run time is what a user needs, and nothing internal. */
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import * as doctor from '../../src/doctor/index.js';
import * as testing from '../../src/testing/index.js';

describe('package exports', () => {
  it("corsproof: the engine, the policy and their tables", () => {
    expect(Object.keys(root).sort()).toEqual([
      'BROWSER_NAMES',
      'CONFIG_PROBLEMS',
      'CorsConfigError',
      'MAX_AGE_CAPS',
      'MODELED_VERSIONS',
      'REASONS',
      'REDIRECT_LIMIT',
      'ScenarioError',
      'WARNINGS',
      'answersPreflight',
      'chromiumMessage',
      'createPolicy',
      'evaluate',
      'evaluateIn',
      'firefoxMessage',
      'mergeVary',
      'readConsoleLine',
      'reason',
      'validateScenario',
      'warning',
      'webkitConsole',
    ]);
  });
  it('corsproof/doctor: check and the cURL and HAR readers', () => {
    expect(Object.keys(doctor).sort()).toEqual(['CurlError', 'HarError', 'NetworkFailure', 'check', 'diagnoseHar', 'parseCurl', 'recipesForReport']);
  });
  it('corsproof/testing: expectCors and what it returns', () => {
    expect(Object.keys(testing).sort()).toEqual(['AttackerExpectation', 'CorsExpectation', 'CorsPage', 'CorsRequestExpectation', 'DEFAULT_APP_URL', 'expectCors']);
  });
});
