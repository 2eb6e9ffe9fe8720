/**
 * The HAR reader off the page's thread: a HAR of tens of thousands of
 * requests takes seconds to judge, and the page stays responsive meanwhile.
 * Bundled as its own classic script by scripts/build-site.mjs; the page
 * (inputs-view.ts) starts it when a HAR file is read and posts the File.
 * Nothing leaves the machine: the file is read here, the listing posted back.
 */
import type { HarOutcome } from './inputs.js';
import { readHarText } from './inputs.js';

/** The worker's global scope, as far as this file uses it (the page's tsconfig has the DOM's types, not the worker's). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<{ file: File }>) => void) | null;
  postMessage(message: HarOutcome): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (event) => {
  const { file } = event.data;
  file
    .text()
    .then((text) => scope.postMessage(readHarText(file.name, text)))
    .catch((e: unknown) => scope.postMessage({ ok: false, message: `${file.name} could not be read: ${(e as Error).message}` }));
};
