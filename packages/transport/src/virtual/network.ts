import { debuglog } from 'node:util';
import { ConfigurationError } from '../errors.js';
import { type Packet, headerBytes, withDestination, withSource } from './datagram.js';
import { type HostInterface, type HostOptions, VirtualHost } from './host.js';
import { formatIp, isMulticast, parseIp } from './ip.js';
import { Counters, type DropReason, type LinkStats, VirtualLink } from './link.js';
import { Prng } from './prng.js';
import { type LeakSource, registerTestResource } from './registry.js';
import { type RouterOptions, VirtualRouter } from './router.js';
import type { VirtualClock } from './virtual-clock.js';

const log = debuglog('x:vnet');
const UP = 0;
const DOWN = 1;

/** Options of {@link VirtualNetwork}. */
export interface VirtualNetworkOptions {
  /** The clock that carries datagrams across links. */
  readonly clock: VirtualClock;
  /** Seed of the random draws (loss, jitter, reordering, duplication). Default 1. */
  readonly seed?: number;
}

/**
 * An in-memory network of routers, NATs and hosts on a {@link VirtualClock}, in the manner of
 * pion's `vnet`. Every host is a `Net`, so code under test cannot tell it from `NodeNet`.
 *
 * Routers form a tree: the root is the WAN; a router with `nat` hides its subnet behind one
 * public address on its parent's subnet, with the RFC 4787 mapping and filtering behaviours
 * chosen. Each host interface and each router has a {@link VirtualLink} towards its router or
 * parent, with its own delay, jitter, loss, reordering, duplication, bandwidth, MTU and
 * partitions. Random draws come from one seeded generator, so a run repeats exactly.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const world = new VirtualNetwork({ clock, seed: 7 });
 * const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
 * const lan = world.addRouter({
 *   name: 'lan', cidr: '192.168.1.0/24', parent: wan,
 *   nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
 * });
 * const alice = world.addHost({ name: 'alice', router: lan });
 * const server = world.addHost({ name: 'server', router: wan });
 * alice.link.set({ delayMs: 20, lossRate: 0.05 });
 * // alice and server are `Net`s: hand them to the code under test, then advance the clock.
 * ```
 */
export class VirtualNetwork implements LeakSource {
  readonly clock: VirtualClock;
  private readonly prng: Prng;
  private readonly routers: VirtualRouter[] = [];
  private readonly hosts: VirtualHost[] = [];
  private readonly counters = new Counters();
  /** @internal Shared by every link's drop callback. */
  readonly countDrop: (reason: DropReason) => void;

  constructor(options: VirtualNetworkOptions) {
    this.clock = options.clock;
    this.prng = new Prng(options.seed ?? 1);
    this.countDrop = (reason) => {
      this.counters.dropped[reason]++;
    };
    registerTestResource(this);
  }

  /** Counters of the whole network: datagrams sent by hosts, delivered to sockets, dropped by reason. */
  get stats(): LinkStats {
    return this.counters;
  }

  /** Adds a router; the first one without a parent is the WAN. */
  addRouter(options: RouterOptions): VirtualRouter {
    if (this.routers.some((r) => r.name === options.name)) {
      throw new ConfigurationError(`a router named ${options.name} exists already`);
    }
    const parent = options.parent;
    if (options.nat !== undefined && parent === undefined) {
      throw new ConfigurationError(
        `router ${options.name} has a NAT but no parent to translate to`,
      );
    }
    let publicIp: string | undefined;
    if (parent !== undefined && options.nat !== undefined) {
      if (options.publicIp !== undefined) {
        const ip = parseIp(options.publicIp);
        if (!ip || !parent.cidr.contains(ip)) {
          throw new ConfigurationError(
            `publicIp ${options.publicIp} is not within ${parent.cidr.text}`,
          );
        }
        publicIp = formatIp(ip);
        if (parent.isTaken(publicIp)) throw new ConfigurationError(`${publicIp} is taken already`);
      } else {
        publicIp = parent.cidr.allocate((a) => parent.isTaken(a));
      }
    }
    const router = new VirtualRouter(options, publicIp);
    if (parent !== undefined) {
      router.uplink = this.newLink(`router ${router.name} <-> router ${parent.name}`);
      parent.children.push(router);
    }
    this.routers.push(router);
    return router;
  }

  /** Adds a host with one interface per router it is attached to. */
  addHost(options: HostOptions): VirtualHost {
    if (this.hosts.some((h) => h.name === options.name)) {
      throw new ConfigurationError(`a host named ${options.name} exists already`);
    }
    const host = new VirtualHost(this, options);
    this.hosts.push(host);
    return host;
  }

  /** Closes every socket and server of every host. */
  async close(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.closeAll()));
  }

  /** For the leak check: the sockets still open on any host. */
  describeLeaks(): string[] {
    return this.hosts.flatMap((h) => h.describeOpen());
  }

  /** @internal */
  newLink(name: string, conditions = {}): VirtualLink {
    return new VirtualLink(name, this.clock, this.prng, conditions);
  }

  /**
   * @internal A host sent a packet to its router over `iface`'s link. `onDrop` learns of a
   * drop (TCP uses it to send the segment again); by default drops are only counted.
   */
  fromHost(iface: HostInterface, packet: Packet, onDrop?: (reason: DropReason) => void): void {
    this.counters.sent++;
    const size = packet.data.byteLength + headerBytes(packet);
    const drop =
      onDrop === undefined
        ? this.countDrop
        : (reason: DropReason) => {
            this.countDrop(reason);
            onDrop(reason);
          };
    iface.link.transmit(
      size,
      UP,
      packet.protocol === 'tcp',
      () => this.forward(iface.router, packet, 'inside', drop),
      drop,
    );
  }

  /** @internal A packet left a host without crossing a link (loopback). */
  countSent(): void {
    this.counters.sent++;
  }

  /** @internal A packet reached its host. */
  countDelivered(): void {
    this.counters.delivered++;
  }

  /**
   * Routes `packet` at `router`. `from` says where it came from: a host or child below
   * ('inside'), or the parent ('parent').
   */
  private forward(
    router: VirtualRouter,
    packet: Packet,
    from: 'inside' | 'parent',
    onDrop: (reason: DropReason) => void,
  ): void {
    const dstIp = parseIp(packet.dst);
    if (!dstIp) {
      this.drop(packet, 'noRoute', router, onDrop);
      return;
    }
    const size = packet.data.byteLength + headerBytes(packet);
    const reliable = packet.protocol === 'tcp';

    // Multicast stays on the subnet it was sent on.
    if (isMulticast(dstIp)) {
      if (from !== 'inside') {
        this.drop(packet, 'noRoute', router, onDrop);
        return;
      }
      for (const iface of new Set(router.interfaces.values())) {
        iface.link.transmit(size, DOWN, false, () => iface.host.receive(iface, packet), onDrop);
      }
      return;
    }

    // A host on this subnet.
    const iface = router.interfaces.get(packet.dst);
    if (iface !== undefined) {
      iface.link.transmit(size, DOWN, reliable, () => iface.host.receive(iface, packet), onDrop);
      return;
    }

    // This router's own NAT address: inbound from outside, or hairpinning from inside.
    const nat = router.nat;
    if (nat !== undefined && packet.dst === router.publicIp) {
      const table = packet.protocol === 'udp' ? nat.udp : nat.tcp;
      let inbound = packet;
      if (from === 'inside') {
        // RFC 4787 §6: a hairpinned packet carries the sender's external mapping as source.
        if (!table.hairpinning) {
          this.drop(packet, 'noRoute', router, onDrop);
          return;
        }
        const port = table.outbound(
          packet.src,
          packet.srcPort,
          packet.dst,
          packet.dstPort,
          this.clock.now(),
        );
        inbound = withSource(packet, router.publicIp, port);
      }
      const mapping = table.inbound(
        inbound.dstPort,
        inbound.src,
        inbound.srcPort,
        this.clock.now(),
      );
      if (mapping === undefined) {
        this.drop(inbound, 'natFiltered', router, onDrop);
        return;
      }
      const translated = withDestination(inbound, mapping.internalAddress, mapping.internalPort);
      this.forward(router, translated, 'parent', onDrop);
      return;
    }

    // A child router's subnet (or its NAT address).
    for (const child of router.children) {
      if (child.reachableFromParent(packet.dst, dstIp)) {
        child.uplink.transmit(
          size,
          DOWN,
          reliable,
          () => this.forward(child, packet, 'parent', onDrop),
          onDrop,
        );
        return;
      }
    }

    // Up to the parent, through the NAT.
    if (from === 'inside' && router.parent !== undefined && !router.owns(dstIp)) {
      let outbound = packet;
      if (nat !== undefined && packet.family === 'IPv4') {
        const table = packet.protocol === 'udp' ? nat.udp : nat.tcp;
        const port = table.outbound(
          packet.src,
          packet.srcPort,
          packet.dst,
          packet.dstPort,
          this.clock.now(),
        );
        outbound = withSource(packet, router.publicIp!, port);
      }
      const parent = router.parent;
      router.uplink.transmit(
        size,
        UP,
        reliable,
        () => this.forward(parent, outbound, 'inside', onDrop),
        onDrop,
      );
      return;
    }
    this.drop(packet, 'noRoute', router, onDrop);
  }

  private drop(
    packet: Packet,
    reason: DropReason,
    router: VirtualRouter,
    onDrop: (reason: DropReason) => void,
  ): void {
    log(
      'router %s drops %s %s:%d -> %s:%d (%s)',
      router.name,
      packet.protocol,
      packet.src,
      packet.srcPort,
      packet.dst,
      packet.dstPort,
      reason,
    );
    onDrop(reason);
  }
}
