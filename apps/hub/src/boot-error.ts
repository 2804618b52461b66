import { causesOf } from './error-causes';

/**
 * A service the hub needs at start did not answer, or refused it: the database or the broker.
 * Not a configuration error (exit 2) as far as the hub can tell, since the service may simply not
 * be up yet, so the hub exits 1 and an orchestrator starts it again; but the message names the
 * service, the address and the variable it came from, and the service's own reason.
 */
export class BootError extends Error {
  constructor(what: string, cause: unknown, hint?: string) {
    super(`${what}: ${reasons(cause)}${hint ? ` (${hint})` : ''}`, { cause });
    this.name = 'BootError';
  }
}

/**
 * What to check when a broker closed the connection on a plaintext client, as a TLS listener
 * does: kafkajs says only "Closed connection".
 */
export function kafkaBootHint(error: unknown, tls: boolean): string | undefined {
  if (tls) return undefined;
  const closed = causesOf(error).some((e) => e instanceof Error && e.name === 'KafkaJSConnectionClosedError');
  return closed ? 'the broker closed the connection of a plaintext client: for a TLS listener set KAFKA_SSL_CA, and KAFKA_SSL_CERT and KAFKA_SSL_KEY for mutual TLS' : undefined;
}

/** How many of an aggregate error's errors a reason names. */
const AGGREGATE_SHOWN = 3;

/**
 * The messages along an error's `cause` chain, each once: kafkajs wraps the reason in a retry
 * error or two. An aggregate (kafkajs' "Topic creation errors", one per topic) adds its first
 * errors' messages with their type, such as TOPIC_AUTHORIZATION_FAILED for a principal the
 * broker does not let in.
 */
export function reasons(error: unknown): string {
  const seen: string[] = [];
  const add = (message: string) => {
    if (message && !seen.some((m) => m.includes(message))) seen.push(message);
  };
  for (const e of causesOf(error)) {
    add(e instanceof Error ? e.message : String(e));
    const inner = (e as { errors?: unknown }).errors;
    if (!Array.isArray(inner)) continue;
    for (const item of inner.slice(0, AGGREGATE_SHOWN)) {
      const type = (item as { type?: unknown }).type;
      add(`${item instanceof Error ? item.message : String(item)}${typeof type === 'string' ? ` (${type})` : ''}`);
    }
    if (inner.length > AGGREGATE_SHOWN) add(`and ${inner.length - AGGREGATE_SHOWN} more`);
  }
  return seen.join(': ') || 'no reason given';
}

/** A database URL without its user and password: host, port and database. */
export function databaseAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(an address that is not a URL)';
  }
}
