import { Kafka, logLevel, type LogEntry } from 'kafkajs';

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
