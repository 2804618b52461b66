import pino, { type Logger } from 'pino';
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
 * nine-digit number that passes the elfproef is masked before the line is written.
 */
export function createRootLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'ketenhub-hub' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      streamWrite: maskBsns,
    },
  });
}

