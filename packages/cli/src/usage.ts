// Help texts of `danube` and its commands.
import { exitCodeHelp } from "./exit-codes.ts";

/** The TLS and token flags of a command, with the variables of its listener (see connection.ts). */
export function tlsHelp(prefix: "DANUBE" | "DANUBE_ADMIN", keyFlag = true): string {
  const token = prefix === "DANUBE" ? "DANUBE_TOKEN" : "DANUBE_ADMIN_TOKEN, DANUBE_ADMIN_API_KEY";
  const key = keyFlag ? "--key <file>    " : "--tls-key <file>";
  const keyAlias = keyFlag ? " (--tls-key too)" : " (--key is the message key)";
  return `TLS and token (a flag, else the variable in brackets; TLS when the URL is https://):
  --token <jwt>              bearer token [${token}]
  --tls                      TLS with an http:// or bare URL [${prefix}_TLS=true]
  --ca <file>                CA to trust (default: the system's roots) [${prefix}_CA]
  --cert <file>              client certificate for mutual TLS [${prefix}_CERT]
  ${key}           its private key${keyAlias} [${prefix}_KEY]
  --domain <name>            server name to verify (default: the URL's host) [${prefix}_DOMAIN]`;
}

export const mainUsage = `Usage: danube <command> [flags]

Commands:
  broker         run a standalone Danube broker
  produce        send messages to a topic
  consume        receive and acknowledge messages from a subscription
  topics         list, create, describe, delete topics; their schema settings (admin API)
  subscriptions  list, describe, unsubscribe; failure policy and dispatch config (admin API)
  namespaces     list, create, delete namespaces; their topics and policies (admin API)
  brokers        list and describe the broker (admin API)
  schemas        list, get, register, check and evolve schemas (schema registry)
  security       tokens, roles and bindings of a secured broker (auth mode tls)

Addresses: --service-url (or $DANUBE_SERVICE_URL, default http://127.0.0.1:6650) for produce,
consume and schemas; --admin-url (or $DANUBE_ADMIN_ENDPOINT, default http://127.0.0.1:50051) for
the admin commands. Upstream's spellings --service-addr and --endpoint are accepted too.
TLS and token: --token, --tls, --ca, --cert, --key, --domain on every command that connects, else
$DANUBE_TOKEN, $DANUBE_CA, ... for produce, consume and schemas, and danube-admin's
$DANUBE_ADMIN_TOKEN, $DANUBE_ADMIN_CA, ... for the admin commands (see a command's --help).
Every list and describe action takes -o json.

Flags:
  -h, --help       show help (also: danube <command> --help)
  -v, --version    print the version

Exit codes:
${exitCodeHelp().join("\n")}`;

export const brokerUsage = `Usage: danube broker --data-dir <dir> [flags]

Runs a standalone broker until Ctrl-C (SIGINT) or SIGTERM, then closes it cleanly and exits 130
or 143 (see danube --help). Ctrl-C also stops a start that does not finish (an unusable data dir).
Prints "danube broker listening on <url> (admin <url>)" once both listeners are bound.

Flags:
  --data-dir <dir>              folder for topic logs and metadata (required; created if missing)
  --broker-addr <host:port>     client listener (default 127.0.0.1:6650; port 0 picks a free port)
  --admin-addr <host:port>      admin listener (default 127.0.0.1:50051; port 0 picks a free port)
  --advertised-addr <host:port> address handed to clients in lookups (default: the bound address)
  --config-file <file>          upstream danube-broker YAML (broker.host/ports, bootstrap_namespaces,
                                auto_create_topics, admin_tls, auth, dispatch, policies.max_message_size;
                                danube-ts keys: policies.max_routing_key_bytes, extensions.publish_stream,
                                extensions.consume_stream); flags given here override it; keys it does
                                not use are listed at start
  --log-level <level>           debug, info, warn, error or silent (default info)
  --log-format <format>         text (default) or json (one JSON object per line, docs/observability.md)
  --prom-exporter <host:port>   serve Prometheus metrics on http://host:port/metrics (default off;
                                the config file's broker.ports.prometheus also turns it on)
  --console-addr <host:port>    serve the web console on http://host:port/ (default off; https with
                                admin_tls; the config file's broker.ports.console also turns it on)
  --mode standalone             accepted for compatibility with danube-broker; other modes are rejected
  --schema-compatibility-rules <rules>
                                JSON Schema compatibility verdicts: upstream (default, as Danube v0.15.1)
                                or strict (Confluent's rules, a danube-ts extension)
  --publish-stream <on|off>     offer the danube-ts publish stream (default on; off: clients send with
                                upstream's unary SendMessage, docs/streaming.md)
  --consume-stream <on|off>     offer the danube-ts consume stream (default on; off: ReceiveMessages
                                and unary Ack/Nack)
  --max-routing-key-bytes <n>   longest routing key a message may carry, in UTF-8 bytes (default 65536;
                                a longer one is refused with INVALID_ARGUMENT)
  --repair-metadata             start even when the metadata journal is damaged before valid entries
                                (skips only the damaged bytes; copies kept in metadata/quarantine/)
  -h, --help                    show this help`;

export const produceUsage = `Usage: danube produce --topic <topic> [payload] [flags]

Sends messages to a topic, many in flight at once (in order), prints a line per acknowledged
message on stdout and the number sent (with the rate from 100 messages on) on stderr.

The payload comes from, in this order: the argument or --message (sent --count times); --file
(the whole file is one message, or one message per line with --send-on newline; "-" is stdin);
else stdin, one message per non-empty line (--send-on eof: the whole input, sent --count times).

Flags:
  -s, --service-url <url>      broker URL (default $DANUBE_SERVICE_URL, else http://127.0.0.1:6650);
                               --service-addr is accepted too (upstream danube-cli)
  -t, --topic <topic>          topic, /namespace/topic (required)
  -m, --message <text>         payload text (same as the argument)
  -f, --file <path>            payload file ("-": stdin)
  --send-on <newline|eof>      split --file / stdin into lines, or send it whole
  -c, --count <n>              send the payload n times (default 1)
  -n, --producer-name <name>   producer name (default danube-cli-producer-<random>; --producer too)
  --reliable                   reliable (stored) dispatch; default non-reliable
  -p, --partitions <n>         create a partitioned topic with n partitions
  -k, --key <key>              routing key (picks the partition)
  -a, --attributes <k:v,...>   attributes, upstream's form (k=v accepted); repeatable
  --attr <k=v>                 one attribute, the value taken verbatim (may contain commas); repeatable
  -i, --interval <ms>          pause between messages, sending one at a time (default: no pause)
  --max-in-flight <n>          sends in flight at most (default 64)
  -q, --quiet                  no line per message on stdout
  --schema-subject <subject>   encode with the subject's registered schema (JSON payloads for
                               json_schema, avro and protobuf); the messages carry its id and version
  --schema-version <n>         pin that version (default latest)
  --schema-min-version <n>     use that version or a newer one
  --schema-file <path>         register this schema (if new) and encode with it; subject from
                               --schema-subject, else the topic (/default/orders -> default-orders)
  --schema-type <type>         type of --schema-file: json_schema, avro, protobuf, string, number, bytes
  -h, --help                   show this help

${tlsHelp("DANUBE", false)}

Stop with Ctrl-C: sends in flight finish, the count so far is printed, exit code 130.`;

export const consumeUsage = `Usage: danube consume --topic <topic> --subscription <name> [flags]

Prints each message on stdout and acknowledges it. Exits after --count messages (code 0), or on
Ctrl-C (SIGINT, code 130) or SIGTERM (code 143). The topic must exist: a new subscription
starts with the next message published. While the broker is unreachable, the reconnect attempts are shown on stderr.

Output (--output):
  text   one line per message with its fields; the payload with control characters escaped
         (\\n, \\xNN, \\uNNNN), binary payloads as <binary N bytes: hex…>, and payloads longer than
         --max-payload characters cut with a marker (default)
  raw    the payload bytes as they are, then a newline
  json   one JSON object per line: topic, offset, producer_id, producer_name, request_id,
         publish_time, key, attributes, schema_id, schema_version, size, payload (or
         payload_base64 when not UTF-8) and, with a schema, schema_subject, schema_type, value;
         64-bit numbers are strings

Messages that carry a schema id are decoded with that schema version from the registry (json:
"value", text: value=...), unless --no-schema.

Flags:
  -s, --service-url <url>    broker URL (default $DANUBE_SERVICE_URL, else http://127.0.0.1:6650);
                             --service-addr is accepted too (upstream danube-cli)
  -t, --topic <topic>        topic, /namespace/topic (required)
  -m, --subscription <name>  subscription name (required; -S and --sub are accepted too)
  -n, --consumer <name>      consumer name (default danube-cli-consumer-<random>)
  --type <type>              Exclusive, Shared, Failover or KeyShared (default Shared); also
                             --sub-type with upstream's spellings (fail-over, key-shared)
  -c, --count <n>            exit after n messages (default: run until interrupted)
  -o, --output <format>      text, raw or json (default text)
  --max-payload <n>          characters of a payload shown in text output (default 1024; 0: all)
  --no-schema                do not decode with the writer schema
  -h, --help                 show this help

${tlsHelp("DANUBE")}`;

export const schemasUsage = `Usage: danube schemas <action> [subject] [flags]

Works with the broker's schema registry (upstream danube-cli "schema" and danube-admin "schemas"
actions; the subject may be the argument or --subject).

  danube schemas list                                   (also: list-subjects)
  danube schemas get orders-value [--version 2]         (or: get --id 3 [--version 2])
  danube schemas versions orders-value
  danube schemas register orders-value --schema-type avro --file order.avsc [--description text]
                         [--tags a --tags b]            (or --schema '<inline text>')
  danube schemas check orders-value --schema-type avro --file order-v2.avsc [--mode full]
  danube schemas get-compatibility orders-value
  danube schemas set-compatibility orders-value --mode full_transitive   (also: mode)
  danube schemas delete orders-value --version 1

"check" exits 0 when compatible and 1 when not, listing each incompatibility.

Flags:
  -s, --service-url <url>    broker URL (default $DANUBE_SERVICE_URL, else http://127.0.0.1:6650;
                             --service-addr too); --admin-url / --endpoint work as well, since
                             the admin listener serves the registry too
  --subject <name>           registry subject (instead of the argument)
  -t, --schema-type <type>   bytes, string, number, avro, json_schema or protobuf (default
                             json_schema; --type too)
  -f, --file <path>          schema file (Avro JSON, JSON Schema, or .proto text)
  --schema <text>            schema text inline
  -v, --version <n>          schema version
  --id <n>                   schema id (get)
  --mode <mode>              none, backward, forward, full, or a *_transitive mode
  --description <text>       description stored with a registered version
  --tags <tag>               tag stored with a registered version; repeatable
  --confirm, --permanent     accepted for upstream compatibility (every delete is permanent)
  -o, --output <format>      table or json (default table)
  -h, --help                 show this help

${tlsHelp("DANUBE")}`;

export const securityUsage = `Usage: danube security <tokens|roles|bindings> <action> [NAME|ID] [flags]

Tokens (offline, HS256 with upstream Danube's claims; no broker needed):
  tokens create --subject <name> --secret-key <key> [--ttl 8760h] [--type service_account|user]
                [--issuer danube-auth]          prints the token on stdout
  tokens validate --token <jwt> --secret-key <key> [--issuer <iss>]
  --secret-key defaults to $DANUBE_JWT_SECRET_KEY; --ttl takes h (hours), d (days) or seconds.

Roles and bindings (SecurityAdmin service on the admin listener; needs ManageCluster):
  roles create <name> --permissions Produce,Consume,...
  roles get <name> | roles list | roles delete <name>
  bindings create <id> --principal-type service_account|user --principal-name <name>
                  --roles <r1,r2> --scope cluster|namespace|topic [--resource <ns or /ns/topic>]
  bindings get <id> --scope <scope> [--resource <r>] | bindings list --scope <scope> [--resource <r>]
  bindings delete <id> --scope <scope> [--resource <r>]
  Permissions: Lookup, Produce, Consume, Replicate, ManageNamespace, ManageTopic, ManageSchema,
  ManageBroker, ManageCluster.

Flags:
  --endpoint, -a/--admin-url <url>  admin listener (default $DANUBE_ADMIN_ENDPOINT, else
                                    http://127.0.0.1:50051)
  --output json                     JSON output for get and list
  -h, --help                        show this help

${tlsHelp("DANUBE_ADMIN")}`;
