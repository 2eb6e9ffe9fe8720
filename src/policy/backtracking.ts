/**
 * Catastrophic backtracking in origin RegExps. The Origin header is
 * attacker-controlled, and a RegExp such as `/^https:\/\/([a-z]+)+\.com$/`
 * takes time exponential in its length on a crafted value: one request can
 * stall the server. This is a small static check over the RegExp's syntax
 * tree, conservative by design: it flags a repetition whose body can be
 * split between iterations in more than one way.
 *
 * - A repetition inside a repetition (`(a+)+`, `(\w+\s?)*`) is flagged
 *   unless something mandatory that the inner one cannot match separates the
 *   iterations (`([a-z0-9-]+\.)*` is fine: every iteration ends with a dot)
 *   or the outer body starts with a character the inner one cannot match.
 * - An alternation inside a repetition whose branches can start with the
 *   same character (`(a|ab)*`, `(\w|\d)+`) is flagged.
 * - Three or more long repetitions in a row that can all match the same
 *   character, with nothing between them that they cannot match
 *   (`\w*\w*\w*`, `[a-z0-9]+-?[a-z0-9]+-?[a-z0-9]+`), are flagged: the
 *   time is polynomial, of a degree that grows with each one (three take
 *   seconds on a 2048-byte Origin). Two in a row (milliseconds) pass.
 *
 * Characters are tracked as ASCII code points plus one bucket for the rest
 * (origins are ASCII). Constructs it cannot reason about (backreferences,
 * Unicode property escapes) count as "any character".
 */

/** A set of characters: 128 ASCII code points, then one bucket for all others. */
type CharSet = Uint8Array;
const SIZE = 129;
const OTHER = 128;

type Node =
  | { kind: 'chars'; set: CharSet }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; branches: Node[] }
  | { kind: 'repeat'; body: Node; min: number; max: number }
  | { kind: 'empty' };

function emptySet(): CharSet {
  return new Uint8Array(SIZE);
}
function anySet(): CharSet {
  return new Uint8Array(SIZE).fill(1);
}
function setOf(...codes: number[]): CharSet {
  const s = emptySet();
  for (const c of codes) s[c < 128 ? c : OTHER] = 1;
  return s;
}
function range(s: CharSet, from: number, to: number): void {
  for (let c = from; c <= to; c++) s[c < 128 ? c : OTHER] = 1;
  if (to >= 128) s[OTHER] = 1;
}
function union(a: CharSet, b: CharSet): CharSet {
  const s = emptySet();
  for (let i = 0; i < SIZE; i++) s[i] = (a[i] ?? 0) | (b[i] ?? 0);
  return s;
}
function invert(a: CharSet): CharSet {
  const s = emptySet();
  for (let i = 0; i < SIZE; i++) s[i] = a[i] ? 0 : 1;
  s[OTHER] = 1;
  return s;
}
function intersects(a: CharSet, b: CharSet): boolean {
  for (let i = 0; i < SIZE; i++) if (a[i] && b[i]) return true;
  return false;
}
function foldCase(a: CharSet): CharSet {
  const s = a.slice();
  for (let c = 65; c <= 90; c++) if (a[c] || a[c + 32]) s[c] = s[c + 32] = 1;
  return s;
}

function classEscape(letter: string): CharSet | null {
  const digits = emptySet();
  range(digits, 48, 57);
  const word = emptySet();
  range(word, 48, 57);
  range(word, 65, 90);
  range(word, 97, 122);
  word[95] = 1;
  const space = setOf(9, 10, 11, 12, 13, 32);
  space[OTHER] = 1;
  switch (letter) {
    case 'd':
      return digits;
    case 'D':
      return invert(digits);
    case 'w':
      return word;
    case 'W':
      return invert(word);
    case 's':
      return space;
    case 'S':
      return invert(space);
    default:
      return null;
  }
}

/** A recursive-descent parser for JavaScript RegExp source, enough to see its structure. */
class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly ignoreCase: boolean,
  ) {}

  parse(): Node {
    const node = this.alternation();
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alternation(): Node {
    const branches = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    return branches.length === 1 ? (branches[0] as Node) : { kind: 'alt', branches };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return { kind: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.peek() === '?') this.i++; // lazy: the same search space
    return { kind: 'repeat', body: atom, min, max };
  }

  private chars(set: CharSet): Node {
    return { kind: 'chars', set: this.ignoreCase ? foldCase(set) : set };
  }

  private atom(): Node {
    const c = this.src[this.i++] as string;
    if (c === '^' || c === '$') return { kind: 'empty' };
    if (c === '.') return this.chars(invert(setOf(10, 13)));
    if (c === '[') return this.chars(this.characterClass());
    if (c === '\\') return this.escape();
    if (c === '(') {
      let lookaround = false;
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (/^\?<?[=!]/.test(this.src.slice(this.i))) {
        lookaround = true;
        this.i += this.src[this.i + 1] === '<' ? 3 : 2;
      } else if (this.src.startsWith('?<', this.i)) {
        this.i = this.src.indexOf('>', this.i) + 1;
      }
      const inner = this.alternation();
      if (this.peek() === ')') this.i++;
      return lookaround ? { kind: 'empty' } : inner;
    }
    return this.chars(setOf(c.codePointAt(0) ?? 0));
  }

  private escape(): Node {
    const c = this.src[this.i++] ?? '';
    const cls = classEscape(c);
    if (cls) return this.chars(cls);
    if (c === 'b' || c === 'B') return { kind: 'empty' };
    if (/[1-9]/.test(c) || c === 'k' || c === 'p' || c === 'P') {
      // Backreferences and property escapes: anything, as far as this check knows.
      if (c === 'k' || c === 'p' || c === 'P') this.skipBraced();
      return this.chars(anySet());
    }
    return this.chars(setOf(this.escapedCode(c)));
  }

  private skipBraced(): void {
    if (this.peek() === '{' || this.peek() === '<') {
      const close = this.src.indexOf(this.peek() === '{' ? '}' : '>', this.i);
      this.i = close < 0 ? this.src.length : close + 1;
    }
  }

  /** The code point of an escaped character (after the backslash, already consumed). */
  private escapedCode(c: string): number {
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, f: 12, '0': 0 };
    if (c in simple) return simple[c] as number;
    if (c === 'x' || c === 'u') {
      const m = c === 'x' ? /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i)) : /^(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]+\})/.exec(this.src.slice(this.i));
      if (m) {
        this.i += m[0].length;
        return parseInt(m[0].replace(/[{}]/g, ''), 16);
      }
    }
    if (c === 'c') {
      const letter = this.src[this.i++] ?? '@';
      return (letter.codePointAt(0) ?? 64) % 32;
    }
    return c.codePointAt(0) ?? 0;
  }

  private characterClass(): CharSet {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    const set = emptySet();
    let first = true;
    while (this.i < this.src.length && (this.peek() !== ']' || first)) {
      first = false;
      const lo = this.classAtom(set);
      if (lo === null) continue;
      if (this.peek() === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const hi = this.classAtom(set);
        if (hi === null) {
          set[45] = 1;
          set[lo < 128 ? lo : OTHER] = 1;
        } else range(set, Math.min(lo, hi), Math.max(lo, hi));
      } else set[lo < 128 ? lo : OTHER] = 1;
    }
    this.i++; // ]
    return negated ? invert(set) : set;
  }

  /** One class member: its code point, or `null` when it was a class escape (added to `set` directly). */
  private classAtom(set: CharSet): number | null {
    const c = this.src[this.i++] as string;
    if (c !== '\\') return c.codePointAt(0) ?? 0;
    const e = this.src[this.i++] ?? '';
    const cls = classEscape(e);
    if (cls) {
      for (let k = 0; k < SIZE; k++) if (cls[k]) set[k] = 1;
      return null;
    }
    if (e === 'b') return 8;
    if (e === 'p' || e === 'P') {
      this.skipBraced();
      set.fill(1);
      return null;
    }
    return this.escapedCode(e);
  }
}

function nullable(n: Node): boolean {
  switch (n.kind) {
    case 'chars':
      return false;
    case 'empty':
      return true;
    case 'seq':
      return n.items.every(nullable);
    case 'alt':
      return n.branches.some(nullable);
    case 'repeat':
      return n.min === 0 || nullable(n.body);
  }
}

/** The characters a match of `n` can start with. */
function firstSet(n: Node): CharSet {
  switch (n.kind) {
    case 'chars':
      return n.set;
    case 'empty':
      return emptySet();
    case 'seq': {
      let s = emptySet();
      for (const item of n.items) {
        s = union(s, firstSet(item));
        if (!nullable(item)) break;
      }
      return s;
    }
    case 'alt':
      return n.branches.reduce((s, b) => union(s, firstSet(b)), emptySet());
    case 'repeat':
      return firstSet(n.body);
  }
}

/** Every character a match of `n` can contain. */
function allChars(n: Node): CharSet {
  switch (n.kind) {
    case 'chars':
      return n.set;
    case 'empty':
      return emptySet();
    case 'seq':
      return n.items.reduce((s, i) => union(s, allChars(i)), emptySet());
    case 'alt':
      return n.branches.reduce((s, b) => union(s, allChars(b)), emptySet());
    case 'repeat':
      return allChars(n.body);
  }
}

/** The repetitions inside `n` (not inside each other), each with what must follow it inside `n`. */
function innerRepeats(n: Node, cont: Node[], out: Array<{ repeat: Extract<Node, { kind: 'repeat' }>; cont: Node[] }>): void {
  switch (n.kind) {
    case 'seq':
      n.items.forEach((item, k) => innerRepeats(item, [...n.items.slice(k + 1), ...cont], out));
      return;
    case 'alt':
      for (const b of n.branches) innerRepeats(b, cont, out);
      return;
    case 'repeat':
      if (n.max > 1) out.push({ repeat: n, cont });
      else innerRepeats(n.body, cont, out);
      return;
    default:
      return;
  }
}

/** Alternations inside `n` whose branches can start alike (or match the empty string). */
function ambiguousAlternation(n: Node): boolean {
  switch (n.kind) {
    case 'seq':
      return n.items.some(ambiguousAlternation);
    case 'repeat':
      return ambiguousAlternation(n.body);
    case 'alt': {
      const firsts = n.branches.map(firstSet);
      for (let a = 0; a < n.branches.length; a++) {
        if (nullable(n.branches[a] as Node)) return true;
        for (let b = a + 1; b < n.branches.length; b++) if (intersects(firsts[a] as CharSet, firsts[b] as CharSet)) return true;
      }
      return n.branches.some(ambiguousAlternation);
    }
    default:
      return false;
  }
}

/** What makes a repetition ambiguous, in words, or `null`. */
function repeatProblem(q: Extract<Node, { kind: 'repeat' }>): string | null {
  if (ambiguousAlternation(q.body)) return 'an alternation inside a repetition whose branches can match the same text';
  const inner: Array<{ repeat: Extract<Node, { kind: 'repeat' }>; cont: Node[] }> = [];
  innerRepeats(q.body, [], inner);
  const start = firstSet(q.body);
  for (const { repeat, cont } of inner) {
    const chars = allChars(repeat.body);
    const separated = cont.some((next) => !nullable(next) && !intersects(allChars(next), chars));
    if (!separated && intersects(start, chars)) return 'a repetition inside a repetition that can split the same text in many ways';
  }
  return null;
}

/** A repetition long enough to matter: unbounded, or more than this many times. */
const LONG_REPEAT = 64;

/**
 * How many long repetitions in a row, in this sequence, can all match one
 * same character: per character, a long repetition that can match it adds
 * one, something mandatory that cannot match it ends the run, and what can
 * match the empty string is passed over.
 */
function longestOverlappingRun(items: readonly Node[]): number {
  const run = new Uint16Array(SIZE);
  let best = 0;
  for (const item of items) {
    const chars = allChars(item);
    const isLong = item.kind === 'repeat' && item.max > LONG_REPEAT;
    const mandatory = !nullable(item);
    for (let c = 0; c < SIZE; c++) {
      if (chars[c] && isLong) best = Math.max(best, ++run[c]!);
      else if (!chars[c] && mandatory) run[c] = 0;
    }
  }
  return best;
}

function findProblem(n: Node): string | null {
  switch (n.kind) {
    case 'seq':
      if (longestOverlappingRun(n.items) >= 3) return 'three or more repetitions in a row that can match the same characters';
      for (const item of n.items) {
        const p = findProblem(item);
        if (p) return p;
      }
      return null;
    case 'alt':
      for (const b of n.branches) {
        const p = findProblem(b);
        if (p) return p;
      }
      return null;
    case 'repeat':
      return (n.max > 1 ? repeatProblem(n) : null) ?? findProblem(n.body);
    default:
      return null;
  }
}

/**
 * Why matching `re` can take exponential (or steeply polynomial) time on a
 * crafted input, in plain words, or `null` when this check finds no such
 * shape.
 */
export function catastrophicBacktracking(re: RegExp): string | null {
  return findProblem(new Parser(re.source, re.flags.includes('i')).parse());
}
