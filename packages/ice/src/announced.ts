/**
 * Announced addresses for hosts behind a 1:1 NAT (a cloud VM with a private address and a
 * public one mapped to it, port for port): pion's `NAT1To1IPs`, mediasoup's
 * `announcedAddress`. The peer is told the public address; datagrams still leave from and
 * arrive on the private one.
 */
import { isIP } from 'node:net';
import { IceConfigError } from './errors.js';

/**
 * A public address to announce for a local (private) one. The port is the same: a 1:1 NAT
 * maps addresses, not ports.
 *
 * `as: 'host'` (the default, as pion's default `NAT1To1CandidateTypeHost` and mediasoup's
 * `announcedAddress`) gives the host candidate the public address instead of the private
 * one: the private address is never revealed and makes no useless pair. `as: 'srflx'` (as
 * pion's `NAT1To1CandidateTypeSrflx`) keeps the private host candidate, for peers on the same
 * private network, and adds a server-reflexive candidate with the public address and
 * `raddr`/`rport` the private one, as a STUN server would have found it.
 */
export interface AnnouncedAddress {
  /** The public IP address the peer sends to. */
  readonly announced: string;
  /**
   * The local address it stands for. Default: every local address of the same family (one
   * public address per family, the usual 1:1 NAT).
   */
  readonly local?: string;
  /** How it is announced; see {@link AnnouncedAddress}. Default `'host'`. */
  readonly as?: 'host' | 'srflx';
}

/** The announcement for a local address, if any (an exact `local` match wins). */
export function announcedFor(
  list: readonly AnnouncedAddress[] | undefined,
  address: string,
  family: 'IPv4' | 'IPv6',
): AnnouncedAddress | undefined {
  if (list === undefined) return undefined;
  const exact = list.find((a) => a.local === address);
  if (exact !== undefined) return exact;
  return list.find((a) => a.local === undefined && familyOf(a.announced) === family);
}

/** Throws {@link IceConfigError} for an announcement that is not an IP literal. */
export function checkAnnounced(field: string, list: readonly AnnouncedAddress[] | undefined): void {
  for (const a of list ?? []) {
    if (familyOf(a.announced) === undefined)
      throw new IceConfigError(field, `${JSON.stringify(a.announced)} is not an IP address`);
    if (a.local !== undefined && familyOf(a.local) !== familyOf(a.announced))
      throw new IceConfigError(field, `${a.local} and ${a.announced} are of different families`);
    if (a.as !== undefined && a.as !== 'host' && a.as !== 'srflx')
      throw new IceConfigError(field, `as must be 'host' or 'srflx'`);
  }
}

function familyOf(address: string): 'IPv4' | 'IPv6' | undefined {
  const v = isIP(address);
  return v === 4 ? 'IPv4' : v === 6 ? 'IPv6' : undefined;
}
