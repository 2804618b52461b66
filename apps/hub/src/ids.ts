import { v5 as uuidv5 } from 'uuid';

const NAMESPACE = '1d7b6f0e-3c2a-5f43-9a7e-6b2f0c4d8e11';

/**
 * Stable message ids: the same input always yields the same id, so a message written again
 * after a crash is recognisably the same message to every receiver.
 */
export const forwardId = (source: string, eventId: string, recipient: string): string =>
  uuidv5(`forward|${source}|${eventId}|${recipient}`, NAMESPACE);
export const deadLetterId = (topic: string, partition: number, offset: string): string =>
  uuidv5(`deadletter|${topic}|${partition}|${offset}`, NAMESPACE);
export const rejectionId = (topic: string, partition: number, offset: string): string =>
  uuidv5(`rejection|${topic}|${partition}|${offset}`, NAMESPACE);
export const auditIdFor = (messageId: string): string => uuidv5(`audit|${messageId}`, NAMESPACE);
export const hubMessageId = (source: string, eventId: string, type: string, recipient: string): string =>
  uuidv5(`hub|${source}|${eventId}|${type}|${recipient}`, NAMESPACE);
export const timerMessageId = (timerId: string, phase: 'warn' | 'fire', recipient: string): string =>
  uuidv5(`timer|${timerId}|${phase}|${recipient}`, NAMESPACE);
