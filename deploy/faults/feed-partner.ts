/**
 * A partner connected by the cursor feed, as its system reads it during a fault run: long polls
 * on GET /feed of whichever hub is ready, with its client-credentials token, passing each answer's
 * cursor on with the next read (which is how the partner acknowledges what it has taken). When a
 * hub goes away mid-read, or answers anything but 200, it waits and reads again, from the last
 * cursor it passed on, at whichever hub is ready then: what the hub gives again is a repeat.
 */
import { HubClient } from '../../apps/hub/src/conformance/hub.client';
import { partnerAccessToken } from '../local/https-partner';

const WAIT_SECONDS = 2;

export class FeedPartner {
  /** The id of every event taken from the feed, in the order taken (repeats included). */
  readonly taken: string[] = [];
  /** Reads that failed or were refused, and the last reason, for the report. */
  failedReads = 0;
  lastProblem?: string;
  private cursor?: string;
  private token?: string;
  private readonly stopped = new AbortController();
  private loop?: Promise<void>;

  constructor(
    readonly partnerId: string,
    private readonly partnerKey: Buffer,
    /** The base URL of a hub that is ready (waits for one). */
    private readonly hubUrl: () => Promise<string>,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      try {
        const url = await this.hubUrl();
        this.token ??= await partnerAccessToken(url, this.partnerId, this.partnerKey);
        const answer = await new HubClient(url).feed(this.token, this.cursor, WAIT_SECONDS, this.stopped.signal);
        if (answer.status === 200) {
          const page = answer.body as { events: Array<{ id: string }>; cursor: string };
          for (const event of page.events) this.taken.push(event.id);
          this.cursor = page.cursor;
          continue;
        }
        if (answer.status === 401) this.token = undefined;
        this.failedReads++;
        this.lastProblem = `GET /feed answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`;
      } catch (error) {
        if (this.stopped.signal.aborted) return;
        this.failedReads++;
        this.lastProblem = error instanceof Error ? error.message : String(error);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
