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
