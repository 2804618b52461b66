import * as net from 'node:net';

/** Kafka API keys whose answers name brokers by host and port: Metadata, FindCoordinator, DescribeCluster. */
const ANSWERS_WITH_ADDRESSES = new Set([3, 10, 60]);

/**
 * A TCP hop between a client and the suite's real Kafka broker that can be cut and restored, as a
 * network between a hub and its broker can fail. Every byte goes through unchanged, except one
 * thing: where the broker names itself (its advertised listener, in Metadata and FindCoordinator
 * answers) the proxy puts its own port, as any Kafka-aware proxy must; otherwise the client would
 * connect to the broker directly after its first metadata request and the cut would not reach it.
 * The host stays as it is (the proxy listens on the broker's host), so every frame keeps its length.
 *
 * While cut, the proxy's port is closed (connections are refused, like a broker that is gone) and
 * every open connection is destroyed.
 */
export class KafkaProxy {
  /** How many broker addresses in answers now point at the proxy: 0 means the client could bypass it. */
  rewritten = 0;
  /** Connections the proxy accepted. */
  accepted = 0;
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private port = 0;

  private constructor(private readonly host: string, private readonly brokerPort: number) {}

  /** A proxy for one broker given as host:port (the suite's KAFKA_BROKERS when it names one broker). */
  static async start(broker: string): Promise<KafkaProxy> {
    const match = /^([^:,\s]+):([0-9]+)$/.exec(broker.trim());
    if (!match) throw new Error(`KafkaProxy needs one broker as host:port (got '${broker}')`);
    const proxy = new KafkaProxy(match[1], Number(match[2]));
    await proxy.listen();
    return proxy;
  }

  /** What to give the client as KAFKA_BROKERS. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** The broker is unreachable from now on: open connections are destroyed, new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The broker is reachable again, at the same address. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private async listen(): Promise<void> {
    const server = net.createServer((client) => this.connect(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private connect(client: net.Socket): void {
    this.accepted++;
    const broker = net.connect(this.brokerPort, this.host);
    for (const socket of [client, broker]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        broker.destroy();
      });
    }
    // Which API each request (by correlation id) called, so only answers that name brokers are touched.
    const apiOf = new Map<number, number>();
    client.on('data', frames((frame) => {
      if (frame.length >= 12) apiOf.set(frame.readInt32BE(8), frame.readInt16BE(4));
      broker.write(frame);
    }));
    broker.on('data', frames((frame) => {
      const correlationId = frame.readInt32BE(4);
      const api = apiOf.get(correlationId);
      apiOf.delete(correlationId);
      client.write(api !== undefined && ANSWERS_WITH_ADDRESSES.has(api) ? this.pointedAtProxy(frame) : frame);
    }));
  }

  /** The frame with each `host` + broker port (an int32 right after the host string) given the proxy's port. */
  private pointedAtProxy(frame: Buffer): Buffer {
    const needle = Buffer.concat([Buffer.from(this.host, 'utf8'), int32(this.brokerPort)]);
    const port = int32(this.port);
    for (let at = frame.indexOf(needle); at >= 0; at = frame.indexOf(needle, at + needle.length)) {
      port.copy(frame, at + needle.length - 4);
      this.rewritten++;
    }
    return frame;
  }
}

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
}

/** Cuts a Kafka byte stream into whole frames (an int32 size, then that many bytes). */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = 4 + pending.readInt32BE(0);
      onFrame(Buffer.from(pending.subarray(0, size)));
      pending = pending.subarray(size);
    }
  };
}
