// Help texts of the admin commands (topics, subscriptions, namespaces, brokers).
import { tlsHelp } from "./usage.ts";

const adminFlags = `  --admin-url <url>          admin URL (default $DANUBE_ADMIN_ENDPOINT, else http://127.0.0.1:50051);
                             --endpoint is accepted too (upstream danube-admin)
  -o, --output <format>      table or json, for list, describe and get actions (default table)
  -h, --help                 show this help

${tlsHelp("DANUBE_ADMIN")}`;

const topicForms = `A topic is /namespace/topic, namespace/topic, or a bare name with --namespace; it may be given
as the argument or with --topic.`;

export const topicsUsage = `Usage: danube topics <action> [topic] [flags]

Manages topics through the broker's admin listener (upstream danube-admin's actions).

  danube topics list [namespace] [--namespace default | --broker <id>]
  danube topics create /default/orders [--partitions 3] [--dispatch-strategy reliable | --reliable]
                       [--schema-subject orders-value]
  danube topics describe /default/orders
  danube topics delete /default/orders            (a partitioned topic: its base name)
  danube topics subscriptions /default/orders
  danube topics unsubscribe /default/orders --subscription billing
  danube topics set-failure-policy /default/orders -s billing --max-redelivery-count 3
       --ack-timeout-ms 30000 --base-redelivery-delay-ms 1000 --max-redelivery-delay-ms 60000
       [--backoff-strategy fixed|exponential] --poison-policy dead_letter|block|drop
       [--dead-letter-topic /default/orders-dlq]
  danube topics get-failure-policy /default/orders -s billing
  danube topics set-dispatch-config /default/orders -s billing --max-unacked-messages 100
  danube topics get-dispatch-config /default/orders -s billing
  danube topics configure-schema /default/orders --subject orders-value
       [--validation-policy none|warn|enforce] [--enable-payload-validation]
  danube topics set-validation-policy /default/orders --policy enforce [--enable-payload-validation]
  danube topics get-schema-config /default/orders
  danube topics unload /default/orders            (cluster only: a standalone broker refuses it)

${topicForms}

Flags:
  -t, --topic <topic>        the topic (instead of the argument)
  --namespace <name>         namespace of list, or of a bare topic name
  -p, --partitions <n>       create n partitions <topic>-part-0..n-1
  -s, --subscription <name>  subscription of the subscription actions
${adminFlags}`;

export const subscriptionsUsage = `Usage: danube subscriptions <action> <topic> [flags]

A topic's subscriptions through the broker's admin listener.

  danube subscriptions list /default/orders
  danube subscriptions describe /default/orders -s billing   (type, failure policy, dispatch config)
  danube subscriptions unsubscribe /default/orders -s billing
  danube subscriptions set-failure-policy /default/orders -s billing --max-redelivery-count 3
       --ack-timeout-ms 30000 --base-redelivery-delay-ms 1000 --max-redelivery-delay-ms 60000
       [--backoff-strategy fixed|exponential] --poison-policy dead_letter|block|drop
       [--dead-letter-topic /default/orders-dlq]
  danube subscriptions get-failure-policy /default/orders -s billing
  danube subscriptions set-dispatch-config /default/orders -s billing --max-unacked-messages 100
  danube subscriptions get-dispatch-config /default/orders -s billing

${topicForms}

Flags:
  -s, --subscription <name>  the subscription
${adminFlags}`;

export const namespacesUsage = `Usage: danube namespaces <action> [namespace] [flags]

Namespaces through the broker's admin listener.

  danube namespaces list
  danube namespaces topics default
  danube namespaces policies default
  danube namespaces create sales
  danube namespaces delete sales               (only when it has no topics)

Flags:
  --namespace <name>         the namespace (instead of the argument)
${adminFlags}`;

export const brokersUsage = `Usage: danube brokers <action> [flags]

The broker through its admin listener.

  danube brokers list
  danube brokers describe                      (the broker, its leader and namespaces)
  danube brokers leader-broker
  danube brokers namespaces

unload, activate, balance and rebalance act on a cluster; a standalone broker has nothing to
move, so they exit with UNIMPLEMENTED (see docs/cli.md).

Flags:
${adminFlags}`;
