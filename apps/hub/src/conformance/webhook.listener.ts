import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@ketenhub/messaging';
import { OutboundReceiver, parseEvent } from './outbound';

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * The partner's webhook receiver, for the length of the run: accepts the hub's deliveries on
 * 127.0.0.1:<port> (any path), checks each signature with the webhook secret when it has one, and
 * answers 204 to every delivery so the hub moves on; the report says which signatures held.
 */
export class WebhookListener extends OutboundReceiver {
  private server?: http.Server;
  /** Deliveries that were not a CloudEvent, for the report. */
  readonly unreadable: string[] = [];

  constructor(private readonly port: number, private readonly secret: string | undefined) {
    super();
  }

  get where(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      req.on('end', () => {
        this.accept(req, Buffer.concat(chunks));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return `listening for webhook deliveries on 127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private accept(req: http.IncomingMessage, body: Buffer): void {
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
    const event = parseEvent(body);
    if (req.method !== 'POST' || !event) {
      this.unreadable.push(`${req.method} ${req.url}: ${event ? 'not a POST' : 'not a CloudEvent'}`);
      return;
    }
    const headers = { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') };
    this.add({ event, webhook: { id: headers.id ?? '', signature: this.secret ? verifyWebhook(this.secret, headers, body) : 'unchecked' } });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
