// Printing payloads safely: control characters escaped, binary replaced by a placeholder, long
// payloads cut with a marker. A terminal never receives raw bytes from a message.

/** Default number of characters of a payload shown before it is cut. */
export const defaultMaxPayloadChars = 1024;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The payload as text when it is valid UTF-8, else undefined. */
export function utf8OrUndefined(payload: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(payload);
  } catch {
    return undefined;
  }
}

const named: Readonly<Record<number, string>> = { 10: "\\n", 13: "\\r", 9: "\\t", 92: "\\\\" };

/**
 * Whether a UTF-16 unit must be escaped: C0 and C1 controls, DEL, the backslash (so escapes stay
 * unambiguous), the line and paragraph separators, the byte-order mark and the bidirectional
 * controls (which can make a terminal show text in another order than it was written).
 */
function mustEscape(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x5c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/** Escapes control and invisible direction characters (and backslashes) as `\n`, `\xNN`, `\uNNNN`. */
export function escapeText(text: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!mustEscape(code)) continue;
    out += text.slice(from, i);
    from = i + 1;
    out +=
      named[code] ??
      (code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`);
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Cuts `text` after `max` characters (0: never), with a marker saying how much was left out. */
export function cut(text: string, max: number, totalBytes: number): string {
  if (max <= 0 || text.length <= max) return text;
  const shown = text.slice(0, max);
  return `${shown}…[cut: ${totalBytes} bytes in all, --max-payload 0 shows everything]`;
}

/** A placeholder for a binary payload: its size and the first bytes in hex. */
export function binaryPlaceholder(payload: Uint8Array): string {
  const head = Buffer.from(payload.subarray(0, 16)).toString("hex");
  return `<binary ${payload.length} bytes: ${head}${payload.length > 16 ? "…" : ""}>`;
}

/** A payload as one safe line: escaped text, or a placeholder for binary; cut after `max` characters. */
export function safePayload(payload: Uint8Array, max = defaultMaxPayloadChars): string {
  const text = utf8OrUndefined(payload);
  if (text === undefined) return binaryPlaceholder(payload);
  return cut(escapeText(text), max, payload.length);
}
