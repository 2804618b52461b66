import { Kafka, logLevel, type LogEntry } from 'kafkajs';

/**
 * The longest wait between two tries to reach the broker (kafkajs' maxRetryTime, 30 s unless
 * set). Every try waits about twice as long as the one before, so after an outage of half a
 * minute the next try could come 20 to 30 s after the broker was back: a fault run measured the
 * hub's relay publishing again 10.8 s after a broker restart. On a broker a few hub instances
 * share, a try every 2 s while it is away costs nothing.
 */
export const KAFKA_RETRY_MAX_MS = 2_000;

export type KafkaLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;

/** A kafkajs client whose log lines go to the hub's logger instead of the console. */
export function createKafka(clientId: string, brokers: string[], log: KafkaLog): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, maxRetryTime: KAFKA_RETRY_MAX_MS, retries: 25 },
    logCreator: () => ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...extra } = entry;
      const mapped = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
      log(mapped, `kafkajs ${namespace}: ${message}`, extra);
    },
  });
}
