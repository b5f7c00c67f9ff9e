/**
 * Key-Shared key filters: whole-key, case-sensitive globs where `*` matches any run of bytes and
 * `?` exactly one byte, over UTF-8 (upstream matches bytes too, so `?` against "é" fails and `??`
 * matches). Matching never backtracks: the pattern is split at its stars into segments; the first
 * is anchored at the start, the last at the end, and each middle one is placed at its leftmost
 * occurrence after the previous one (leftmost placement never loses a match). Each search is
 * native `indexOf` for `?`-free segments and a bit-parallel shift-and otherwise, so a match costs
 * O(key bytes × ⌈segment bytes / 32⌉) at worst, whatever the number of stars.
 */

/** Limits checked at subscribe time; a routing key is matched against every filter of every consumer. */
export const MAX_KEY_FILTERS = 32;
export const MAX_KEY_FILTER_BYTES = 256;

interface Segment {
  bytes: Buffer;
  /** Shift-and masks (256 × words), only for segments containing `?`. */
  masks: Uint32Array | undefined;
  words: number;
}

interface CompiledGlob {
  /** No star: the key must have exactly this shape. */
  exact: Segment | undefined;
  prefix: Segment;
  middle: Segment[];
  suffix: Segment;
}

const QUESTION = 0x3f;
const STAR = 0x2a;

function segment(bytes: Buffer): Segment {
  if (!bytes.includes(QUESTION)) return { bytes, masks: undefined, words: 0 };
  const words = Math.ceil(bytes.length / 32);
  const masks = new Uint32Array(256 * words);
  for (let j = 0; j < bytes.length; j++) {
    const word = j >>> 5;
    const bit = 1 << (j & 31);
    if (bytes[j] === QUESTION) {
      for (let c = 0; c < 256; c++) masks[c * words + word]! |= bit;
    } else {
      masks[(bytes[j] as number) * words + word]! |= bit;
    }
  }
  return { bytes, masks, words };
}

function compile(pattern: string): CompiledGlob {
  const bytes = Buffer.from(pattern, "utf8");
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === STAR) {
      parts.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (parts.length === 1) {
    const only = segment(parts[0] as Buffer);
    return { exact: only, prefix: only, middle: [], suffix: only };
  }
  const middle = parts
    .slice(1, -1)
    .filter((p) => p.length > 0)
    .map(segment);
  return {
    exact: undefined,
    prefix: segment(parts[0] as Buffer),
    middle,
    suffix: segment(parts[parts.length - 1] as Buffer),
  };
}

/** Does `seg` match `key` at `at` (bounds already checked)? */
function matchesAt(seg: Segment, key: Buffer, at: number): boolean {
  const { bytes } = seg;
  for (let j = 0; j < bytes.length; j++) {
    const p = bytes[j];
    if (p !== QUESTION && p !== key[at + j]) return false;
  }
  return true;
}

/** Leftmost start of `seg` in key[from, to), or -1. */
function find(seg: Segment, key: Buffer, from: number, to: number): number {
  const length = seg.bytes.length;
  if (to - from < length) return -1;
  if (!seg.masks) {
    const found = key.subarray(from, to).indexOf(seg.bytes);
    return found < 0 ? -1 : from + found;
  }
  const { masks, words } = seg;
  const state = new Uint32Array(words);
  const lastWord = (length - 1) >>> 5;
  const lastBit = 1 << ((length - 1) & 31);
  for (let i = from; i < to; i++) {
    const base = (key[i] as number) * words;
    let carry = 1; // a new partial match may start at every position
    for (let w = 0; w < words; w++) {
      const value = state[w] as number;
      state[w] = ((value << 1) | carry) & (masks[base + w] as number);
      carry = value >>> 31;
    }
    if ((state[lastWord] as number) & lastBit) return i - length + 1;
  }
  return -1;
}

const cache = new Map<string, CompiledGlob>();
const CACHE_LIMIT = 1024;

function compiled(pattern: string): CompiledGlob {
  let glob = cache.get(pattern);
  if (!glob) {
    glob = compile(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, glob);
  }
  return glob;
}

/** Whole-key match of `key` against the glob `pattern` (see the module comment for the rules). */
export function globMatch(pattern: string, key: string | Buffer): boolean {
  if (pattern === "*") return true;
  const glob = compiled(pattern);
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  if (glob.exact) return bytes.length === glob.exact.bytes.length && matchesAt(glob.exact, bytes, 0);
  const { prefix, suffix } = glob;
  if (bytes.length < prefix.bytes.length + suffix.bytes.length) return false;
  if (!matchesAt(prefix, bytes, 0)) return false;
  const end = bytes.length - suffix.bytes.length;
  if (!matchesAt(suffix, bytes, end)) return false;
  let position = prefix.bytes.length;
  for (const seg of glob.middle) {
    const found = find(seg, bytes, position, end);
    if (found < 0) return false;
    position = found + seg.bytes.length;
  }
  return true;
}

/** Why `filters` cannot be used as key filters, or undefined when they can. */
export function keyFiltersProblem(filters: readonly string[]): string | undefined {
  if (filters.length > MAX_KEY_FILTERS) {
    return `at most ${MAX_KEY_FILTERS} key filters are allowed, got ${filters.length}`;
  }
  for (const filter of filters) {
    const length = Buffer.byteLength(filter, "utf8");
    if (length > MAX_KEY_FILTER_BYTES) {
      return `a key filter may be at most ${MAX_KEY_FILTER_BYTES} bytes, got one of ${length}`;
    }
  }
  return undefined;
}
