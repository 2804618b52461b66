import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { maskBsns } from '@ketenhub/domain';

/** Fields that may hold a person's data; pino replaces them wherever they appear. */
export const REDACT_PATHS = [
  'bsn', '*.bsn', '*.*.bsn', 'data', '*.data', 'naam', '*.naam', 'adres', '*.adres', 'toelichting', '*.toelichting',
  'req.headers.authorization', 'req.headers.cookie',
  // CloudEvents binary mode carries the free-text subject attribute as a header.
  'req.headers["ce-subject"]',
];

/**
 * The hub's root logger: JSON lines, redacted paths, and as last line of defence every
 * nine-digit number that passes the elfproef is masked before the line is written. With `pretty`
 * (main.ts: standard output is a terminal) the same masked JSON line is rendered readable by
 * pino-pretty; anything else (a pipe, a file, a log collector, the tests) gets the JSON itself.
 */
export function createRootLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const settings = {
    level,
    base: { service: 'ketenhub-hub' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      streamWrite: maskBsns,
    },
  };
  if (!options.pretty) return pino(settings);
  return pino(settings, pinoPretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
}

