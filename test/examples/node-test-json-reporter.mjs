/**
 * A node:test reporter for test/examples/examples.test.ts: one JSON line per test that passed
 * or failed (suites left out), with its full name and, for a failure, the error's message
 * (the assertion's own, not node:test's wrapper around it).
 *
 *   node --test --test-reporter=./node-test-json-reporter.mjs --test-reporter-destination=out.jsonl
 */
export default async function* jsonLines(source) {
  const suites = [];
  for await (const event of source) {
    if (event.type === 'test:start') suites[event.data.nesting] = event.data.name;
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, details } = event.data;
    if (details.type === 'suite') continue;
    const fullName = [...suites.slice(0, nesting), name].join(' > ');
    const error = details.error;
    const message = error === undefined ? undefined : String((error.cause ?? error).message ?? error);
    yield `${JSON.stringify({ fullName, status: event.type === 'test:pass' ? 'passed' : 'failed', message })}\n`;
  }
}
