import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './unavailable';

/** An error as node-postgres gives a server's ErrorResponse: the SQLSTATE in `code`. */
const serverError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('isDatabaseUnavailable', () => {
  it('recognises a database that is away, also when TypeORM or a pool wraps the error', () => {
    const away = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111 }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') }),
      serverError('57P01', 'terminating connection due to administrator command'),
      serverError('57P03', 'the database system is starting up'),
      serverError('08006', 'connection failure'),
      serverError('53300', 'sorry, too many clients already'),
      new QueryFailedError('SELECT 1', [], serverError('57P01', 'terminating connection due to administrator command')),
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], 'connect failed'),
    ];
    expect(away.map((e) => isDatabaseUnavailable(e))).toEqual(away.map(() => true));
  });

  it('does not take a wrong statement, a constraint or the hub\'s own bug for an outage', () => {
    const wrong = [
      new QueryFailedError('INSERT …', [], serverError('23505', 'duplicate key value violates unique constraint "inbox_pkey"')),
      serverError('42P01', 'relation "inbox" does not exist'),
      serverError('40P01', 'deadlock detected'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'Connection terminated unexpectedly',
      undefined,
    ];
    expect(wrong.map((e) => isDatabaseUnavailable(e))).toEqual(wrong.map(() => false));
  });
});
