import { logLevel } from 'kafkajs';
import { EXPECTED_START_UP_RETRIES, kafkaLogLevel } from './kafka';

describe('kafkaLogLevel: expected start-up retries are below warning, everything else unchanged', () => {
  it.each([
    ["The coordinator is loading and hence can't process requests for this group"],
    ['The group coordinator is not available'],
    ['This is not the correct coordinator for this group'],
    ['There is no leader for this topic-partition as we are in the middle of a leadership election'],
  ])('an error-level "Response ..." line whose error is "%s" is info', (error) => {
    expect(kafkaLogLevel(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', { error, correlationId: 3 })).toBe('info');
    expect(kafkaLogLevel(logLevel.WARN, `Crash: ${error}`, {})).toBe('info');
  });

  it('covers each listed text', () => {
    for (const text of EXPECTED_START_UP_RETRIES) expect(kafkaLogLevel(logLevel.ERROR, 'x', { error: text })).toBe('info');
  });

  it('keeps any other error and warning at its level', () => {
    expect(kafkaLogLevel(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', { error: 'Topic authorization failed' })).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', {})).toBe('error');
    expect(kafkaLogLevel(logLevel.WARN, 'KafkaJS v2.0.0 switched default partitioner', { error: 42 })).toBe('warn');
  });

  it('keeps info and debug as they are', () => {
    expect(kafkaLogLevel(logLevel.INFO, 'Consumer has joined the group', {})).toBe('info');
    expect(kafkaLogLevel(logLevel.DEBUG, 'Request Metadata', { error: 'The group coordinator is not available' })).toBe('debug');
  });
});
