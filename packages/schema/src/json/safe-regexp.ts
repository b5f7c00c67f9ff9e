// JSON Schema `pattern` / `patternProperties` matched in linear time. JavaScript's RegExp
// backtracks: `^(a+)+$` doubles its work per character and even `a+b` is quadratic, so a schema
// could stall the broker for minutes on one payload. Patterns run on RE2JS (RE2's automata, linear
// in the input) after translating the ECMA-262 syntax RE2 spells differently.
import { RE2JS } from "re2js";

/** What ajv needs from a regular expression. */
export interface RegExpLike {
  test(s: string): boolean;
  toString(): string;
}

/** ECMA-262 whitespace (`\s`), as class members. */
const ECMA_SPACE =
  "\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}";

/** Long Unicode general-category names of ECMA-262 property escapes, in RE2's short form. */
const CATEGORIES: Record<string, string> = {
  Letter: "L",
  Cased_Letter: "L",
  Lowercase_Letter: "Ll",
  Uppercase_Letter: "Lu",
  Titlecase_Letter: "Lt",
  Modifier_Letter: "Lm",
  Other_Letter: "Lo",
  Mark: "M",
  Number: "N",
  Decimal_Number: "Nd",
  digit: "Nd",
  Letter_Number: "Nl",
  Other_Number: "No",
  Punctuation: "P",
  punct: "P",
  Symbol: "S",
  Math_Symbol: "Sm",
  Currency_Symbol: "Sc",
  Separator: "Z",
  Space_Separator: "Zs",
  Other: "C",
  Control: "Cc",
  cntrl: "Cc",
  Format: "Cf",
  Private_Use: "Co",
};

function hex(code: number): string {
  return `\\x{${code.toString(16)}}`;
}

/** Rewrites ECMA-262 syntax that RE2 lacks or reads differently; everything else passes through. */
export function ecmaToRe2(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (next === "u" && pattern[i + 2] === "{") {
        const end = pattern.indexOf("}", i + 3);
        out += `\\x{${pattern.slice(i + 3, end)}}`;
        i = end;
      } else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(pattern.slice(i + 2, i + 6))) {
        out += `\\x{${pattern.slice(i + 2, i + 6)}}`;
        i += 5;
      } else if (next === "c" && /[a-zA-Z]/.test(pattern[i + 2] ?? "")) {
        out += hex(pattern.charCodeAt(i + 2) % 32);
        i += 2;
      } else if ((next === "p" || next === "P") && pattern[i + 2] === "{") {
        const end = pattern.indexOf("}", i + 3);
        const raw = pattern.slice(i + 3, end);
        const value = raw.includes("=") ? raw.slice(raw.indexOf("=") + 1) : raw;
        out += `\\${next}{${CATEGORIES[value] ?? value}}`;
        i = end;
      } else if (next === "s") {
        out += inClass ? ECMA_SPACE : `[${ECMA_SPACE}]`;
        i++;
      } else if (next === "S" && !inClass) {
        out += `[^${ECMA_SPACE}]`;
        i++;
      } else if (next === "0" && !/[0-9]/.test(pattern[i + 2] ?? "")) {
        out += hex(0);
        i++;
      } else if (
        next === "d" ||
        next === "D" ||
        next === "w" ||
        next === "W" ||
        next === "b" ||
        next === "B"
      ) {
        out += c + next;
        i++;
      } else if (/[a-zA-Z0-9]/.test(next)) {
        out += c + next; // \n, \t, \x.., backreferences (refused by RE2) ...
        i++;
      } else {
        out += next === "" ? "\\\\" : hex(next.codePointAt(0)!); // an escaped punctuation character
        i += next.length;
      }
    } else if (inClass) {
      if (c === "]") inClass = false;
      out += c;
    } else if (c === "[") {
      if (pattern.startsWith("[^]", i)) {
        out += "[\\x{0}-\\x{10ffff}]";
        i += 2;
      } else if (pattern.startsWith("[]", i)) {
        out += "[^\\x{0}-\\x{10ffff}]";
        i += 1;
      } else {
        inClass = true;
        out += c;
        if (pattern[i + 1] === "^") out += pattern[++i];
      }
    } else if (c === ".") {
      out += "[^\\n\\r\\x{2028}\\x{2029}]";
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * ajv's `code.regExp` engine: every pattern runs on RE2JS. A pattern RE2 cannot express
 * (lookaround, backreferences) is refused when the schema compiles, with a message saying why.
 */
export function linearRegExp(pattern: string, _flags: string): RegExpLike {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(ecmaToRe2(pattern));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `pattern ${JSON.stringify(pattern)} cannot be matched in linear time (lookaround and backreferences are not supported): ${reason}`,
    );
  }
  // ajv keys compiled patterns by `toString()`: it must tell patterns apart.
  return { test: (s: string) => compiled.matcher(s).find(), toString: () => `/${pattern}/re2` };
}
linearRegExp.code = "linearRegExp";
