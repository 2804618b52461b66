/** An answer from the hub: the status, the media type, and the body (parsed when it is JSON). */
export interface HubAnswer {
  status: number;
  contentType: string;
  body: unknown;
  /** How many 429s were waited out before this answer. */
  throttled: number;
}

export interface DeliveryRecord {
  partnerId: string;
  seq: string;
  messageId: string;
  eventType: string | null;
  status: 'PENDING' | 'FAILING' | 'DELIVERED' | 'DEAD' | 'FEED';
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  receivedAt: string;
}

/** The hub could not be asked: refused, unknown host, no answer in time. */
export class HubUnreachable extends Error {}

const REQUEST_TIMEOUT_MS = 15_000;
const MAX_THROTTLED = 3;

/**
 * The partner API as a partner system calls it (docs/API.md): token, events, feed, deliveries.
 * A 429 is waited out (Retry-After, at most a few seconds) and the request sent again.
 */
export class HubClient {
  constructor(readonly baseUrl: string) {}

  async request(method: 'GET' | 'POST', path: string, init: { headers?: Record<string, string>; body?: string; token?: string; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HubAnswer> {
    for (let throttled = 0; ; throttled++) {
      const timeout = AbortSignal.timeout(init.timeoutMs ?? REQUEST_TIMEOUT_MS);
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${path}`, {
          method, body: init.body, redirect: 'manual',
          headers: { accept: 'application/json', ...init.headers, ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
          signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
        });
      } catch (error) {
        if (init.signal?.aborted) throw error;
        throw new HubUnreachable(`${method} ${this.baseUrl}${path}: ${causeOf(error, init.timeoutMs ?? REQUEST_TIMEOUT_MS)}`);
      }
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      if (response.status === 429 && throttled < MAX_THROTTLED) {
        const wait = Math.min(5, Math.max(1, Number(response.headers.get('retry-after')) || 1));
        await new Promise((r) => setTimeout(r, wait * 1000));
        continue;
      }
      let body: unknown = text;
      if (/json/.test(contentType)) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return { status: response.status, contentType, body, throttled };
    }
  }

  health(): Promise<HubAnswer> {
    return this.request('GET', '/health');
  }

  asyncApi(): Promise<HubAnswer> {
    return this.request('GET', '/asyncapi.json');
  }

  token(clientId: string, clientSecret: string): Promise<HubAnswer> {
    return this.request('POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    });
  }

  /** Structured mode: exactly these bytes, so a repeat can send them again. */
  postStructured(body: string, token: string | undefined): Promise<HubAnswer> {
    return this.request('POST', '/events', { headers: { 'content-type': 'application/cloudevents+json' }, body, token });
  }

  postBinary(headers: Record<string, string>, body: string, token: string): Promise<HubAnswer> {
    return this.request('POST', '/events', { headers, body, token });
  }

  feed(token: string, after: string | undefined, waitSeconds: number, signal: AbortSignal): Promise<HubAnswer> {
    const query = new URLSearchParams({ wait: String(waitSeconds), limit: '500', ...(after !== undefined ? { after } : {}) });
    return this.request('GET', `/feed?${query}`, { token, signal, timeoutMs: (waitSeconds + 15) * 1000 });
  }

  async deliveries(token: string, filter: Record<string, string>): Promise<{ total: number; items: DeliveryRecord[] } | undefined> {
    const answer = await this.request('GET', `/deliveries?${new URLSearchParams(filter)}`, { token });
    const body = answer.body as { total?: number; items?: DeliveryRecord[] };
    return answer.status === 200 && Array.isArray(body?.items) ? { total: body.total ?? body.items.length, items: body.items } : undefined;
  }

  /** Asks the hub to try the partner's failing webhook deliveries now; how many it queued again. */
  async resendFailing(token: string): Promise<number | undefined> {
    const answer = await this.request('POST', '/deliveries/resend', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'FAILING' }), token });
    return answer.status === 200 ? (answer.body as { requeued?: number }).requeued : undefined;
  }
}

/** The reason a request got no answer, in a partner's words: ECONNREFUSED, ENOTFOUND, a timeout. */
export function causeOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
