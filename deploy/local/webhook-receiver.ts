import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@ketenhub/messaging';

export interface WebhookDelivery {
  path: string;
  id: string;
  timestamp: string;
  body: string;
  event: Record<string, any>;
  signatureOk: boolean;
  problem?: string;
}

/** A held path: how many more requests to answer, and the ones kept waiting (`gone` once their sender left). */
interface Hold {
  answer: number;
  waiting: Array<{ answer: () => void; gone: () => boolean }>;
}

/**
 * A partner system's webhook endpoint: checks each delivery's signature with the partner's
 * secret and keeps it. `down(path)` makes a path answer 503 until `up(path)`, like a receiver
 * that is away for maintenance; `hold(path, n)` answers n more requests and leaves the rest
 * unanswered until `release(path)`, like a receiver that hangs mid-stream.
 */
export class WebhookReceiver {
  readonly deliveries: WebhookDelivery[] = [];
  readonly refused: string[] = [];
  private readonly downPaths = new Set<string>();
  private readonly secrets = new Map<string, string>();
  private readonly holds = new Map<string, Hold>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = http.createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => receiver.arrive(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The secret deliveries on this path must be signed with. */
  expect(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  down(path: string): void {
    this.downPaths.add(path);
  }

  up(path: string): void {
    this.downPaths.delete(path);
  }

  /**
   * From now on, answer `answer` more requests on this path (those already waiting first), then
   * keep every further one waiting, unanswered, until release(path). A request whose sender went
   * away while it waited is never answered nor kept.
   */
  hold(path: string, answer = 0): void {
    const hold = this.holds.get(path) ?? { answer: 0, waiting: [] };
    hold.answer = answer;
    this.holds.set(path, hold);
    this.answerWaiting(hold);
  }

  /** Answers what waits on this path and stops holding it. */
  release(path: string): void {
    const hold = this.holds.get(path);
    if (!hold) return;
    this.holds.delete(path);
    hold.answer = Infinity;
    this.answerWaiting(hold);
  }

  /** How many requests on this path wait for an answer. */
  waiting(path: string): number {
    return this.holds.get(path)?.waiting.filter((w) => !w.gone()).length ?? 0;
  }

  on(path: string): WebhookDelivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  private answerWaiting(hold: Hold): void {
    while (hold.answer > 0 && hold.waiting.length > 0) {
      const next = hold.waiting.shift()!;
      if (next.gone()) continue;
      hold.answer--;
      next.answer();
    }
  }

  private arrive(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const hold = this.holds.get(req.url ?? '/');
    if (hold && hold.answer <= 0) {
      hold.waiting.push({ answer: () => this.handle(req, body, res), gone: () => res.destroyed || req.socket.destroyed });
      return;
    }
    if (hold) hold.answer--;
    this.handle(req, body, res);
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const path = req.url ?? '/';
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
    if (this.downPaths.has(path)) {
      this.refused.push(header('webhook-id') ?? '?');
      res.writeHead(503).end('down for maintenance');
      return;
    }
    const secret = this.secrets.get(path);
    const check = secret ? verifyWebhook(secret, { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') }, body) : { ok: false as const, problem: 'no secret for this path' };
    this.deliveries.push({
      path, id: header('webhook-id') ?? '', timestamp: header('webhook-timestamp') ?? '', body: body.toString('utf8'),
      event: JSON.parse(body.toString('utf8')) as Record<string, any>, signatureOk: check.ok, ...(check.ok ? {} : { problem: check.problem }),
    });
    res.writeHead(check.ok ? 204 : 401).end();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
