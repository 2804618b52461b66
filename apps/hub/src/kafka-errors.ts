import { causesOf } from './error-causes';

/**
 * kafkajs logs what a consumer's eachBatch throws, whole: a TypeORM QueryFailedError carries the
 * query's parameters, the partner's message among them. Only the message and the PostgreSQL
 * error code go on, so no message content reaches a log line.
 */
export async function withoutParameters<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw withoutParametersError(what, error);
  }
}

/** The error's message and PostgreSQL code under `what`, nothing else of it. */
export function withoutParametersError(what: string, error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  return new Error(`${what}: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}`);
}

/**
 * kafkajs' names of the broker's answers that say it no longer takes this producer's sequence of
 * messages: after a broker that was killed recovers its log, it may not hold the producer's state
 * any more, and every later send of that producer is refused the same way. Only a new producer
 * id helps (a fault run on e3bedd9: the relay refused for two minutes, until the hub was killed).
 */
const PRODUCER_STATE_LOST = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** Whether an error, or one it was caused by, says the broker lost this producer's state. */
export function producerStateLost(error: unknown): boolean {
  return causesOf(error).some((e) => {
    const type = e instanceof Error ? (e as { type?: unknown }).type : undefined;
    return typeof type === 'string' && PRODUCER_STATE_LOST.has(type);
  });
}

/**
 * The broker's answers that refuse one message for good: sending the same bytes to the same topic
 * again gets the same answer (a record over max.message.bytes, one it finds invalid, a topic name
 * it will not have). kafkajs retries CORRUPT_MESSAGE itself (it calls it retriable) and gives it
 * up only with its retries, so it counts here only then. Not here: what refuses every message
 * alike and is fixed by configuration, not by the message (TOPIC_AUTHORIZATION_FAILED, an
 * ACL; INVALID_REQUIRED_ACKS): those keep being retried, and the relay's readiness shows them.
 */
const REFUSED_FOR_GOOD = new Set([
  'MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION',
  'INVALID_TIMESTAMP', 'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

/** The broker's reason (kafkajs' name of its error code) when it refused a message for good; undefined for any other error. */
export function refusedForGood(error: unknown): string | undefined {
  for (const e of causesOf(error)) {
    const type = e instanceof Error ? (e as { type?: unknown }).type : undefined;
    if (typeof type === 'string' && REFUSED_FOR_GOOD.has(type)) return type;
  }
  return undefined;
}
