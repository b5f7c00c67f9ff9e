import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkWithLimits, PairChecker, relocate, TOO_COMPLEX, TOO_DEEP } from "./pair-check.ts";

interface N {
  kids: N[];
  bad?: boolean;
}

/** Compatible unless some reachable node is `bad`; kids are compared pairwise. */
function checker(maxSteps?: number, maxDepth?: number) {
  const pairs = new PairChecker<N, N>(maxSteps, maxDepth);
  let calls = 0;
  const check = (a: N, b: N, at: string): string[] =>
    pairs.pair(a, b, at, () => {
      calls++;
      if (a.bad || b.bad) return [`${at || "/"}: bad`];
      return a.kids.flatMap((k, i) => b.kids.flatMap((l, j) => check(k, l, `${at}/${i}.${j}`)));
    });
  return { check: (a: N, b: N) => checkWithLimits(() => check(a, b, "")), calls: () => calls };
}

describe("PairChecker", () => {
  it("compares a pair once, failures included (a DAG of shared nodes stays linear)", () => {
    let node: N = { kids: [], bad: true };
    for (let i = 0; i < 60; i++) node = { kids: [node, node] };
    const c = checker();
    const errors = c.check(node, node);
    assert.ok(c.calls() <= 61, `${c.calls()} comparisons`);
    // A remembered failure comes back as one message, so messages do not multiply either.
    assert.ok(errors.length > 0 && errors.length <= 4 * 61, `${errors.length} messages`);
    assert.ok(errors.every((e) => /: bad( \(and \d+ more\))?$/.test(e)));
  });

  it("assumes a pair under comparison compatible (recursive types)", () => {
    const loop: N = { kids: [] };
    loop.kids.push(loop);
    assert.deepEqual(checker().check(loop, loop), []);
  });

  it("abandons a check past its work budget or depth limit", () => {
    const wide = (n: number): N => ({ kids: Array.from({ length: n }, () => ({ kids: [] })) });
    assert.deepEqual(checker(100).check(wide(20), wide(20)), [`/: ${TOO_COMPLEX}`]);
    let deep: N = { kids: [] };
    for (let i = 0; i < 50; i++) deep = { kids: [deep] };
    const other = structuredClone(deep);
    assert.deepEqual(checker(undefined, 10).check(deep, other), [`/: ${TOO_DEEP}`]);
    assert.deepEqual(checker(undefined, 100).check(deep, other), []);
  });

  it("relocates memoised messages", () => {
    assert.deepEqual(relocate(["/a/x: bad", "/a: gone"], "/a", "/b/c"), ["/b/c/x: bad", "/b/c: gone"]);
    assert.deepEqual(relocate(["/: bad", "/x: bad"], "", "/b"), ["/b: bad", "/b/x: bad"]);
    assert.deepEqual(relocate(["/b: bad", "/b/x: bad"], "/b", ""), ["/: bad", "/x: bad"]);
  });
});
