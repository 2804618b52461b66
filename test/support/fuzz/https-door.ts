import { partnerAccessToken } from '../../../deploy/local/https-partner';

export interface DoorAnswer {
  status: number;
  contentType: string;
  body: Record<string, any> | undefined;
}

/**
 * A partner system on the HTTPS door: a client-credentials token (renewed well before it
 * expires), POST /events with the bytes and headers given, and the cursor feed read to its end.
 */
export class HttpsDoor {
  private token?: { value: Promise<string>; at: number };

  constructor(private readonly hubUrl: () => string, private readonly partnerId: string, private readonly partnerKey: Buffer) {}

  /** One token shared by concurrent requests, renewed after five of its fifteen minutes. */
  private async bearer(): Promise<string> {
    if (!this.token || Date.now() - this.token.at > 5 * 60_000) {
      const value = this.issue();
      this.token = { value, at: Date.now() };
      value.catch(() => { this.token = undefined; });
    }
    return `Bearer ${await this.token.value}`;
  }

  private issue(): Promise<string> {
    return partnerAccessToken(this.hubUrl(), this.partnerId, this.partnerKey);
  }

  /** Structured mode unless headers say otherwise; an empty headers object sends no content-type at all. */
  async post(bytes: Buffer | null, headers: Record<string, string> = { 'content-type': 'application/cloudevents+json' }): Promise<DoorAnswer> {
    const response = await fetch(`${this.hubUrl()}/events`, {
      method: 'POST', headers: { authorization: await this.bearer(), ...headers }, body: bytes ?? Buffer.alloc(0), signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let body: Record<string, any> | undefined;
    try {
      body = JSON.parse(text) as Record<string, any>;
    } catch {
      body = undefined;
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
  }

  /** Every message on the partner's feed after `after`, page by page. */
  async readFeed(after = '0'): Promise<{ events: Array<Record<string, any>>; cursor: string }> {
    const events: Array<Record<string, any>> = [];
    let cursor = after;
    for (;;) {
      const response = await fetch(`${this.hubUrl()}/feed?after=${cursor}&limit=500`, { headers: { authorization: await this.bearer() } });
      if (response.status !== 200) throw new Error(`feed answered ${response.status}: ${await response.text()}`);
      const page = (await response.json()) as { events: Array<Record<string, any>>; cursor: string };
      events.push(...page.events);
      if (page.events.length === 0) return { events, cursor };
      cursor = page.cursor;
    }
  }
}

/** Runs the tasks with at most `width` at a time, in order of the list; results in the same order. */
export async function inPool<T>(tasks: ReadonlyArray<() => Promise<T>>, width: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const k = next++;
      results[k] = await tasks[k]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}
