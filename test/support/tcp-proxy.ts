import * as net from 'node:net';

/**
 * A TCP hop between a client and a real server of the suite (PostgreSQL, the Kafka broker) that
 * can be cut and restored, as a network between the hub and a service it needs can fail. While
 * cut, the proxy's port is closed (connections are refused, like a server that is gone) and every
 * open connection is destroyed. Bytes go through unchanged unless a subclass says otherwise
 * (KafkaProxy).
 */
export class TcpProxy {
  /** Connections the proxy accepted. */
  accepted = 0;
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  protected port = 0;

  protected constructor(protected readonly host: string, protected readonly upstreamPort: number) {}

  /** A proxy for one server given as host:port. */
  static async to(hostPort: string): Promise<TcpProxy> {
    const { host, port } = parseHostPort(hostPort);
    const proxy = new TcpProxy(host, port);
    await proxy.listen();
    return proxy;
  }

  /** What to give the client instead of the server's host:port. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** The server is unreachable from now on: open connections are destroyed, new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The server is reachable again, at the same address. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  protected async listen(): Promise<void> {
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
    const upstream = net.connect(this.upstreamPort, this.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    this.pipe(client, upstream);
  }

  /** Carries the bytes both ways. */
  protected pipe(client: net.Socket, upstream: net.Socket): void {
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  }
}

export function parseHostPort(hostPort: string): { host: string; port: number } {
  const match = /^([^:,\s]+):([0-9]+)$/.exec(hostPort.trim());
  if (!match) throw new Error(`a proxy needs one server as host:port (got '${hostPort}')`);
  return { host: match[1], port: Number(match[2]) };
}
