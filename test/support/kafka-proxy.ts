import type * as net from 'node:net';
import { parseHostPort, TcpProxy } from './tcp-proxy';
import { suiteBrokers } from './test-env';

/** Kafka API keys whose answers name brokers by host and port: Metadata, FindCoordinator, DescribeCluster. */
const ANSWERS_WITH_ADDRESSES = new Set([3, 10, 60]);
const PRODUCE = 0;
const INIT_PRODUCER_ID = 22;
/** The broker's error code for a producer whose sequence it does not take (OUT_OF_ORDER_SEQUENCE_NUMBER). */
export const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;

/**
 * A TcpProxy for the suite's real Kafka broker. Every byte goes through unchanged, except one
 * thing: where the broker names itself (its advertised listener, in Metadata and FindCoordinator
 * answers) the proxy puts its own port, as any Kafka-aware proxy must; otherwise the client would
 * connect to the broker directly after its first metadata request and the cut would not reach it.
 * The host stays as it is (the proxy listens on the broker's host), so every frame keeps its length.
 */
export class KafkaProxy extends TcpProxy {
  /** How many broker addresses in answers now point at the proxy: 0 means the client could bypass it. */
  rewritten = 0;
  /**
   * Holds every request of a connection that has produced (API key 0) this long before the broker
   * sees it, in order: a slow way to the broker for producers only (the hub's outbox relay), while
   * its consumers fetch at full speed.
   */
  produceDelayMs = 0;
  /**
   * While set, every Produce answer says this error code for each partition, until a client asks
   * for a new producer id (InitProducerId): what a broker does that lost a producer's state when it
   * recovered from a kill. The broker has still written what the request carried.
   */
  private refuseProducesWith?: number;
  /** Produce answers the proxy turned into refusals. */
  refusedProduces = 0;

  /** From now on refuse every produce with `errorCode` until a client asks for a new producer id. */
  refuseProducesUntilNewProducerId(errorCode: number): void {
    this.refuseProducesWith = errorCode;
  }

  /** A proxy for one broker given as host:port (by default the suite's, when KAFKA_BROKERS names one). */
  static async start(broker: string = suiteBrokers()): Promise<KafkaProxy> {
    const { host, port } = parseHostPort(broker);
    const proxy = new KafkaProxy(host, port);
    await proxy.listen();
    return proxy;
  }

  protected override pipe(client: net.Socket, broker: net.Socket): void {
    // Which API each request (by correlation id) called, so only answers that name brokers are touched.
    const apiOf = new Map<number, number>();
    const versionOf = new Map<number, number>();
    let produces = false;
    client.on('data', frames((frame) => {
      const api = frame.length >= 12 ? frame.readInt16BE(4) : undefined;
      if (api !== undefined) apiOf.set(frame.readInt32BE(8), api);
      if (api !== undefined) versionOf.set(frame.readInt32BE(8), frame.readInt16BE(6));
      if (api === INIT_PRODUCER_ID) this.refuseProducesWith = undefined;
      produces ||= api === PRODUCE;
      // Timers of equal delay fire in the order they were set: the frames keep their order.
      if (produces && this.produceDelayMs > 0) setTimeout(() => broker.write(frame), this.produceDelayMs);
      else broker.write(frame);
    }));
    broker.on('data', frames((frame) => {
      const correlationId = frame.readInt32BE(4);
      const api = apiOf.get(correlationId);
      const version = versionOf.get(correlationId) ?? 0;
      apiOf.delete(correlationId);
      versionOf.delete(correlationId);
      if (api === PRODUCE && this.refuseProducesWith !== undefined) {
        client.write(refusedProduce(frame, version, this.refuseProducesWith));
        this.refusedProduces++;
        return;
      }
      client.write(api !== undefined && ANSWERS_WITH_ADDRESSES.has(api) ? this.pointedAtProxy(frame) : frame);
    }));
  }

  /** The frame with each `host` + broker port (an int32 right after the host string) given the proxy's port. */
  private pointedAtProxy(frame: Buffer): Buffer {
    const needle = Buffer.concat([Buffer.from(this.host, 'utf8'), int32(this.upstreamPort)]);
    const port = int32(this.port);
    for (let at = frame.indexOf(needle); at >= 0; at = frame.indexOf(needle, at + needle.length)) {
      port.copy(frame, at + needle.length - 4);
      this.rewritten++;
    }
    return frame;
  }
}

/**
 * A Produce answer (versions 2 to 7, as kafkajs asks) with `errorCode` for every partition: size,
 * correlation id, then per topic its name and per partition its index, error code, base offset,
 * log append time and (version 5 on) log start offset; the throttle time after them stays.
 */
function refusedProduce(frame: Buffer, version: number, errorCode: number): Buffer {
  if (version < 2 || version > 7) throw new Error(`KafkaProxy cannot refuse a Produce answer of version ${version}`);
  const partitionBytes = 4 + 2 + 8 + 8 + (version >= 5 ? 8 : 0);
  let at = 8;
  const topics = frame.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    at += 2 + frame.readInt16BE(at);
    const partitions = frame.readInt32BE(at);
    at += 4;
    for (let p = 0; p < partitions; p++) {
      frame.writeInt16BE(errorCode, at + 4);
      at += partitionBytes;
    }
  }
  return frame;
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
