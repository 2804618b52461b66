import { BootError, databaseAddress, reasons } from './boot-error';

describe('BootError', () => {
  it('names what failed and every reason along the cause chain once', () => {
    // As kafkajs reports a broker that refuses connections: the reason wrapped twice.
    const refused = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    const retried = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1', { cause: refused });
    const wrapped = Object.assign(new Error('Number of retries exceeded'), { cause: retried });
    const error = new BootError('could not set up the topics on the Kafka broker at 127.0.0.1:1 (KAFKA_BROKERS)', wrapped);
    expect(error.message).toBe('could not set up the topics on the Kafka broker at 127.0.0.1:1 (KAFKA_BROKERS): Number of retries exceeded: Connection error: connect ECONNREFUSED 127.0.0.1:1');
    expect(error.cause).toBe(wrapped);
  });

  it('says so when there is no reason, and takes a thrown string as its reason', () => {
    expect(reasons(new Error(''))).toBe('no reason given');
    expect(reasons('timeout')).toBe('timeout');
  });
});

describe('databaseAddress', () => {
  it('keeps host, port and database and drops the user and password', () => {
    expect(databaseAddress('postgres://ketenhub:s3cret@db.example:6543/hub')).toBe('db.example:6543/hub');
    expect(databaseAddress('postgresql://u:p@localhost/hub?sslmode=require')).toBe('localhost:5432/hub');
  });

  it('does not repeat an address that is not a URL', () => {
    expect(databaseAddress('postgres://u:p@[bad')).toBe('(an address that is not a URL)');
  });
});
