import { Kafka, logLevel, type LogEntry } from 'kafkajs';

/**
 * The longest wait between two tries of the hub's consumers and the relay's producer to reach the
 * broker (kafkajs' maxRetryTime). Every try waits about twice as long as the one before, so with
 * the larger bounds used before (10 s for the consumers, 5 s for the relay) the hubs of a fault
 * run joined their consumer group again 3.0 and 4.3 s after a killed broker was back (its log);
 * with this bound, in a run of the same seed, 1.1 and 1.2 s. A try every 2 s while the broker is
 * away costs nothing. The client's own retries below stay as they are: 25 of them with this bound
 * made the HTTPS door's producer answer a cut broker in 85 s instead of 11
 * (http-unavailable.spec.ts).
 */
export const KAFKA_RETRY_MAX_MS = 2_000;

export type KafkaLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;

/** A kafkajs client whose log lines go to the hub's logger instead of the console. */
export function createKafka(clientId: string, brokers: string[], log: KafkaLog): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator: () => ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...extra } = entry;
      const mapped = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
      log(mapped, `kafkajs ${namespace}: ${message}`, extra);
    },
  });
}
