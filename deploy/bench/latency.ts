/** What the bench's latency phases share: sending at a fixed rate, and noting when each event's first message arrives. */
import type { Consumer, Kafka } from 'kafkajs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `items` at `rate` per second, a slice every 50 ms, each slice as soon as the one before it
 * was sent and its time has come (a slow send is caught up on, not skipped). `sentAt` gets each
 * item's time just before its slice went out: where the bench's latencies start.
 */
export async function pace<T extends { id: string }>(items: T[], rate: number, send: (slice: T[]) => Promise<unknown>, sentAt: Map<string, number>): Promise<void> {
  const tick = 50;
  const perTick = Math.max(1, Math.round((rate * tick) / 1000));
  const start = Date.now();
  for (let i = 0; i < items.length; i += perTick) {
    const slice = items.slice(i, i + perTick);
    const now = Date.now();
    for (const item of slice) sentAt.set(item.id, now);
    await send(slice);
    const due = start + ((i + perTick) / rate) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
}

export interface Arrivals {
  /** Per event id, when the first message naming it arrived (ms since the epoch). */
  first: Map<string, number>;
  /** Messages read so far. */
  read(): number;
  consumer: Consumer;
}

/**
 * A reader of `topics` from their beginning, in a group of its own that commits nothing, noting
 * when the first message that `idOf` maps to an event arrived. A fetch returns as soon as any
 * message is there (minBytes 1), so the default wait adds no latency (a short one, 20 ms before
 * 9db7204, had the broker answer empty fetches fifty times a second whenever the hub was idle).
 */
export async function readArrivals(kafka: Kafka, groupId: string, topics: Array<string | RegExp>, idOf: (value: string) => string | undefined): Promise<Arrivals> {
  const first = new Map<string, number>();
  let read = 0;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      read += batch.messages.length;
      for (const m of batch.messages) {
        const id = idOf(m.value?.toString('utf8') ?? '');
        if (id && !first.has(id)) first.set(id, now);
      }
    },
  });
  return { first, read: () => read, consumer };
}

/** The id of one of the bench's own events, which are written with `id` right after `specversion`. */
export const eventIdOf = (value: string): string | undefined => /"id":"([^"]+)"/.exec(value)?.[1];
