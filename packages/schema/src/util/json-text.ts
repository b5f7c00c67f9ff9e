/**
 * A JSON number written with a fraction or an exponent (`5.0`, `1e3`). JSON.parse loses the
 * difference between `5` and `5.0`; Avro's JSON datums need it (a long may not be written `5.0`).
 */
export class JsonFloat {
  constructor(readonly value: number) {}
}

const numberRe = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings
const stringRe = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;

/**
 * Parses JSON text like JSON.parse, except that numbers written with a fraction or exponent become
 * {@link JsonFloat}. Throws SyntaxError on malformed text.
 */
export function parseJsonKeepingFloats(text: string): unknown {
  let pos = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${pos}`);
  };
  const ws = () => {
    while (pos < text.length && " \t\n\r".includes(text[pos]!)) pos++;
  };
  const value = (): unknown => {
    ws();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[pos] === "}") {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail("expected a string key");
        const key = str();
        ws();
        if (text[pos] !== ":") fail("expected ':'");
        pos++;
        obj[key] = value();
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "}") {
          pos++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      pos++;
      const arr: unknown[] = [];
      ws();
      if (text[pos] === "]") {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "]") {
          pos++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    numberRe.lastIndex = pos;
    const m = numberRe.exec(text);
    if (!m) return fail("unexpected character");
    pos += m[0].length;
    const n = Number(m[0]);
    return m[2] !== undefined || m[3] !== undefined ? new JsonFloat(n) : n;
  };
  const str = (): string => {
    stringRe.lastIndex = pos;
    const m = stringRe.exec(text);
    if (!m) return fail("malformed string");
    pos += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const result = value();
  ws();
  if (pos !== text.length) fail("unexpected trailing text");
  return result;
}
