import { ConfigurationError } from '../errors.js';

/**
 * RFC 4787 §4.1 mapping and §5 filtering behaviours. From the most permissive to the most
 * restrictive: endpoint-independent, address-dependent, address-and-port-dependent.
 * "Full cone" is EIM + EIF, "restricted cone" EIM + ADF, "port-restricted cone" EIM + APDF,
 * "symmetric" APDM + APDF.
 */
export type NatBehavior =
  | 'endpoint-independent'
  | 'address-dependent'
  | 'address-and-port-dependent';

/** Configuration of a NAT box in front of a router's subnet. */
export interface NatOptions {
  /** How external ports are reused across destinations (RFC 4787 §4.1). */
  readonly mapping: NatBehavior;
  /** Which inbound datagrams a mapping lets through (RFC 4787 §5). */
  readonly filtering: NatBehavior;
  /**
   * A mapping with no outbound traffic for this long is removed (RFC 4787 §4.3, REQ-5 asks for
   * at least 2 minutes). Default 120 000 ms.
   */
  readonly mappingTimeoutMs?: number;
  /** Inbound traffic also refreshes a mapping (RFC 4787 REQ-6 leaves it open). Default false. */
  readonly inboundRefresh?: boolean;
  /** A host may reach another behind the same NAT through its external address (§6). Default true. */
  readonly hairpinning?: boolean;
  /** Keep the internal port as the external one when it is free (§4.2.1). Default false. */
  readonly portPreservation?: boolean;
}

/** One NAT binding: an internal endpoint seen from outside as `externalPort`. */
export interface NatMapping {
  readonly internalAddress: string;
  readonly internalPort: number;
  readonly externalPort: number;
  /** Remote addresses this mapping sent to (for address-dependent filtering). */
  readonly addresses: Set<string>;
  /** Remote `address|port` endpoints this mapping sent to (address-and-port filtering). */
  readonly endpoints: Set<string>;
  lastActivity: number;
}

const FIRST_PORT = 30_000;

/** The translation table of one NAT box (IPv4 UDP). */
export class NatTable {
  readonly mapping: NatBehavior;
  readonly filtering: NatBehavior;
  readonly timeoutMs: number;
  readonly inboundRefresh: boolean;
  readonly hairpinning: boolean;
  readonly portPreservation: boolean;
  private readonly byKey = new Map<string, NatMapping>();
  private readonly byPort = new Map<number, NatMapping>();
  private nextPort = FIRST_PORT;

  constructor(options: NatOptions) {
    this.mapping = options.mapping;
    this.filtering = options.filtering;
    this.timeoutMs = options.mappingTimeoutMs ?? 120_000;
    if (!(this.timeoutMs > 0)) {
      throw new ConfigurationError(`mappingTimeoutMs must be > 0, got ${this.timeoutMs}`);
    }
    this.inboundRefresh = options.inboundRefresh ?? false;
    this.hairpinning = options.hairpinning ?? true;
    this.portPreservation = options.portPreservation ?? false;
  }

  /** Number of live mappings at `now`. */
  size(now: number): number {
    let n = 0;
    for (const m of this.byPort.values()) if (now - m.lastActivity < this.timeoutMs) n++;
    return n;
  }

  /**
   * Outbound: the mapping for a datagram from `internal` to `remote`, created when there is
   * none (RFC 4787 §4.1) and refreshed either way. Returns the external port.
   */
  outbound(
    internalAddress: string,
    internalPort: number,
    remoteAddress: string,
    remotePort: number,
    now: number,
  ): number {
    const key = this.key(internalAddress, internalPort, remoteAddress, remotePort);
    let m = this.byKey.get(key);
    if (m && now - m.lastActivity >= this.timeoutMs) {
      this.remove(key, m);
      m = undefined;
    }
    if (!m) {
      m = {
        internalAddress,
        internalPort,
        externalPort: this.allocatePort(internalPort, now),
        addresses: new Set(),
        endpoints: new Set(),
        lastActivity: now,
      };
      this.byKey.set(key, m);
      this.byPort.set(m.externalPort, m);
    }
    m.lastActivity = now;
    m.addresses.add(remoteAddress);
    m.endpoints.add(`${remoteAddress}|${remotePort}`);
    return m.externalPort;
  }

  /**
   * Inbound: the mapping that lets a datagram from `remote` to `externalPort` in, or
   * `undefined` when there is none, it expired, or filtering (RFC 4787 §5) refuses it.
   */
  inbound(
    externalPort: number,
    remoteAddress: string,
    remotePort: number,
    now: number,
  ): NatMapping | undefined {
    const m = this.byPort.get(externalPort);
    if (!m) return undefined;
    if (now - m.lastActivity >= this.timeoutMs) {
      this.removeByPort(m);
      return undefined;
    }
    switch (this.filtering) {
      case 'endpoint-independent':
        break;
      case 'address-dependent':
        if (!m.addresses.has(remoteAddress)) return undefined;
        break;
      case 'address-and-port-dependent':
        if (!m.endpoints.has(`${remoteAddress}|${remotePort}`)) return undefined;
        break;
    }
    if (this.inboundRefresh) m.lastActivity = now;
    return m;
  }

  private key(
    internalAddress: string,
    internalPort: number,
    remoteAddress: string,
    remotePort: number,
  ): string {
    switch (this.mapping) {
      case 'endpoint-independent':
        return `${internalAddress}|${internalPort}`;
      case 'address-dependent':
        return `${internalAddress}|${internalPort}|${remoteAddress}`;
      case 'address-and-port-dependent':
        return `${internalAddress}|${internalPort}|${remoteAddress}|${remotePort}`;
    }
  }

  private allocatePort(internalPort: number, now: number): number {
    if (this.portPreservation && this.isFree(internalPort, now)) return internalPort;
    for (let tries = 0; tries < 65_536; tries++) {
      const port = this.nextPort;
      this.nextPort = this.nextPort >= 65_535 ? FIRST_PORT : this.nextPort + 1;
      if (this.isFree(port, now)) return port;
    }
    throw new ConfigurationError('the NAT ran out of external ports');
  }

  private isFree(port: number, now: number): boolean {
    const m = this.byPort.get(port);
    if (!m) return true;
    if (now - m.lastActivity >= this.timeoutMs) {
      this.removeByPort(m);
      return true;
    }
    return false;
  }

  private removeByPort(m: NatMapping): void {
    for (const [key, value] of this.byKey) {
      if (value === m) {
        this.remove(key, m);
        return;
      }
    }
  }

  private remove(key: string, m: NatMapping): void {
    this.byKey.delete(key);
    if (this.byPort.get(m.externalPort) === m) this.byPort.delete(m.externalPort);
  }
}
