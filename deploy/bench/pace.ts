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
