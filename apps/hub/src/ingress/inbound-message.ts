import type { Partner } from '@ketenhub/routing';

/** One message as read from an inbound topic, with the partner that owns the topic. */
export interface InboundMessage {
  owner: Partner;
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
}

export type Outcome =
  | { kind: 'accepted'; eventId: string; type: string; familyId: string; deliveries: number }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'rejected'; reason: string; firstTime: boolean; eventId?: string };
