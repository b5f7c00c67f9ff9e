import assert from "node:assert/strict";
import { test } from "node:test";
import { globMatch, keyFiltersProblem, MAX_KEY_FILTER_BYTES, MAX_KEY_FILTERS } from "./glob.ts";

/** Upstream's algorithm (greedy, retry from the last star), over UTF-8 bytes: the semantic reference. */
function reference(pattern: string, key: string): boolean {
  if (pattern === "*") return true;
  const p = Buffer.from(pattern);
  const t = Buffer.from(key);
  let ti = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === 0x3f || p[pi] === t[ti])) {
      ti++;
      pi++;
    } else if (pi < p.length && p[pi] === 0x2a) {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === 0x2a) pi++;
  return pi === p.length;
}

test("glob filters match whole keys, case-sensitively, with upstream's cases", () => {
  const cases: Array<[string, string, boolean]> = [
    ["user-*", "user-42", true],
    ["user-*", "user-", true],
    ["user-*", "xuser-1", false],
    ["user-*", "order-123", false],
    ["eu-west-?", "eu-west-1", true],
    ["eu-west-?", "eu-west-12", false],
    ["eu-west-?", "eu-west-", false],
    ["*", "", true],
    ["*", "anything", true],
    ["", "", true],
    ["", "a", false],
    ["User-*", "user-1", false],
    ["a.b+c", "a.b+c", true],
    ["a.b", "axb", false],
    ["(a|b)[x]", "(a|b)[x]", true],
    ["exact", "exact", true],
    ["exact", "other", false],
    ["eu-*-order", "eu-west-1-order", true],
    ["eu-*-order", "eu-west-1-payment", false],
    ["*-*-*", "a-b-c", true],
    ["*-*-*", "a-b", false],
    ["a*b*c", "abc", true],
    ["a*b*c", "aXbYbZc", true],
    ["a*b*c", "acb", false],
    ["**a**", "xa", true],
    ["*?", "", false],
    ["*?", "x", true],
    ["a?c*?e", "abcde", true],
    ["*ab?d*", "xxabcabxdyy", true],
    ["*ab?d*", "xxabcabxeyy", false],
    // bytes, as upstream: "é" is two bytes in UTF-8
    ["caf?", "café", false],
    ["caf??", "café", true],
    ["caf*", "café", true],
    ["é*", "éa", true],
  ];
  for (const [pattern, key, expected] of cases) {
    assert.equal(globMatch(pattern, key), expected, `${pattern} vs ${key}`);
    assert.equal(reference(pattern, key), expected, `reference: ${pattern} vs ${key}`);
  }
});

test("glob matching agrees with upstream's algorithm on random patterns and keys", () => {
  let seed = 42;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const patternAlphabet = ["a", "b", "?", "*", "é"];
  const keyAlphabet = ["a", "b", "é", "c"];
  for (let i = 0; i < 20_000; i++) {
    const pattern = Array.from({ length: random(9) }, () => patternAlphabet[random(5)]).join("");
    const key = Array.from({ length: random(12) }, () => keyAlphabet[random(4)]).join("");
    assert.equal(globMatch(pattern, key), reference(pattern, key), `${pattern} vs ${key}`);
  }
  // long `?` segments use several 32-bit words
  const long = `*${"a?".repeat(40)}b*`;
  assert.equal(globMatch(long, `x${"ab".repeat(40)}by`), true);
  assert.equal(globMatch(long, `x${"ab".repeat(40)}cy`), false);
  assert.equal(globMatch(long, `${"a".repeat(200)}b`), reference(long, `${"a".repeat(200)}b`));
});

test("pathological filters match in linear time", () => {
  const pattern = "*a*a*a*a*a*a*a*a*b";
  const key = "a".repeat(50);
  assert.equal(globMatch(pattern, key), false);
  const rounds = 1_000;
  const started = process.cpuUsage();
  for (let i = 0; i < rounds; i++) globMatch(pattern, key);
  const used = process.cpuUsage(started);
  const perMatch = (used.user + used.system) / 1000 / rounds;
  // A backtracking regex took 7.6 s for one match; linear matching takes about a microsecond.
  assert.ok(perMatch < 1, `${perMatch} ms per match`);

  // Worst cases at the filter size limit against a 1 MiB key (cost is linear in the key: about
  // 30 ms per MiB for the `?` cases on an idle machine; the bound leaves room for a busy one).
  const huge = Buffer.alloc(1024 * 1024, "a");
  const worst = [
    `*${"a?".repeat(126)}b*`,
    `*${"?".repeat(253)}b*`,
    `*${"a".repeat(253)}b*`,
    `*a?${"*a?".repeat(84)}b`,
    `${"*a".repeat(127)}b`,
  ];
  for (const filter of worst) {
    assert.ok(Buffer.byteLength(filter) <= MAX_KEY_FILTER_BYTES, filter);
    const cpu = process.cpuUsage();
    assert.equal(globMatch(filter, huge), false);
    const used = process.cpuUsage(cpu);
    const elapsed = (used.user + used.system) / 1000; // CPU time: CI machines are shared
    assert.ok(elapsed < 300, `${filter.slice(0, 20)}…: ${elapsed} ms of CPU`);
  }
});

test("key filter count and length are bounded", () => {
  assert.equal(keyFiltersProblem([]), undefined);
  assert.equal(keyFiltersProblem(["x".repeat(MAX_KEY_FILTER_BYTES)]), undefined);
  assert.match(keyFiltersProblem(["x".repeat(MAX_KEY_FILTER_BYTES + 1)]) ?? "", /at most 256 bytes/);
  assert.match(keyFiltersProblem(["é".repeat(129)]) ?? "", /got one of 258/);
  assert.match(keyFiltersProblem(Array(MAX_KEY_FILTERS + 1).fill("a")) ?? "", /at most 32 key filters/);
});
