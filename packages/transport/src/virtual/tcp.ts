import { connect as tlsConnect, createSecureContext, TLSSocket } from 'node:tls';
import { formatAddress, type SocketAddress } from '../address.js';
import { BindError, ConnectError, InvalidAddressError, SocketClosedError } from '../errors.js';
import type {
  TcpConnectOptions,
  TcpHandlers,
  TcpListenOptions,
  TcpServer,
  TcpSocket,
} from '../net.js';
import type { Packet, TcpSegment } from './datagram.js';
import type { HostInterface, VirtualHost } from './host.js';
import { formatIp, isLoopback, isUnspecified, parseIp } from './ip.js';
import type { DropReason } from './link.js';
import { LazySocket, TlsOverVirtual, toDuplex } from './tls-adapters.js';

/** Bytes of payload per virtual TCP segment. */
const SEGMENT_BYTES = 1200;
/** How long a segment held back by a partition (or a full queue) waits before it is sent again. */
const RETRANSMIT_MS = 250;

interface Listener {
  readonly address: string;
  readonly port: number;
  readonly options: TcpListenOptions;
  readonly accepted: Set<Connection>;
  closed: boolean;
}

/**
 * One end of a virtual TCP connection. Segments cross the links in order; those a partition
 * holds back are sent again, and the receiver puts them back in order, as TCP would.
 */
class Connection implements TcpSocket {
  closed = false;
  handlers: TcpHandlers | undefined;
  private sendSeq = 0;
  private recvSeq = 0;
  private readonly early = new Map<number, Packet>();
  /** @internal Settles the connect() promise on SYN-ACK or RST. */
  onEstablished: ((error?: Error) => void) | undefined;

  constructor(
    private readonly tcp: VirtualTcp,
    readonly localAddress: SocketAddress,
    readonly remoteAddress: SocketAddress,
    readonly iface: HostInterface | undefined,
  ) {}

  get key(): string {
    return connectionKey(
      this.localAddress.address,
      this.localAddress.port,
      this.remoteAddress.address,
      this.remoteAddress.port,
    );
  }

  write(data: Uint8Array): void {
    if (this.closed) {
      throw new SocketClosedError(
        `TCP connection to ${formatAddress(this.remoteAddress.address, this.remoteAddress.port)} is closed`,
      );
    }
    for (let offset = 0; offset < data.byteLength; offset += SEGMENT_BYTES) {
      const chunk = Buffer.from(
        data.subarray(offset, Math.min(offset + SEGMENT_BYTES, data.byteLength)),
      );
      this.sendSegment('data', chunk);
    }
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.sendSegment('fin', Buffer.alloc(0));
      this.finish();
    }
    return Promise.resolve();
  }

  /** @internal */
  sendSegment(kind: TcpSegment['kind'], data: Buffer): void {
    const seq = kind === 'data' || kind === 'fin' ? this.sendSeq++ : -1;
    const packet: Packet = {
      protocol: 'tcp',
      family: this.localAddress.family,
      src: this.localAddress.address,
      srcPort: this.localAddress.port,
      dst: this.remoteAddress.address,
      dstPort: this.remoteAddress.port,
      data,
      segment: { kind, seq },
    };
    this.tcp.transmit(this, packet);
  }

  /** @internal A segment of this connection arrived. */
  receive(packet: Packet): void {
    const segment = packet.segment!;
    switch (segment.kind) {
      case 'syn-ack':
        this.onEstablished?.();
        this.onEstablished = undefined;
        return;
      case 'rst':
        if (this.onEstablished) {
          this.onEstablished(new Error('connection refused'));
          this.onEstablished = undefined;
        }
        this.finish(new Error('connection reset by peer'));
        return;
      default:
        break;
    }
    if (segment.seq < this.recvSeq) return;
    this.early.set(segment.seq, packet);
    for (let next = this.early.get(this.recvSeq); next; next = this.early.get(this.recvSeq)) {
      this.early.delete(this.recvSeq);
      this.recvSeq++;
      if (next.segment!.kind === 'fin') {
        this.finish();
        return;
      }
      if (!this.closed) this.handlers?.onData(next.data);
    }
  }

  /** @internal */
  finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.tcp.forget(this);
    this.handlers?.onClose(error);
  }
}

function connectionKey(
  localAddress: string,
  localPort: number,
  remoteAddress: string,
  remotePort: number,
): string {
  return `${localAddress}|${localPort}|${remoteAddress}|${remotePort}`;
}

/** @internal The TCP side of a virtual host. */
export class VirtualTcp {
  private readonly listeners = new Map<string, Listener>();
  private readonly connections = new Map<string, Connection>();

  constructor(private readonly host: VirtualHost) {}

  async connect(options: TcpConnectOptions, handlers: TcpHandlers): Promise<TcpSocket> {
    if (options.tls) {
      let failed: Error | undefined;
      const { duplex, raw } = toDuplex((rawHandlers) => {
        const pending = this.connectRaw(options, rawHandlers);
        pending.catch((error: Error) => {
          failed = error;
          duplex.destroy(error);
        });
        return new LazySocket(pending);
      });
      const tls = tlsConnect({ socket: duplex, servername: options.host, ...options.tls });
      await new Promise<void>((resolve, reject) => {
        tls.once('secureConnect', resolve);
        tls.once('error', (error) => reject(failed ?? error));
      });
      const socket = await (raw() as LazySocket).ready;
      return new TlsOverVirtual(tls, socket.localAddress, socket.remoteAddress, handlers);
    }
    return this.connectRaw(options, handlers);
  }

  listen(options: TcpListenOptions): Promise<TcpServer> {
    const family = options.address
      ? (parseIp(options.address)?.family ?? 'IPv4')
      : (options.family ?? 'IPv4');
    const address = options.address ?? (family === 'IPv6' ? '::' : '0.0.0.0');
    if (!isUnspecified(address) && !this.host.isLocal(address)) {
      return Promise.reject(
        new BindError(
          `cannot listen on TCP ${formatAddress(address, options.port ?? 0)}: not an address of host ${this.host.name}`,
          address,
          options.port ?? 0,
          'EADDRNOTAVAIL',
        ),
      );
    }
    const port = options.port || this.host.ephemeralPort((p) => this.portTaken(p));
    if (this.portTaken(port)) {
      return Promise.reject(
        new BindError(
          `cannot listen on TCP ${formatAddress(address, port)}: the port is already in use`,
          address,
          port,
          'EADDRINUSE',
        ),
      );
    }
    const listener: Listener = { address, port, options, accepted: new Set(), closed: false };
    this.listeners.set(`${address}|${port}`, listener);
    return Promise.resolve({
      localAddress: { address, port, family },
      close: async () => {
        if (listener.closed) return;
        listener.closed = true;
        this.listeners.delete(`${address}|${port}`);
        await Promise.all([...listener.accepted].map((c) => c.close()));
      },
    });
  }

  receive(packet: Packet): void {
    const key = connectionKey(packet.dst, packet.dstPort, packet.src, packet.srcPort);
    const existing = this.connections.get(key);
    if (existing) {
      existing.receive(packet);
      return;
    }
    if (packet.segment?.kind !== 'syn') {
      if (packet.segment?.kind !== 'rst') this.host.network.countDrop('noListener');
      return;
    }
    const listener =
      this.listeners.get(`${packet.dst}|${packet.dstPort}`) ??
      this.listeners.get(`${packet.family === 'IPv6' ? '::' : '0.0.0.0'}|${packet.dstPort}`);
    const local: SocketAddress = {
      address: packet.dst,
      port: packet.dstPort,
      family: packet.family,
    };
    const remote: SocketAddress = {
      address: packet.src,
      port: packet.srcPort,
      family: packet.family,
    };
    const conn = new Connection(this, local, remote, this.host.interfaceOf(packet.dst));
    if (!listener || listener.closed) {
      this.host.network.countDrop('noListener');
      conn.sendSegment('rst', Buffer.alloc(0));
      return;
    }
    this.connections.set(conn.key, conn);
    listener.accepted.add(conn);
    conn.sendSegment('syn-ack', Buffer.alloc(0));
    const tlsOptions = listener.options.tls;
    if (!tlsOptions) {
      conn.handlers = listener.options.onConnection(conn);
      const original = conn.handlers;
      conn.handlers = {
        onData: original.onData,
        onClose: (e) => {
          listener.accepted.delete(conn);
          original.onClose(e);
        },
      };
      return;
    }
    const { duplex } = toDuplex((handlers) => {
      conn.handlers = {
        onData: handlers.onData,
        onClose: (e) => {
          listener.accepted.delete(conn);
          handlers.onClose(e);
        },
      };
      return conn;
    });
    const tls = new TLSSocket(duplex, {
      isServer: true,
      secureContext: createSecureContext({ key: tlsOptions.key, cert: tlsOptions.cert }),
    });
    tls.once('secure', () => {
      let handlers: TcpHandlers | undefined;
      const wrapped = new TlsOverVirtual(tls, local, remote, {
        onData: (d) => handlers?.onData(d),
        onClose: (e) => handlers?.onClose(e),
      });
      handlers = listener.options.onConnection(wrapped);
    });
    tls.on('error', () => tls.destroy());
  }

  transmit(conn: Connection, packet: Packet): void {
    const network = this.host.network;
    if (conn.iface === undefined) {
      network.countSent();
      network.clock.setSystemTimeout(() => this.host.receive(undefined, packet), 0);
      return;
    }
    network.fromHost(conn.iface, packet, (reason: DropReason) => {
      if (reason === 'partition' || reason === 'queue' || reason === 'mtu') {
        if (!conn.closed || packet.segment?.kind === 'fin') {
          network.clock.setSystemTimeout(() => this.transmit(conn, packet), RETRANSMIT_MS);
        }
        return;
      }
      // No route, or filtered: the connection cannot work.
      if (conn.onEstablished) {
        conn.onEstablished(
          new Error(
            reason === 'natFiltered' ? 'connection timed out (filtered)' : 'no route to host',
          ),
        );
        conn.onEstablished = undefined;
      }
      conn.finish(new Error(`connection lost: ${reason}`));
    });
  }

  forget(conn: Connection): void {
    this.connections.delete(conn.key);
  }

  closeAll(): Promise<void> {
    const closing = [...this.connections.values()].map((c) => c.close());
    this.listeners.clear();
    return Promise.all(closing).then(() => {});
  }

  describeOpen(): string[] {
    return [
      ...[...this.connections.values()].map(
        (c) =>
          `virtual host ${this.host.name}: TCP ${formatAddress(c.localAddress.address, c.localAddress.port)} <-> ${formatAddress(c.remoteAddress.address, c.remoteAddress.port)} open`,
      ),
      ...[...this.listeners.values()].map(
        (l) =>
          `virtual host ${this.host.name}: TCP server ${formatAddress(l.address, l.port)} open`,
      ),
    ];
  }

  private portTaken(port: number): boolean {
    for (const l of this.listeners.values()) if (l.port === port) return true;
    for (const c of this.connections.values()) if (c.localAddress.port === port) return true;
    return false;
  }

  private connectRaw(options: TcpConnectOptions, handlers: TcpHandlers): Promise<TcpSocket> {
    const dst = parseIp(options.host);
    if (!dst)
      return Promise.reject(
        new InvalidAddressError(options.host, 'the virtual network has no DNS: use an IP literal'),
      );
    const dstText = formatIp(dst);
    const local = isLoopback(dst) || this.host.isLocal(dstText);
    const hop = local
      ? undefined
      : this.host.route(
          options.localAddress ?? (dst.family === 'IPv6' ? '::' : '0.0.0.0'),
          dstText,
          dst.family,
        );
    if (!local && !hop) {
      return Promise.reject(
        new ConnectError(
          `cannot connect to ${formatAddress(dstText, options.port)}: no route from host ${this.host.name}`,
          options.host,
          options.port,
          'ENETUNREACH',
        ),
      );
    }
    const source = local ? dstText : hop!.source;
    const port = this.host.ephemeralPort((p) => this.portTaken(p));
    const conn = new Connection(
      this,
      { address: source, port, family: dst.family },
      { address: dstText, port: options.port, family: dst.family },
      hop?.iface,
    );
    this.connections.set(conn.key, conn);
    return new Promise((resolve, reject) => {
      const signal = options.signal;
      const onAbort = (): void => conn.onEstablished?.(new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      conn.onEstablished = (error) => {
        signal?.removeEventListener('abort', onAbort);
        conn.onEstablished = undefined;
        if (error) {
          conn.finish();
          const code = error.message.includes('refused')
            ? 'ECONNREFUSED'
            : error.message === 'aborted'
              ? 'ABORT_ERR'
              : 'ETIMEDOUT';
          reject(
            new ConnectError(
              `cannot connect to ${formatAddress(dstText, options.port)}: ${error.message}`,
              options.host,
              options.port,
              code,
            ),
          );
          return;
        }
        conn.handlers = handlers;
        resolve(conn);
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      conn.sendSegment('syn', Buffer.alloc(0));
    });
  }
}
