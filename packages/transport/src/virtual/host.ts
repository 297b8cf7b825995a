import { type AddressFamily, formatAddress, type SocketAddress } from '../address.js';
import {
  BindError,
  ConfigurationError,
  InvalidAddressError,
  SocketClosedError,
} from '../errors.js';
import type {
  InterfaceAddress,
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
import { UdpCounters, UdpSendCheck } from '../udp-send.js';
import type { Packet } from './datagram.js';
import { formatIp, isLoopback, isMulticast, isUnspecified, parseIp } from './ip.js';
import type { LinkConditions, VirtualLink } from './link.js';
import type { VirtualNetwork } from './network.js';
import type { VirtualRouter } from './router.js';
import { VirtualTcp } from './tcp.js';

/** One interface of a host, attached to a router. */
export interface InterfaceOptions {
  readonly router: VirtualRouter;
  /** IPv4 (or IPv6) address within the router's `cidr`; default: the next free one. */
  readonly ip?: string;
  /** An IPv6 address within the router's `cidr6` as well; default: the next free one when it has one. */
  readonly ip6?: string;
  /** Interface name; default `eth0`, `eth1`, ... */
  readonly name?: string;
  /** Conditions of the link to the router. */
  readonly link?: Partial<LinkConditions>;
}

/** Options of `VirtualNetwork.addHost`: one router (shorthand) or several interfaces. */
export interface HostOptions {
  readonly name: string;
  /** Shorthand for one interface on this router. */
  readonly router?: VirtualRouter;
  /** Shorthand: the address of that interface. */
  readonly ip?: string;
  /** Shorthand: conditions of that interface's link. */
  readonly link?: Partial<LinkConditions>;
  /** Several interfaces (multi-homed host). */
  readonly interfaces?: readonly InterfaceOptions[];
}

/** @internal An interface of a host as the network sees it. */
export interface HostInterface {
  readonly host: VirtualHost;
  readonly name: string;
  readonly router: VirtualRouter;
  readonly addresses: readonly string[];
  readonly link: VirtualLink;
}

const FIRST_EPHEMERAL = 49_152;

class VirtualUdpSocket implements UdpSocket {
  closed = false;
  readonly stats = new UdpCounters();
  readonly groups = new Set<string>();
  private readonly checks: UdpSendCheck;

  constructor(
    private readonly host: VirtualHost,
    readonly localAddress: SocketAddress,
    readonly reuseAddress: boolean,
    readonly onMessage: UdpBindOptions['onMessage'],
  ) {
    this.checks = new UdpSendCheck(localAddress);
  }

  send(data: Uint8Array, port: number, address: string): void {
    this.checks.check(this.closed, data, port, address, this.stats);
    // The network keeps its own copy: the caller may reuse `data`.
    this.host.sendUdp(this, Buffer.from(data), port, address);
  }

  addMembership(group: string): void {
    if (this.closed) throw new SocketClosedError('UDP socket is closed');
    const ip = parseIp(group);
    if (!ip || !isMulticast(ip)) throw new InvalidAddressError(group, 'not a multicast group');
    this.groups.add(formatIp(ip));
  }

  dropMembership(group: string): void {
    if (this.closed) throw new SocketClosedError('UDP socket is closed');
    const ip = parseIp(group);
    if (ip) this.groups.delete(formatIp(ip));
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.host.unbind(this);
    }
    return Promise.resolve();
  }
}

/**
 * A host of a {@link VirtualNetwork}: a `Net` with one interface per router it is attached
 * to, plus loopback (`127.0.0.1`, `::1`). Create it with `VirtualNetwork.addHost`.
 */
export class VirtualHost implements Net {
  readonly name: string;
  /** @internal */
  readonly hostInterfaces: HostInterface[] = [];
  private readonly udp = new Map<string, VirtualUdpSocket[]>();
  private readonly ports = { udp: new Set<number>(), next: FIRST_EPHEMERAL };
  /** @internal */
  readonly tcp: VirtualTcp;

  /** @internal */
  constructor(
    /** @internal */ readonly network: VirtualNetwork,
    options: HostOptions,
  ) {
    this.name = options.name;
    const specs: InterfaceOptions[] = options.interfaces
      ? [...options.interfaces]
      : options.router
        ? [
            {
              router: options.router,
              ...(options.ip ? { ip: options.ip } : {}),
              ...(options.link ? { link: options.link } : {}),
            },
          ]
        : [];
    if (specs.length === 0)
      throw new ConfigurationError(`host ${options.name} needs a router or interfaces`);
    specs.forEach((spec, i) => {
      const router = spec.router;
      const addresses: string[] = [];
      const take = (
        cidr: NonNullable<VirtualRouter['cidr6']>,
        wanted: string | undefined,
      ): void => {
        if (wanted !== undefined) {
          const ip = parseIp(wanted);
          if (!ip || !cidr.contains(ip))
            throw new ConfigurationError(`${wanted} is not within ${cidr.text}`);
          const address = formatIp(ip);
          if (router.isTaken(address))
            throw new ConfigurationError(`${address} is taken on ${router.name}`);
          addresses.push(address);
        } else {
          addresses.push(cidr.allocate((a) => router.isTaken(a)));
        }
      };
      take(router.cidr, spec.ip);
      if (router.cidr6) take(router.cidr6, spec.ip6);
      const name = spec.name ?? `eth${i}`;
      const iface: HostInterface = {
        host: this,
        name,
        router,
        addresses,
        link: network.newLink(`host ${this.name} ${name} <-> router ${router.name}`, spec.link),
      };
      for (const address of addresses) router.interfaces.set(address, iface);
      this.hostInterfaces.push(iface);
    });
    this.tcp = new VirtualTcp(this);
  }

  /** The host's addresses (not loopback), first interface first. */
  get addresses(): string[] {
    return this.hostInterfaces.flatMap((i) => i.addresses);
  }

  /** The link of the first interface. */
  get link(): VirtualLink {
    return this.hostInterfaces[0]!.link;
  }

  /** The links of every interface, in order. */
  get links(): VirtualLink[] {
    return this.hostInterfaces.map((i) => i.link);
  }

  interfaces(): NetworkInterface[] {
    const lo: InterfaceAddress[] = [
      { address: '127.0.0.1', family: 'IPv4', prefixLength: 8, internal: true },
      { address: '::1', family: 'IPv6', prefixLength: 128, internal: true },
    ];
    return [
      { name: 'lo', addresses: lo },
      ...this.hostInterfaces.map((iface) => ({
        name: iface.name,
        addresses: iface.addresses.map((address) => {
          const family = parseIp(address)!.family;
          const cidr =
            family === iface.router.cidr.family ? iface.router.cidr : iface.router.cidr6!;
          return { address, family, prefixLength: cidr.prefixLength, internal: false };
        }),
      })),
    ];
  }

  bindUdp(options: UdpBindOptions): Promise<UdpSocket> {
    try {
      return Promise.resolve(this.bindUdpNow(options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  connectTcp(options: TcpConnectOptions, handlers: TcpHandlers): Promise<TcpSocket> {
    return this.tcp.connect(options, handlers);
  }

  listenTcp(options: TcpListenOptions): Promise<TcpServer> {
    return this.tcp.listen(options);
  }

  /** @internal The interface that owns `address` (`undefined` for loopback or foreign ones). */
  interfaceOf(address: string): HostInterface | undefined {
    return this.hostInterfaces.find((i) => i.addresses.includes(address));
  }

  /** @internal True when `address` is loopback or one of this host's. */
  isLocal(address: string): boolean {
    const ip = parseIp(address);
    return ip !== undefined && (isLoopback(ip) || this.interfaceOf(address) !== undefined);
  }

  /**
   * @internal The interface and source address to reach `destination` from a socket bound to
   * `bound`: the bound address's interface, else the interface on the destination's subnet,
   * else the first one of the family (the default route).
   */
  route(
    bound: string,
    destination: string,
    family: AddressFamily,
  ): { iface: HostInterface; source: string } | undefined {
    if (!isUnspecified(bound)) {
      const iface = this.interfaceOf(bound);
      return iface ? { iface, source: bound } : undefined;
    }
    const ip = parseIp(destination);
    const candidates = this.hostInterfaces.flatMap((iface) =>
      iface.addresses
        .filter((a) => parseIp(a)!.family === family)
        .map((source) => ({ iface, source })),
    );
    return (ip && candidates.find((c) => c.iface.router.owns(ip))) ?? candidates[0];
  }

  /** @internal Allocates a free ephemeral port for `protocol`. */
  ephemeralPort(taken: (port: number) => boolean): number {
    for (let i = 0; i < 16_384; i++) {
      const port = this.ports.next;
      this.ports.next = port >= 65_535 ? FIRST_EPHEMERAL : port + 1;
      if (!taken(port)) return port;
    }
    throw new BindError(`host ${this.name} has no free port left`, '0.0.0.0', 0, 'EADDRINUSE');
  }

  /** @internal */
  sendUdp(socket: VirtualUdpSocket, data: Buffer, port: number, address: string): void {
    const local = socket.localAddress;
    const clock = this.network.clock;
    const dst = parseIp(address)!;
    const dstText = formatIp(dst);
    if (isLoopback(dst) || this.interfaceOf(dstText) !== undefined) {
      // Loopback and own addresses never touch a link.
      const source = isUnspecified(local.address) ? dstText : local.address;
      const packet: Packet = {
        protocol: 'udp',
        family: local.family,
        src: source,
        srcPort: local.port,
        dst: dstText,
        dstPort: port,
        data,
      };
      this.network.countSent();
      clock.setSystemTimeout(() => this.receive(undefined, packet), 0);
      return;
    }
    const hop = this.route(local.address, dstText, local.family);
    if (!hop || (!isUnspecified(local.address) && isLoopback(parseIp(local.address)!))) {
      socket.stats.sendErrors++;
      this.network.countDrop('noRoute');
      return;
    }
    const packet: Packet = {
      protocol: 'udp',
      family: local.family,
      src: hop.source,
      srcPort: local.port,
      dst: dstText,
      dstPort: port,
      data,
    };
    this.network.fromHost(hop.iface, packet);
  }

  /** @internal A packet arrived over `iface` (or locally when `undefined`). */
  receive(_iface: HostInterface | undefined, packet: Packet): void {
    if (packet.protocol === 'tcp') {
      this.tcp.receive(packet);
      return;
    }
    const dst = parseIp(packet.dst)!;
    const from: SocketAddress = {
      address: packet.src,
      port: packet.srcPort,
      family: packet.family,
    };
    if (isMulticast(dst)) {
      let any = false;
      for (const socket of this.udp.get(`*|${packet.family}|${packet.dstPort}`) ?? []) {
        if (socket.groups.has(packet.dst)) {
          any = true;
          this.deliver(socket, packet.data, from);
        }
      }
      if (!any) this.network.countDrop('noListener');
      return;
    }
    const sockets =
      this.udp.get(`${packet.dst}|${packet.dstPort}`) ??
      this.udp.get(`*|${packet.family}|${packet.dstPort}`);
    const socket = sockets?.[0];
    if (!socket) {
      this.network.countDrop('noListener');
      return;
    }
    this.deliver(socket, packet.data, from);
  }

  /** @internal Closes every socket and server. */
  async closeAll(): Promise<void> {
    const sockets = [...this.udp.values()].flat();
    await Promise.all([...sockets.map((s) => s.close()), this.tcp.closeAll()]);
  }

  /** @internal Leak check. */
  describeOpen(): string[] {
    const open = [...new Set([...this.udp.values()].flat())].map(
      (s) =>
        `virtual host ${this.name}: UDP ${formatAddress(s.localAddress.address, s.localAddress.port)} open`,
    );
    return [...open, ...this.tcp.describeOpen()];
  }

  /** @internal */
  unbind(socket: VirtualUdpSocket): void {
    const key = this.udpKey(
      socket.localAddress.address,
      socket.localAddress.family,
      socket.localAddress.port,
    );
    const list = this.udp.get(key)?.filter((s) => s !== socket) ?? [];
    if (list.length > 0) this.udp.set(key, list);
    else this.udp.delete(key);
    if (
      ![...this.udp.values()].some((l) =>
        l.some((s) => s.localAddress.port === socket.localAddress.port),
      )
    ) {
      this.ports.udp.delete(socket.localAddress.port);
    }
  }

  private deliver(socket: VirtualUdpSocket, data: Buffer, from: SocketAddress): void {
    if (socket.closed) return;
    this.network.countDelivered();
    socket.stats.datagramsReceived++;
    socket.stats.bytesReceived += data.byteLength;
    socket.onMessage(data, from);
  }

  private udpKey(address: string, family: AddressFamily, port: number): string {
    return isUnspecified(address) ? `*|${family}|${port}` : `${address}|${port}`;
  }

  private bindUdpNow(options: UdpBindOptions): VirtualUdpSocket {
    const family: AddressFamily = options.address
      ? (parseIp(options.address)?.family ?? 'IPv4')
      : (options.family ?? 'IPv4');
    const requested = options.address ?? (family === 'IPv6' ? '::' : '0.0.0.0');
    const ip = parseIp(requested);
    if (!ip) throw new InvalidAddressError(requested, 'not an IPv4 or IPv6 literal');
    const address = isUnspecified(requested) ? requested : formatIp(ip);
    const port = options.port ?? 0;
    if (!isUnspecified(address) && !this.isLocal(address)) {
      throw new BindError(
        `cannot bind UDP ${formatAddress(address, port)} on host ${this.name}: the address is not one of this host's; use an address from interfaces()`,
        address,
        port,
        'EADDRNOTAVAIL',
      );
    }
    const reuse = options.reuseAddress ?? false;
    const conflicts = (p: number): boolean =>
      [...this.udp.values()].some((list) =>
        list.some(
          (s) =>
            s.localAddress.port === p &&
            s.localAddress.family === family &&
            (!reuse || !s.reuseAddress) &&
            (s.localAddress.address === address ||
              isUnspecified(s.localAddress.address) ||
              isUnspecified(address)),
        ),
      );
    const chosen = port === 0 ? this.ephemeralPort((p) => this.ports.udp.has(p)) : port;
    if (port !== 0 && conflicts(port)) {
      throw new BindError(
        `cannot bind UDP ${formatAddress(address, port)} on host ${this.name}: the port is already in use; pick another port or 0 for any`,
        address,
        port,
        'EADDRINUSE',
      );
    }
    const socket = new VirtualUdpSocket(
      this,
      { address, port: chosen, family },
      reuse,
      options.onMessage,
    );
    const key = this.udpKey(address, family, chosen);
    this.udp.set(key, [...(this.udp.get(key) ?? []), socket]);
    this.ports.udp.add(chosen);
    return socket;
  }
}
