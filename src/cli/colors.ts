/**
 * Colour for the terminal only: on when standard output is a TTY, off when
 * it is a pipe or a file (CI logs included), off with NO_COLOR
 * (https://no-color.org), on with FORCE_COLOR (e.g. `FORCE_COLOR=1 corsproof
 * check ... | less -R`).
 */
import { createColors } from 'picocolors';

/** Whether to colour output written to `stream` in this environment. */
export function colorEnabled(env: Record<string, string | undefined>, stream: { isTTY?: boolean }): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** picocolors with the decision above made once, for standard output. */
const pc = createColors(colorEnabled(process.env, process.stdout));
export default pc;
