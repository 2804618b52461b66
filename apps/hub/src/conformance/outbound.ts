import { EventEmitter } from 'node:events';
import type { BerichtAfgewezenV2 } from '@ketenhub/contracts';
import type { CloudEvent } from './partner-profile';

/** A message the hub sent the partner, as the conformance run received it. */
export interface Received {
  event: CloudEvent;
  /** Webhooks only: the Standard Webhooks headers and whether the signature holds. */
  webhook?: { id: string; signature: { ok: true } | { ok: false; problem: string } | 'unchecked' };
}

/**
 * Where the hub's messages for the partner arrive: a webhook listener, the feed, or the Kafka
 * outbound topic. Collects everything from start() to close(); waitUntil() resolves when a
 * condition on what arrived holds, or at the deadline.
 */
export abstract class OutboundReceiver {
  readonly received: Received[] = [];
  private readonly arrivals = new EventEmitter().setMaxListeners(0);

  /** Starts receiving; a line for the report on what it listens to. Throws with the reason when it cannot. */
  abstract start(): Promise<string>;
  abstract close(): Promise<void>;
  /** Where, in words: "127.0.0.1:4711", "the feed", "topic outbound.x". */
  abstract readonly where: string;

  protected add(received: Received): void {
    this.received.push(received);
    this.arrivals.emit('added');
  }

  waitUntil(condition: () => boolean, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (!condition() && Date.now() < deadline) return;
        clearTimeout(timer);
        this.arrivals.off('added', check);
        resolve(condition());
      };
      const timer = setTimeout(check, Math.max(0, deadline - Date.now()));
      this.arrivals.on('added', check);
      check();
    });
  }
}

/** The hub sends v2 (a bounded error list); a hub before it sent v1, which reads the same for these checks. */
export const BERICHT_AFGEWEZEN = new Set(['nl.ketenhub.hub.bericht-afgewezen.v2', 'nl.ketenhub.hub.bericht-afgewezen.v1']);

/** The hub's notice that it refused the event with this id (bericht-afgewezen, causationid = the id). */
export function rejectionOf(received: readonly Received[], eventId: string): Received | undefined {
  return received.find((r) => BERICHT_AFGEWEZEN.has(r.event.type) && (r.event.causationid === eventId || (r.event.data.bericht as { id?: string } | undefined)?.id === eventId));
}

/** A bericht-afgewezen's data as it arrived: from the wire, so any field may be missing. */
export const noticeData = (notice: Received | undefined): Partial<BerichtAfgewezenV2> => (notice?.event.data ?? {}) as Partial<BerichtAfgewezenV2>;

/** Parses a message body as a CloudEvent with object data; undefined for anything else. */
export function parseEvent(bytes: Buffer | string): CloudEvent | undefined {
  try {
    const value = JSON.parse(bytes.toString()) as Partial<CloudEvent>;
    return typeof value === 'object' && value !== null && typeof value.type === 'string' && typeof value.data === 'object' && value.data !== null ? (value as CloudEvent) : undefined;
  } catch {
    return undefined;
  }
}
