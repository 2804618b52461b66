/**
 * Whether an error means the database could not be reached or went away, rather than that the
 * request or the hub was wrong: the answer to a client is then "try again shortly" (HTTP 503),
 * not "the hub failed" (500). Recognised, on the error or anything it wraps (TypeORM's
 * `driverError`, an error's `cause`):
 * - socket errors: the server refused, reset or timed out the connection;
 * - SQLSTATE class 08 (connection exception), 57P01-57P03 (the server is shutting down, crashed
 *   or is starting up) and 53300 (too many connections);
 * - node-postgres and its pool's own messages for a connection that ended or never came.
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, driverError, cause } = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (typeof message === 'string' && MESSAGES.test(message)) return true;
  // Node's AggregateError (a connect to several addresses that all failed) carries the socket errors.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(driverError, depth + 1) || isDatabaseUnavailable(cause, depth + 1);
}
