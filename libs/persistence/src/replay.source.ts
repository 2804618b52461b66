import type { EntityManager } from 'typeorm';
import type { FamilyEvent } from '@ketenhub/domain';
import { RegieStore } from './regie.store';

/** A partner event the hub took in, with the routing facts it had then (the shape of @ketenhub/routing's ReplayEvent). */
export interface ReplayEventRow {
  id: string;
  type: string;
  /** When it happened. */
  time: string;
  /** When the hub took it in. */
  receivedAt: string;
  senderId: string;
  familyId: string;
  municipality: string | null;
  involvedBefore: string[];
}

export interface ReplayPeriod {
  /** Inclusive, on the time the hub took the event in (`inbox.received_at`). */
  since: string;
  /** Exclusive. */
  until: string;
}

const PARTNER_SOURCE = /^urn:ketenhub:partner:/;

/**
 * The events of a period as the configuration replay needs them. Call inside one transaction
 * (REPEATABLE READ, READ ONLY), so events and families come from one snapshot: events are read
 * through a cursor in batches.
 *
 * The period is on arrival (`received_at`): what flowed through the hub in it, also an event that
 * happened earlier. The facts routing had when each event arrived are reconstructed:
 *
 * - municipality: the event's own `gemeente`, else the `gemeente` of the family's first event to
 *   arrive with one (that is how the hub fills `family.municipality`); null when none had arrived.
 * - involvedBefore: the partners in `involvement` whose involving event (`first_event_id`, the
 *   event that first made them involved, its sender or a partner it named) arrived before this
 *   one. Not `since`: that is the earliest *happened* time of the partner's events, while routing
 *   saw who was involved at *arrival*, so an event that happened earlier but arrived later would be
 *   counted wrongly.
 *
 * Limits: arrival order is `received_at`, the start of the accepting transaction. Two events of
 * one family taken in at nearly the same moment by concurrent transactions are serialised by the
 * family lock in an order `received_at` may not show; for those, involvedBefore can be off by the
 * other event's partners. Involvement is what the versions that ran recorded: a candidate with
 * other partners would have involved others, which the replay does not recompute. An event
 * withheld because of a confidential address is replayed as if it were routed.
 */
export class ReplaySource {
  constructor(private readonly regie = new RegieStore()) {}

  async events(db: EntityManager, period: ReplayPeriod, onBatch?: (read: number) => void, batchSize = 1000): Promise<ReplayEventRow[]> {
    await db.query(
      `DECLARE replay_events NO SCROLL CURSOR FOR
       SELECT e.event_id, e.type, e.source, e.family_id,
         to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time,
         to_char(e.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at,
         CASE WHEN jsonb_typeof(e.data->'gemeente') = 'string' THEN e.data->>'gemeente' ELSE (
           SELECT f.data->>'gemeente' FROM inbox f
           WHERE f.family_id = e.family_id AND jsonb_typeof(f.data->'gemeente') = 'string'
             AND (f.received_at, f.source, f.event_id) < (e.received_at, e.source, e.event_id)
           ORDER BY f.received_at, f.source, f.event_id LIMIT 1) END AS municipality,
         ARRAY(
           SELECT v.partner_id FROM involvement v
           WHERE v.family_id = e.family_id AND EXISTS (
             SELECT 1 FROM inbox c WHERE c.family_id = v.family_id AND c.event_id = v.first_event_id
               AND (c.received_at, c.source, c.event_id) < (e.received_at, e.source, e.event_id))
           ORDER BY v.partner_id) AS involved_before
       FROM inbox e
       WHERE e.received_at >= $1 AND e.received_at < $2
       ORDER BY e.received_at, e.source, e.event_id`,
      [period.since, period.until]);
    const out: ReplayEventRow[] = [];
    try {
      for (;;) {
        const rows: Array<{ event_id: string; type: string; source: string; family_id: string; time: string; received_at: string; municipality: string | null; involved_before: string[] }> =
          await db.query(`FETCH FORWARD ${Math.max(1, Math.floor(batchSize))} FROM replay_events`);
        for (const r of rows) {
          out.push({
            id: r.event_id, type: r.type, time: r.time, receivedAt: r.received_at, senderId: r.source.replace(PARTNER_SOURCE, ''),
            familyId: r.family_id, municipality: r.municipality, involvedBefore: r.involved_before,
          });
        }
        if (rows.length > 0) onBatch?.(out.length);
        if (rows.length < batchSize) break;
      }
    } finally {
      await db.query('CLOSE replay_events');
    }
    return out;
  }

  /** Every event of each family, not only the period's, in happened-order: what the regie decision is made from now. */
  async families(db: EntityManager, familyIds: readonly string[], onProgress?: (read: number) => void): Promise<Array<{ familyId: string; events: FamilyEvent[] }>> {
    const out: Array<{ familyId: string; events: FamilyEvent[] }> = [];
    for (const familyId of [...new Set(familyIds)].sort()) {
      out.push({ familyId, events: await this.regie.events(db, familyId) });
      if (onProgress && out.length % 1000 === 0) onProgress(out.length);
    }
    return out;
  }
}
