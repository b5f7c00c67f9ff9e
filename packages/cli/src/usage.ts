// Help texts of `danube` and its commands.
import { exitCodeHelp } from "./exit-codes.ts";

export const mainUsage = `Usage: danube <command> [flags]

Commands:
  broker    run a standalone Danube broker
  produce   send messages to a topic
  consume   receive and acknowledge messages from a subscription
  topics    list, create, describe and delete topics (admin API)
  schemas   list, get, register, check and evolve schemas (schema registry)

Flags:
  -h, --help       show help (also: danube <command> --help)
  -v, --version    print the version

Exit codes:
${exitCodeHelp().join("\n")}`;

export const brokerUsage = `Usage: danube broker --data-dir <dir> [flags]

Runs a standalone broker until SIGINT or SIGTERM, then closes it cleanly and exits 0.
Prints "danube broker listening on <url> (admin <url>)" once both listeners are bound.

Flags:
  --data-dir <dir>              folder for topic logs and metadata (required; created if missing)
  --broker-addr <host:port>     client listener (default 127.0.0.1:6650; port 0 picks a free port)
  --admin-addr <host:port>      admin listener (default 127.0.0.1:50051; port 0 picks a free port)
  --advertised-addr <host:port> address handed to clients in lookups (default: the bound address)
  --log-level <level>           debug, info, warn, error or silent (default info)
  --mode standalone             accepted for compatibility with danube-broker; other modes are rejected
  --repair-metadata             start even when the metadata journal is damaged before valid entries
                                (skips only the damaged bytes; copies kept in metadata/quarantine/)
  -h, --help                    show this help`;

export const produceUsage = `Usage: danube produce --service-url <url> --topic <topic> [flags]

Sends --count messages one after the other and prints a line per message.

Flags:
  -s, --service-url <url>   broker URL, e.g. http://127.0.0.1:6650 (required)
  -t, --topic <topic>       topic, /namespace/topic (required)
  -c, --count <n>           number of messages (default 1)
  -m, --message <text>      payload text (default "Hello Danube")
  -p, --producer <name>     producer name (default danube-cli-producer-<random>)
  --reliable                reliable (stored) dispatch; default non-reliable
  --partitions <n>          create a partitioned topic with n partitions
  -k, --key <key>           routing key
  -a, --attr <k=v>          message attribute; repeat for more
  -h, --help                show this help`;

export const consumeUsage = `Usage: danube consume --service-url <url> --topic <topic> --subscription <name> [flags]

Prints each message on stdout and acknowledges it. Exits after --count messages, or on
SIGINT/SIGTERM with code 0. The topic must exist: a new subscription starts with the next
message published.

Flags:
  -s, --service-url <url>    broker URL, e.g. http://127.0.0.1:6650 (required)
  -t, --topic <topic>        topic, /namespace/topic (required)
  -S, --subscription <name>  subscription name (required)
  -n, --consumer <name>      consumer name (default danube-cli-consumer-<random>)
  --type <type>              Exclusive, Shared, Failover or KeyShared (default Shared)
  -c, --count <n>            exit after n messages (default: run until interrupted)
  -h, --help                 show this help`;

export const topicsUsage = `Usage: danube topics <list|create|describe|delete> [flags]

Manages topics through the broker's admin listener.

  danube topics list [--namespace default]
  danube topics create --topic /default/orders [--partitions 3] [--reliable]
  danube topics describe --topic /default/orders
  danube topics delete --topic /default/orders    (a partitioned topic: its base name)

Flags:
  -a, --admin-url <url>     admin URL (default http://127.0.0.1:50051)
  --namespace <name>        namespace to list (default default)
  -t, --topic <topic>       topic, /namespace/topic
  --partitions <n>          create n partitions <topic>-part-0..n-1
  --reliable                create with reliable (stored) dispatch; default non-reliable
  -h, --help                show this help`;

export const schemasUsage = `Usage: danube schemas <list|get|versions|register|check|mode|delete> [flags]

Works with the broker's schema registry.

  danube schemas list
  danube schemas get --subject orders-value [--version 2]
  danube schemas versions --subject orders-value
  danube schemas register --subject orders-value --type avro --file order.avsc [--description text]
  danube schemas check --subject orders-value --type avro --file order-v2.avsc [--mode full]
  danube schemas mode --subject orders-value --mode full_transitive
  danube schemas delete --subject orders-value --version 1

"check" exits 0 when compatible and 1 when not, listing each incompatibility.

Flags:
  -s, --service-url <url>   broker URL (default http://127.0.0.1:6650)
  --subject <name>          registry subject
  --type <type>             bytes, string, number, avro, json_schema or protobuf (default json_schema)
  -f, --file <path>         schema file (Avro JSON, JSON Schema, or .proto text)
  --version <n>             schema version
  --mode <mode>             none, backward, forward, full, or a *_transitive mode
  --description <text>      description stored with a registered version
  -h, --help                show this help`;
