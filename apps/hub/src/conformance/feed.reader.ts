import { HubClient } from './hub.client';
import { OutboundReceiver, parseEvent } from './outbound';

const POLL_WAIT_SECONDS = 5;

/**
 * Reads the partner's feed (GET /feed) with long polling for the length of the run. It starts
 * where the partner's reader last acknowledged, and passes each cursor on, as a partner system
 * does: the feed position moves with it.
 */
export class FeedReader extends OutboundReceiver {
  readonly where = 'the feed (GET /feed)';
  private readonly stop = new AbortController();
  private loop?: Promise<void>;
  private cursor?: string;
  /** The last thing that went wrong, for the report. */
  lastProblem?: string;

  constructor(private readonly hub: HubClient, private readonly token: string) {
    super();
  }

  /** The first read is made here, so a feed that refuses (a Kafka partner: 409) fails the start. */
  async start(): Promise<string> {
    const first = await this.hub.feed(this.token, undefined, 0, this.stop.signal);
    if (first.status !== 200) {
      const body = first.body as { reason?: string; title?: string; detail?: string };
      throw new Error(`GET /feed answered ${first.status} ${body?.reason ?? body?.title ?? ''}: ${body?.detail ?? String(first.body).slice(0, 200)}`);
    }
    const waiting = this.take(first.body);
    this.loop = this.run();
    return `reading the feed with long polling${waiting > 0 ? ` (${waiting}${waiting >= 500 ? ' or more' : ''} messages were waiting from before this run)` : ''}`;
  }

  /** Keeps a page's events and its cursor; how many events it had. */
  private take(body: unknown): number {
    const page = body as { events?: unknown[]; cursor?: string };
    for (const raw of page.events ?? []) {
      const event = parseEvent(JSON.stringify(raw));
      if (event) this.add({ event });
    }
    if (typeof page.cursor === 'string') this.cursor = page.cursor;
    return page.events?.length ?? 0;
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        const answer = await this.hub.feed(this.token, this.cursor, POLL_WAIT_SECONDS, this.stop.signal);
        if (answer.status === 200) {
          this.take(answer.body);
          continue;
        }
        this.lastProblem = `GET /feed answered ${answer.status}`;
      } catch (error) {
        if (this.stop.signal.aborted) return;
        this.lastProblem = error instanceof Error ? error.message : String(error);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }
}
