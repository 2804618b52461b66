import { KafkaJSNonRetriableError, KafkaJSProtocolError, KafkaJSConnectionError } from 'kafkajs';
import { producerStateLost, refusedForGood } from './kafka-errors';

/** A protocol error as kafkajs makes it from the broker's error code. */
function protocolError(type: string, code: number): Error {
  return new KafkaJSProtocolError(Object.assign(new Error(type), { type, code, retriable: false }));
}

describe('producerStateLost', () => {
  it('is true for the answers that refuse a producer whose state the broker no longer holds', () => {
    expect(producerStateLost(protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', 45))).toBe(true);
    expect(producerStateLost(protocolError('UNKNOWN_PRODUCER_ID', 59))).toBe(true);
    expect(producerStateLost(protocolError('INVALID_PRODUCER_EPOCH', 47))).toBe(true);
  });

  it('looks through the errors kafkajs wraps them in', () => {
    // As kafkajs' retrier wraps an error it does not retry.
    const refused = protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
    const wrapped = Object.assign(new KafkaJSNonRetriableError(refused), { cause: refused });
    expect(producerStateLost(new Error('outer', { cause: wrapped }))).toBe(true);
  });

  it('is false for a broker that is away or an answer that another try may change', () => {
    expect(producerStateLost(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'))).toBe(false);
    expect(producerStateLost(protocolError('NOT_LEADER_FOR_PARTITION', 6))).toBe(false);
    expect(producerStateLost('OUT_OF_ORDER_SEQUENCE_NUMBER')).toBe(false);
  });
});

describe('refusedForGood', () => {
  it('names the broker\'s answers that refuse one message for good, also when kafkajs wraps them', () => {
    expect(refusedForGood(protocolError('MESSAGE_TOO_LARGE', 10))).toBe('MESSAGE_TOO_LARGE');
    expect(refusedForGood(protocolError('RECORD_LIST_TOO_LARGE', 18))).toBe('RECORD_LIST_TOO_LARGE');
    expect(refusedForGood(protocolError('INVALID_RECORD', 87))).toBe('INVALID_RECORD');
    expect(refusedForGood(protocolError('INVALID_TOPIC_EXCEPTION', 17))).toBe('INVALID_TOPIC_EXCEPTION');
    const refused = protocolError('MESSAGE_TOO_LARGE', 10);
    expect(refusedForGood(Object.assign(new KafkaJSNonRetriableError(refused), { cause: refused }))).toBe('MESSAGE_TOO_LARGE');
  });

  it('is undefined for what another try, a new producer or a configuration change can cure (those are retried, never quarantined)', () => {
    expect(refusedForGood(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'))).toBeUndefined();
    expect(refusedForGood(protocolError('NOT_LEADER_FOR_PARTITION', 6))).toBeUndefined();
    expect(refusedForGood(protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', 45))).toBeUndefined();
    expect(refusedForGood(protocolError('TOPIC_AUTHORIZATION_FAILED', 29))).toBeUndefined();
    expect(refusedForGood(new Error('MESSAGE_TOO_LARGE'))).toBeUndefined();
  });
});
