import { createSocket } from 'node:dgram';
import {
  connect as netConnect,
  createServer as netCreateServer,
  type Server,
  type Socket,
} from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect, createServer as tlsCreateServer } from 'node:tls';
import { debuglog } from 'node:util';
import {
  type AddressFamily,
  addressFamily,
  formatAddress,
  type SocketAddress,
} from '../address.js';
import { BindError, ConnectError, InvalidAddressError } from '../errors.js';
import type {
  Net,
  NetworkInterface,
  TcpConnectOptions,
  TcpHandlers,
  TcpListenOptions,
  TcpServer,
  TcpSocket,
  UdpBindOptions,
  UdpSocket,
} from '../net.js';
import { type ResourceKind, resourceSink } from '../resources.js';
import {
  errorCode,
  NodeTcpSocket,
  NodeUdpSocket,
  socketAddresses,
  toSocketAddress,
} from './node-sockets.js';

const log = debuglog('x:transport');

/** Opens a tracked resource when a tracker is installed; returns a function that closes it. */
function track(kind: ResourceKind, description: string, origin?: Error): () => void {
  const sink = resourceSink();
  if (sink === undefined) return () => {};
  const token = sink.opened(kind, description, origin);
  let open = true;
  return () => {
    if (open) {
      open = false;
      sink.closed(token);
    }
  };
}

function prefixLength(cidr: string | null, netmask: string): number {
  if (cidr) {
    const bits = Number(cidr.slice(cidr.lastIndexOf('/') + 1));
    if (Number.isInteger(bits)) return bits;
  }
  // Count the one-bits of the mask (IPv4 dotted or IPv6 hex groups).
  if (netmask.includes('.')) {
    return netmask
      .split('.')
      .reduce((n, part) => n + (Number(part) >>> 0).toString(2).replaceAll('0', '').length, 0);
  }
  return netmask
    .split(':')
    .reduce(
      (n, part) =>
        n + (Number.parseInt(part || '0', 16) >>> 0).toString(2).replaceAll('0', '').length,
      0,
    );
}

/** Options of {@link NodeNet}. */
export interface NodeNetOptions {
  /**
   * Default `SO_RCVBUF` of UDP sockets, in bytes, when {@link UdpBindOptions.receiveBufferSize}
   * is not given. Defaults to {@link DEFAULT_UDP_BUFFER_SIZE}. The system caps it
   * (`net.core.rmem_max` on Linux) without an error.
   */
  readonly udpReceiveBufferSize?: number;
  /** Default `SO_SNDBUF` of UDP sockets, in bytes. Defaults to {@link DEFAULT_UDP_BUFFER_SIZE}. */
  readonly udpSendBufferSize?: number;
  /**
   * How long {@link NodeNet.interfaces} reuses the list it read from the system, in ms.
   * Defaults to {@link INTERFACES_MAX_AGE_MS}; 0 reads it on every call. A gathering that
   * starts within that time of an interface change (an ICE restart after a network switch) may
   * miss the new address; its candidates then come with the next restart.
   */
  readonly interfacesMaxAgeMs?: number;
}

/**
 * How long the interface list is reused by default: 2 s, the interval at which libwebrtc's
 * network manager reads it again. Reading it costs about 60 µs, and every gathering (each
 * `setLocalDescription` of a new peer connection, each ICE restart) asks for it.
 */
export const INTERFACES_MAX_AGE_MS = 2000;

/**
 * dgram's `lookup`, for destinations that are always IP literals of the socket's family (send
 * checks them first): answers at once. dgram's default, `dns.lookup`, answers a literal on a
 * later tick, which is a `process.nextTick`, a closure and an `afterDns` call for every datagram
 * (measured on the send path of a bulk transfer: 16 MiB of garbage for 33 MB sent).
 */
function literalLookup(
  address: string,
  _family: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

/**
 * UDP socket buffers asked for by default: 4 MiB. A sender that bursts a congestion window of
 * datagrams faster than its peer reads them (two peers in one process, a busy event loop)
 * otherwise overflows the system default (208 KiB on Linux) and loses packets on loopback.
 */
export const DEFAULT_UDP_BUFFER_SIZE = 4 * 1024 * 1024;

/** The system's interface list in {@link NetworkInterface} form. */
function readInterfaces(): NetworkInterface[] {
  const result: NetworkInterface[] = [];
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    if (!infos) continue;
    result.push({
      name,
      addresses: infos.map((info) => ({
        address: info.address,
        family: info.family === 'IPv6' ? 'IPv6' : 'IPv4',
        prefixLength: prefixLength(info.cidr, info.netmask),
        internal: info.internal,
        ...('scopeid' in info && info.scopeid !== undefined ? { scopeId: info.scopeid } : {}),
      })),
    });
  }
  return result;
}

/** {@link Net} on the real network: `node:dgram`, `node:net`, `node:tls` and `node:os`. */
export class NodeNet implements Net {
  private readonly bufferSizes: { readonly receive: number; readonly send: number };
  private readonly interfacesMaxAgeMs: number;
  private interfaceList: { readonly at: number; readonly list: NetworkInterface[] } | undefined;

  constructor(options: NodeNetOptions = {}) {
    this.bufferSizes = {
      receive: options.udpReceiveBufferSize ?? DEFAULT_UDP_BUFFER_SIZE,
      send: options.udpSendBufferSize ?? DEFAULT_UDP_BUFFER_SIZE,
    };
    this.interfacesMaxAgeMs = options.interfacesMaxAgeMs ?? INTERFACES_MAX_AGE_MS;
  }

  /**
   * The host's interfaces, as `os.networkInterfaces()` reports them, read again once the last
   * reading is older than {@link NodeNetOptions.interfacesMaxAgeMs}.
   */
  interfaces(): NetworkInterface[] {
    const now = performance.now();
    const cached = this.interfaceList;
    if (cached !== undefined && now - cached.at < this.interfacesMaxAgeMs) return [...cached.list];
    const list = readInterfaces();
    this.interfaceList = { at: now, list };
    return [...list];
  }

  bindUdp(options: UdpBindOptions): Promise<UdpSocket> {
    const family: AddressFamily = options.address
      ? (addressFamily(options.address) ?? 'IPv4')
      : (options.family ?? 'IPv4');
    const address = options.address ?? (family === 'IPv6' ? '::' : '0.0.0.0');
    const port = options.port ?? 0;
    if (addressFamily(address) === undefined) {
      return Promise.reject(new InvalidAddressError(address, 'not an IPv4 or IPv6 literal'));
    }
    const origin = resourceSink() !== undefined ? new Error('opened') : undefined;
    const socket = createSocket({
      type: family === 'IPv6' ? 'udp6' : 'udp4',
      reuseAddr: options.reuseAddress ?? false,
      ipv6Only: family === 'IPv6',
      recvBufferSize: options.receiveBufferSize ?? this.bufferSizes.receive,
      sendBufferSize: options.sendBufferSize ?? this.bufferSizes.send,
      lookup: literalLookup,
    });
    return new Promise((resolve, reject) => {
      const onBindError = (error: Error): void => {
        socket.close();
        const code = errorCode(error);
        const what =
          code === 'EADDRINUSE'
            ? 'the port is already in use; pick another port or 0 for any'
            : code === 'EADDRNOTAVAIL'
              ? 'the address is not one of this host’s; use an address from interfaces()'
              : error.message;
        reject(
          new BindError(
            `cannot bind UDP ${formatAddress(address, port)}: ${what}`,
            address,
            port,
            code,
            {
              cause: error,
            },
          ),
        );
      };
      socket.once('error', onBindError);
      socket.bind({ address, port, exclusive: !options.reuseAddress }, () => {
        socket.off('error', onBindError);
        const bound = toSocketAddress(socket.address());
        const untrack = track(
          'udp-socket',
          `UDP ${formatAddress(bound.address, bound.port)}`,
          origin,
        );
        const wrapped = new NodeUdpSocket(socket, bound, untrack);
        const onMessage = options.onMessage;
        const stats = wrapped.stats;
        socket.on('message', (data, rinfo) => {
          stats.datagramsReceived++;
          stats.bytesReceived += data.byteLength;
          // rinfo has address, port and family ('IPv4' | 'IPv6' on Node >= 18.0): a SocketAddress.
          onMessage(data, rinfo as unknown as SocketAddress);
        });
        socket.on('error', (error) => {
          stats.sendErrors++;
          log('udp %s error: %s', formatAddress(bound.address, bound.port), error.message);
        });
        resolve(wrapped);
      });
    });
  }

  connectTcp(options: TcpConnectOptions, handlers: TcpHandlers): Promise<TcpSocket> {
    return new Promise((resolve, reject) => {
      const base = {
        host: options.host,
        port: options.port,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      };
      const socket: Socket = options.tls
        ? tlsConnect({ ...base, servername: options.host, ...options.tls })
        : netConnect(base);
      const signal = options.signal;
      const fail = (error: Error): void => {
        cleanup();
        socket.destroy();
        reject(
          new ConnectError(
            `cannot connect to ${formatAddress(options.host, options.port)}: ${error.message}`,
            options.host,
            options.port,
            errorCode(error),
            { cause: error },
          ),
        );
      };
      const onAbort = (): void => fail(new Error('aborted'));
      const onConnected = (): void => {
        cleanup();
        const { local, remote } = socketAddresses(socket);
        const untrack = track(
          'tcp-socket',
          `TCP ${formatAddress(local.address, local.port)} -> ${formatAddress(remote.address, remote.port)}`,
        );
        resolve(new NodeTcpSocket(socket, local, remote, handlers, untrack));
      };
      const cleanup = (): void => {
        socket.off('error', fail);
        socket.off(options.tls ? 'secureConnect' : 'connect', onConnected);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) {
        fail(new Error('aborted'));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', fail);
      socket.once(options.tls ? 'secureConnect' : 'connect', onConnected);
    });
  }

  listenTcp(options: TcpListenOptions): Promise<TcpServer> {
    const family = options.address
      ? (addressFamily(options.address) ?? 'IPv4')
      : (options.family ?? 'IPv4');
    const address = options.address ?? (family === 'IPv6' ? '::' : '0.0.0.0');
    const port = options.port ?? 0;
    const accepted = new Set<NodeTcpSocket>();
    const onSocket = (socket: Socket): void => {
      const { local, remote } = socketAddresses(socket);
      const untrack = track(
        'tcp-socket',
        `TCP ${formatAddress(local.address, local.port)} <- ${formatAddress(remote.address, remote.port)}`,
      );
      let handlers: TcpHandlers | undefined;
      const wrapped = new NodeTcpSocket(
        socket,
        local,
        remote,
        {
          onData: (data) => handlers?.onData(data),
          onClose: (error) => {
            accepted.delete(wrapped);
            handlers?.onClose(error);
          },
        },
        untrack,
      );
      accepted.add(wrapped);
      handlers = options.onConnection(wrapped);
    };
    const server: Server = options.tls
      ? tlsCreateServer({ key: options.tls.key, cert: options.tls.cert }, onSocket)
      : netCreateServer(onSocket);
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        const code = errorCode(error);
        reject(
          new BindError(
            `cannot listen on TCP ${formatAddress(address, port)}: ${error.message}`,
            address,
            port,
            code,
            { cause: error },
          ),
        );
      };
      server.once('error', onError);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', onError);
        const info = server.address();
        const bound =
          info && typeof info === 'object' ? toSocketAddress(info) : { address, port, family };
        const untrack = track(
          'tcp-server',
          `TCP server ${formatAddress(bound.address, bound.port)}`,
        );
        let closing: Promise<void> | undefined;
        resolve({
          localAddress: bound,
          close: () => {
            closing ??= new Promise<void>((done) => {
              server.close(() => {
                untrack();
                done();
              });
              for (const socket of accepted) void socket.close();
            });
            return closing;
          },
        });
      });
    });
  }
}

/** One shared {@link NodeNet}, the default of every layer. */
export const nodeNet: Net = new NodeNet();
