import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '@ketenhub/persistence';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Seconds a client is asked to wait before trying again after a 503. */
export const RETRY_AFTER_SECONDS = 5;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** Every error the API answers is an RFC 9457 problem with its own media type. */
export function toProblem(exception: unknown): ProblemBody {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'object' && body !== null && 'type' in body && 'title' in body) return body as ProblemBody;
    const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    return {
      type: 'about:blank', title: HttpStatus[status] ?? 'ERROR', status,
      detail: Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message,
    };
  }
  // body-parser's errors carry their status and a type such as 'entity.too.large'.
  const parserError = exception as { status?: unknown; type?: unknown; message?: unknown; limit?: unknown };
  if (typeof parserError?.status === 'number' && typeof parserError.type === 'string' && parserError.status >= 400 && parserError.status < 500) {
    const status = parserError.status;
    if (parserError.type === 'entity.too.large') {
      const detail = `the request body is larger than the ${String(parserError.limit)} bytes allowed here`;
      // The same reason and errors as the decoder's TE_GROOT, which answers bodies just over MAX_MESSAGE_BYTES.
      return { type: 'https://ketenhub.nl/problems/te_groot', title: 'TE_GROOT', status, detail, reason: 'TE_GROOT', errors: [{ pointer: '', keyword: 'maxBytes', message: detail }] };
    }
    if (parserError.type === 'entity.parse.failed') {
      return { type: 'https://ketenhub.nl/problems/ongeldige_json', title: 'ONGELDIGE_JSON', status, detail: 'the request body is not valid JSON' };
    }
    return { type: 'about:blank', title: HttpStatus[status] ?? 'BAD_REQUEST', status, detail: String(parserError.message ?? parserError.type) };
  }
  if (isDatabaseUnavailable(exception)) {
    return {
      type: 'https://ketenhub.nl/problems/tijdelijk_niet_beschikbaar', title: 'TIJDELIJK_NIET_BESCHIKBAAR', status: 503, reason: 'TIJDELIJK_NIET_BESCHIKBAAR',
      detail: `the hub cannot reach its database just now; nothing was changed: ask again after ${RETRY_AFTER_SECONDS} seconds`,
    };
  }
  return { type: 'about:blank', title: 'INTERNAL_SERVER_ERROR', status: 500, detail: 'the hub could not handle this request; it is logged' };
}

/** Sends the problem; a 503 says when to try again (Retry-After), unless the handler said so already. */
export function sendProblem(response: Response, problem: ProblemBody): void {
  if (problem.status === 503 && !response.getHeader('Retry-After')) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** A 503 is the database or the bus being away, which the hub recovers from: a warning, not an error. */
function logProblem(logger: Logger, problem: ProblemBody, error: unknown): void {
  if (problem.status === 503) logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'request answered 503: a service the hub needs is unavailable');
  else if (problem.status >= 500) logger.error({ err: error }, 'request failed');
}

/** Nest's side: exceptions thrown by guards and handlers. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = toProblem(exception);
    logProblem(this.logger, problem, exception);
    if (response.headersSent) return;
    sendProblem(response, problem);
  }
}

/** Express's side: errors raised before Nest sees the request (the body parsers). */
export function problemErrorHandler(logger: Logger) {
  return (error: unknown, _request: Request, response: Response, next: NextFunction): void => {
    if (response.headersSent) return next(error);
    const problem = toProblem(error);
    logProblem(logger, problem, error);
    sendProblem(response, problem);
  };
}
