/** Injection tokens for what is not a class of our own. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const KAFKA = Symbol('KAFKA');
/** The HTTPS door's own Kafka client: it gives up sooner than KAFKA (see gateway.producer.ts). */
export const DOOR_KAFKA = Symbol('DOOR_KAFKA');
export const REGION = Symbol('REGION');
export const CONTRACTS = Symbol('CONTRACTS');
