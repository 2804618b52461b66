import { BootError, databaseAddress, kafkaBootHint, reasons } from './boot-error';

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

  it('names the first errors of an aggregate with their type, as kafkajs reports topics it may not create', () => {
    const denied = (topic: string) => Object.assign(new Error(`Topic authorization failed: ${topic}`), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    const aggregate = Object.assign(new Error('Topic creation errors'), { errors: ['a', 'b', 'c', 'd', 'e'].map(denied) });
    expect(reasons(aggregate)).toBe('Topic creation errors: Topic authorization failed: a (TOPIC_AUTHORIZATION_FAILED): Topic authorization failed: b (TOPIC_AUTHORIZATION_FAILED)'
      + ': Topic authorization failed: c (TOPIC_AUTHORIZATION_FAILED): and 2 more');
  });

  it('hints at TLS when a broker closed the connection of a plaintext client, and only then', () => {
    const closed = Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });
    const wrapped = new Error('Closed connection', { cause: closed });
    const error = new BootError('could not set up the topics on the Kafka broker at h:9093 (KAFKA_BROKERS)', wrapped, kafkaBootHint(wrapped, false));
    expect(error.message).toBe('could not set up the topics on the Kafka broker at h:9093 (KAFKA_BROKERS): Closed connection'
      + ' (the broker closed the connection of a plaintext client: for a TLS listener set KAFKA_SSL_CA, and KAFKA_SSL_CERT and KAFKA_SSL_KEY for mutual TLS)');
    expect(kafkaBootHint(wrapped, true)).toBeUndefined();
    expect(kafkaBootHint(new Error('Connection error: connect ECONNREFUSED'), false)).toBeUndefined();
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
