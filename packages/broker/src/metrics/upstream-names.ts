/**
 * Upstream Danube's metric names (danube-broker/src/broker_metrics.rs, v0.15.1), with the labels
 * upstream records them with. Kept as data so the exporter and the docs test share one list.
 */
export const UPSTREAM_METRICS = {
  counters: {
    topicMessagesIn: { name: "danube_topic_messages_in_total", labels: ["topic"] },
    topicBytesIn: { name: "danube_topic_bytes_in_total", labels: ["topic"] },
    consumerMessagesOut: { name: "danube_consumer_messages_out_total", labels: ["topic", "subscription"] },
    consumerBytesOut: { name: "danube_consumer_bytes_out_total", labels: ["topic", "subscription"] },
    brokerAssignments: { name: "danube_broker_assignments_total", labels: [] },
    brokerRpc: { name: "danube_broker_rpc_total", labels: ["service", "method", "result"] },
    clientRedirects: { name: "danube_client_redirects_total", labels: [] },
    producerSend: { name: "danube_producer_send_total", labels: ["topic", "result", "error_code"] },
    heartbeatPolls: { name: "danube_dispatcher_heartbeat_polls_total", labels: [] },
    notifierPolls: { name: "danube_dispatcher_notifier_polls_total", labels: [] },
    nacks: { name: "danube_subscription_nack_total", labels: ["topic", "subscription"] },
    redeliveries: { name: "danube_subscription_redelivery_total", labels: ["topic", "subscription"] },
    ackTimeouts: { name: "danube_subscription_ack_timeout_total", labels: ["topic", "subscription"] },
    retryExhausted: {
      name: "danube_subscription_retry_exhausted_total",
      labels: ["topic", "subscription", "poison_policy"],
    },
    deadLettered: {
      name: "danube_subscription_dlq_total",
      labels: ["topic", "subscription", "poison_policy"],
    },
    schemaValidation: { name: "danube_schema_validation_total", labels: [] },
    schemaValidationFailures: { name: "danube_schema_validation_failures_total", labels: [] },
    rebalancingMoves: { name: "danube_rebalancing_moves_total", labels: [] },
    rebalancingFailures: { name: "danube_rebalancing_failures_total", labels: [] },
    authzAllow: { name: "danube_authz_allow_total", labels: ["resource", "permission"] },
    authzDeny: { name: "danube_authz_deny_total", labels: ["resource", "permission"] },
  },
  gauges: {
    topicsOwned: { name: "danube_broker_topics_owned", labels: [] },
    topicProducers: { name: "danube_topic_active_producers", labels: ["topic"] },
    topicConsumers: { name: "danube_topic_active_consumers", labels: ["topic"] },
    leaderElection: { name: "danube_leader_election_state", labels: [] },
    topicSubscriptions: { name: "danube_topic_active_subscriptions", labels: ["topic"] },
    subscriptionConsumers: {
      name: "danube_subscription_active_consumers",
      labels: ["topic", "subscription"],
    },
    lag: { name: "danube_subscription_lag_messages", labels: ["topic", "subscription"] },
    pendingRedelivery: { name: "danube_subscription_pending_redelivery", labels: ["topic", "subscription"] },
    terminalBlocked: { name: "danube_subscription_terminal_blocked", labels: ["topic", "subscription"] },
    imbalance: { name: "danube_cluster_imbalance_cv", labels: [] },
  },
  histograms: {
    sendLatency: { name: "danube_producer_send_latency_ms", labels: ["topic"] },
    messageSize: { name: "danube_topic_message_size_bytes", labels: ["topic"] },
    rebalancingCycle: { name: "danube_rebalancing_cycle_duration_seconds", labels: [] },
  },
} as const;
