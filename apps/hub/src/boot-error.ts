import { causesOf } from './error-causes';

/**
 * A service the hub needs at start did not answer, or refused it: the database or the broker.
 * Not a configuration error (exit 2) as far as the hub can tell, since the service may simply not
 * be up yet, so the hub exits 1 and an orchestrator starts it again; but the message names the
 * service, the address and the variable it came from, and the service's own reason.
 */
export class BootError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${reasons(cause)}`, { cause });
    this.name = 'BootError';
  }
}

/** The messages along an error's `cause` chain, each once: kafkajs wraps the reason in a retry error or two. */
export function reasons(error: unknown): string {
  const seen: string[] = [];
  for (const e of causesOf(error)) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !seen.some((m) => m.includes(message))) seen.push(message);
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
