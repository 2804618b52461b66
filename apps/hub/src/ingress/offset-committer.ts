export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Coalesces offset commits: the partitions whose messages one transaction applied finish
 * together, and instead of one commit request each (a broker round trip and a write to
 * __consumer_offsets apiece), what is asked for in one turn of the event loop goes in one
 * request. Per partition the highest offset asked for wins. Each caller gets the outcome of the
 * request that carried its offset.
 */
export class OffsetCommitter {
  private pending = new Map<string, TopicPartitionOffset>();
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly send: (offsets: TopicPartitionOffset[]) => Promise<void>) {}

  commit(offset: TopicPartitionOffset): Promise<void> {
    const key = `${offset.topic}\u0000${offset.partition}`;
    const before = this.pending.get(key);
    if (!before || BigInt(before.offset) < BigInt(offset.offset)) this.pending.set(key, offset);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const offsets = [...this.pending.values()];
    const waiting = this.waiting;
    this.pending = new Map();
    this.waiting = [];
    this.scheduled = false;
    try {
      await this.send(offsets);
      for (const w of waiting) w.resolve();
    } catch (error) {
      for (const w of waiting) w.reject(error);
    }
  }
}
