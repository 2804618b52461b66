import { Kafka, logLevel, Partitioners, type ConsumerConfig, type KafkaConfig, type LogEntry, type Producer, type RetryOptions } from 'kafkajs';

/**
 * The longest wait between two tries of the hub's Kafka clients to reach the broker (kafkajs'
 * maxRetryTime). Every try waits about twice as long as the one before, so with the larger bounds
 * used before (10 s for the consumers, 5 s for the relay) the hubs of a fault run joined their
 * consumer group again 3.0 and 4.3 s after a killed broker was back (its log); with this bound, in
 * a run of the same seed, 1.1 and 1.2 s. A try every 2 s while the broker is away costs nothing.
 */
export const KAFKA_RETRY_MAX_MS = 2_000;

/** Every retry setting of kafkajs that the hub sets. */
export type KafkaRetry = Required<Pick<RetryOptions, 'initialRetryTime' | 'maxRetryTime' | 'factor' | 'multiplier' | 'retries'>>;

/**
 * How the hub's Kafka clients try again, every setting spelled out. Reconnecting to the broker is
 * retried by the client's own retrier inside every producer and consumer, so this bound is what
 * decides how soon they find a broker that is back: with kafkajs' default there (30 s), a fault
 * run's reconnect tries waited 12 to 18 s and one of its two hubs took up its partitions 7.3 s
 * after a killed broker was back. kafkajs fills what is left out from defaults that differ under
 * NODE_ENV=test (jest's: at most 1 s apart), so tests would not run the retries production runs.
 * Eight tries take about 11 s. Measured with the hub as in production: it takes up its work 1 to
 * 2 s after the broker is back (broker-away.spec.ts; 5.5 and 13.9 s with the 30 s default), and
 * a send through a client with these settings fails after about 22 s when the broker cannot be
 * reached (94 s with the default), which is why the HTTPS door has a client of its own that gives
 * up sooner (DOOR_KAFKA_RETRY).
 */
export const KAFKA_RETRY: KafkaRetry = {
  initialRetryTime: 200, maxRetryTime: KAFKA_RETRY_MAX_MS, factor: 0.2, multiplier: 2, retries: 8,
};

/**
 * A consumer of the hub's: a session as configured, heartbeats ten times in it, and tries to reach
 * the broker again for as long as a broker restart takes, each at most KAFKA_RETRY_MAX_MS apart.
 */
export function hubConsumerConfig(groupId: string, sessionTimeoutMs: number): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.floor(sessionTimeoutMs / 10),
    retry: { ...KAFKA_RETRY, initialRetryTime: 300, retries: 30 },
  };
}

export type KafkaLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;

/**
 * How a Kafka client proves who it is and keeps the line private: TLS with the cluster's CA and,
 * for mutual TLS (the principal User:CN=<name> of docs/DEPLOY-KAFKA.md), a client certificate and
 * key; and/or SASL/SCRAM with a user name and password. Nothing set: plaintext (local broker only).
 */
export interface KafkaSecurity {
  /** TLS; `ca` absent trusts the system's CAs; `cert` and `key` go together. */
  ssl?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Secret: the password is never logged. */
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** kafkajs's ssl and sasl settings for `security`: the broker's certificate is always verified. */
export function kafkaSecurityOptions(security: KafkaSecurity = {}): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { ssl, sasl } = security;
  return {
    ...(ssl ? {
      ssl: {
        rejectUnauthorized: true,
        ...(ssl.ca ? { ca: [ssl.ca] } : {}),
        ...(ssl.cert && ssl.key ? { cert: ssl.cert, key: ssl.key } : {}),
      },
    } : {}),
    ...(sasl ? { sasl: sasl.mechanism === 'scram-sha-256'
      ? { mechanism: 'scram-sha-256' as const, username: sasl.username, password: sasl.password }
      : { mechanism: 'scram-sha-512' as const, username: sasl.username, password: sasl.password } } : {}),
  };
}

/**
 * Errors kafkajs logs and then retries that are normal while a broker (or a group's coordinator,
 * or a new topic's leader) is still starting: the texts of GROUP_LOAD_IN_PROGRESS,
 * GROUP_COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR_FOR_GROUP and LEADER_NOT_AVAILABLE
 * (kafkajs/src/protocol/error.js). If they last, readiness and the consumers' own errors say so.
 */
export const EXPECTED_START_UP_RETRIES: readonly string[] = [
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
];

/**
 * The hub's level for a kafkajs log line: kafkajs's own, except that an expected start-up retry
 * (in the message or in its `error` field) is info, below warning, so a start does not look like
 * a failure.
 */
export function kafkaLogLevel(level: logLevel, message: string, extra: Record<string, unknown>): 'error' | 'warn' | 'info' | 'debug' {
  const mapped = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
  if (mapped !== 'error' && mapped !== 'warn') return mapped;
  const texts = [message, typeof extra.error === 'string' ? extra.error : ''];
  return texts.some((text) => EXPECTED_START_UP_RETRIES.some((expected) => text.includes(expected))) ? 'info' : mapped;
}

/**
 * A kafkajs client whose log lines go to the hub's logger instead of the console; `retry` for a
 * client that should wait longer or shorter than KAFKA_RETRY before it gives up; `security` for
 * TLS and SASL (every client of the hub gets the same, from HubConfig.kafka.security).
 */
export function createKafka(clientId: string, brokers: string[], log: KafkaLog, retry: RetryOptions = {}, security: KafkaSecurity = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    ...kafkaSecurityOptions(security),
    logLevel: logLevel.WARN,
    retry: { ...KAFKA_RETRY, ...retry },
    logCreator: () => ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...extra } = entry;
      log(kafkaLogLevel(level, message, extra), `kafkajs ${namespace}: ${message}`, extra);
    },
  });
}

/**
 * A connected idempotent producer with one request in flight, so the broker keeps its messages in
 * the order they were sent and drops a repeat of one it has; `retry` says how long a send may try.
 * One that fails to connect is disconnected rather than left half connected.
 */
export async function connectIdempotentProducer(kafka: Kafka, retry: RetryOptions): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, retry });
  try {
    await producer.connect();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    throw error;
  }
  return producer;
}
