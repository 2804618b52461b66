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
