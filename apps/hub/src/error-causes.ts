/**
 * An error and what caused it, outermost first, following `cause` through Errors only and at most
 * `max` deep: kafkajs wraps a broker's answer in a retry error or two, and a loop in the chain must
 * not hang whoever reads it.
 */
export function causesOf(error: unknown, max = 5): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && chain.length < max; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
    if (!(e instanceof Error)) break;
  }
  return chain;
}
