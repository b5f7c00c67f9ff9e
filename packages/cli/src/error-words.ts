// Plain words for the errors a user can act on. The broker keeps upstream Danube's status codes on
// the wire, some of them odd (an existing name is NOT_FOUND, a missing namespace is UNAVAILABLE
// and retried, a rejected schema is INTERNAL); the CLI says what happened and what to do, and
// exits with the code of what happened (see `danube --help`).
import type { ErrorCode } from "@danube-ts/client";

/** What the CLI prints for an error, and the client error code its exit code follows. */
export interface ErrorWords {
  message: string;
  /** The code the exit code is taken from (may differ from the wire code, see above). */
  code: ErrorCode | undefined;
}

interface Rule {
  code: ErrorCode | "*";
  pattern: RegExp;
  explain(match: RegExpExecArray, message: string): ErrorWords;
}

const startHint = "start one with `danube broker --data-dir ./danube-data`";

const rules: readonly Rule[] = [
  {
    code: "UNAVAILABLE",
    pattern: /connect ECONNREFUSED (\S+?)\.?(?:\s|$)/,
    explain: (m) => ({
      code: "UNAVAILABLE",
      message: `cannot connect to ${m[1]} (connection refused): is a broker running there? Either ${startHint}, or point --service-url / $DANUBE_SERVICE_URL (--admin-url / $DANUBE_ADMIN_ENDPOINT for admin commands) at a running broker.`,
    }),
  },
  {
    code: "UNAVAILABLE",
    pattern: /Name resolution failed for target (?:dns:)?(\S+)/,
    explain: (m) => ({
      code: "UNAVAILABLE",
      message: `cannot resolve the host of ${m[1]}: check the address (--service-url / --admin-url).`,
    }),
  },
  {
    code: "*",
    pattern: /Unable to find the namespace (\S+?),/,
    explain: (m) => ({
      code: "NOT_FOUND",
      message: `namespace "${m[1]}" does not exist (the broker reports this as UNAVAILABLE, so the client retried before giving up). Create it with \`danube namespaces create ${m[1]}\`, or use an existing one (\`danube namespaces list\`).`,
    }),
  },
  {
    code: "NOT_FOUND",
    pattern: /Namespace (\S+) already exists/,
    explain: (m) => ({
      code: "ALREADY_EXISTS",
      message: `namespace "${m[1]}" already exists (the broker reports this as NOT_FOUND, as upstream Danube does).`,
    }),
  },
  {
    code: "NOT_FOUND",
    pattern: /Unable to create the topic (\S+) due to .*already exists/,
    explain: (m) => ({
      code: "ALREADY_EXISTS",
      message: `topic ${m[1]} already exists (the broker reports this as NOT_FOUND, as upstream Danube does). Inspect it with \`danube topics describe ${m[1]}\`.`,
    }),
  },
  {
    code: "NOT_FOUND",
    pattern: /Can't delete and non empty namespace|non.?empty namespace/i,
    explain: () => ({
      code: "FAILED_PRECONDITION",
      message: "the namespace still has topics: delete them first (`danube topics list --namespace <ns>`).",
    }),
  },
  {
    code: "NOT_FOUND",
    pattern: /Unable to unsubscribe (\S+) from (\S+): the subscription has active consumers/,
    explain: (m) => ({
      code: "FAILED_PRECONDITION",
      message: `subscription "${m[1]}" of ${m[2]} still has consumers connected (the broker reports this as NOT_FOUND): stop them, then unsubscribe.`,
    }),
  },
  {
    code: "NOT_FOUND",
    pattern: /Unable to find the topic:? (\S+)|no topic found for '([^']+)'/,
    explain: (m) => ({
      code: "NOT_FOUND",
      message: `topic ${m[1] ?? m[2]} does not exist: subscribing never creates a topic. Create it first (\`danube topics create ${m[1] ?? m[2]}\`) or produce to it.`,
    }),
  },
  {
    code: "FAILED_PRECONDITION",
    pattern: /dispatch strategy does not match topic strategy/,
    explain: () => ({
      code: "FAILED_PRECONDITION",
      message:
        "the topic exists with the other dispatch strategy: add --reliable for a reliable topic, or drop it for a non-reliable one (`danube topics describe <topic>` shows which).",
    }),
  },
  {
    code: "INTERNAL",
    pattern: /Schema metadata not found for subject: (\S+)/,
    explain: (m) => ({
      code: "NOT_FOUND",
      message: `subject "${m[1]}" does not exist (the broker reports this as INTERNAL): register a first version with \`danube schemas register ${m[1]} ...\`.`,
    }),
  },
  {
    code: "INTERNAL",
    pattern:
      /Failed to register schema: Schema is not compatible with subject '([^']*)' \(mode: (\w+)\): (.*)/,
    explain: (m) => ({
      code: "FAILED_PRECONDITION",
      message: `the schema is not compatible with subject "${m[1]}" under mode ${m[2]} (the broker reports this as INTERNAL): ${m[3]}. See \`danube schemas check\`.`,
    }),
  },
  {
    code: "INTERNAL",
    pattern: /(Failed to register schema|Failed to check compatibility): (.*)/,
    explain: (m) => ({
      code: "INVALID_ARGUMENT",
      message: `the schema registry refused the schema (the broker reports this as INTERNAL): ${m[2]}`,
    }),
  },
  {
    code: "INTERNAL",
    pattern: /Failed to set compatibility mode: (.*)/,
    explain: (m) => ({
      code: "NOT_FOUND",
      message: `cannot set the compatibility mode (the broker reports this as INTERNAL): ${m[1]}`,
    }),
  },
];

/** Plain words for `err` (a DanubeError or anything else thrown). */
export function errorWords(err: unknown): ErrorWords {
  if (!(err instanceof Error)) return { message: String(err), code: undefined };
  const code =
    "code" in err && typeof err.code === "string"
      ? (err.code as ErrorCode)
      : (undefined as ErrorCode | undefined);
  const text = err.message;
  for (const rule of rules) {
    if (rule.code !== "*" && rule.code !== code) continue;
    const match = rule.pattern.exec(text);
    if (match !== null) return rule.explain(match, text);
  }
  return { message: code === undefined ? text : `${text} [${code}]`, code };
}
