import { isIPv4, isIPv6 } from 'node:net';
import { InvalidAddressError } from './errors.js';

/** An IP address family. */
export type AddressFamily = 'IPv4' | 'IPv6';

/** An IP address and a port. */
export interface SocketAddress {
  readonly address: string;
  readonly port: number;
  readonly family: AddressFamily;
}

/** The family of a literal IP address, or `undefined` when it is not one. */
export function addressFamily(address: string): AddressFamily | undefined {
  if (isIPv4(address)) return 'IPv4';
  if (isIPv6(address)) return 'IPv6';
  return undefined;
}

/** The family of `address`; throws {@link InvalidAddressError} when it is not an IP literal. */
export function requireFamily(address: string): AddressFamily {
  const family = addressFamily(address);
  if (family === undefined) {
    throw new InvalidAddressError(address, 'not an IPv4 or IPv6 literal');
  }
  return family;
}

/** `address:port`, with brackets around IPv6 addresses. */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The largest UDP payload over each family (65 535 minus the IP and UDP headers). */
export const MAX_UDP_PAYLOAD: Readonly<Record<AddressFamily, number>> = {
  IPv4: 65_507,
  IPv6: 65_527,
};
