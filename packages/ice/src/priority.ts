/**
 * Candidate and pair priorities: RFC 8445 §5.1.2 (candidates), §6.1.2.3 (pairs) and RFC 8421
 * (local preference with several interfaces and both address families).
 */
import type { CandidateType, TcpType } from './candidate.js';

/** Recommended type preferences, RFC 8445 §5.1.2.2. */
export const TYPE_PREFERENCE: Readonly<Record<CandidateType, number>> = {
  host: 126,
  prflx: 110,
  srflx: 100,
  relay: 0,
};

/**
 * priority = 2^24·type preference + 2^8·local preference + (256 − component id),
 * RFC 8445 §5.1.2.1.
 */
export function candidatePriority(
  type: CandidateType,
  localPreference: number,
  component = 1,
): number {
  return TYPE_PREFERENCE[type] * 0x1000000 + (localPreference & 0xffff) * 0x100 + (256 - component);
}

/**
 * Local preference of an address, RFC 8421 §4: interfaces in the order given (the first is
 * preferred: rank 0), and within an interface the address families interleaved with IPv6
 * first (IPv6, IPv4, IPv6, IPv4...), so that a broken family cannot starve the other one of
 * checks. `familyIndex` is the address's position among the interface's addresses of its
 * family.
 */
export function localPreference(interfaceRank: number, ipv6: boolean, familyIndex: number): number {
  const position = familyIndex * 2 + (ipv6 ? 0 : 1);
  return Math.max(0, 0xffff - interfaceRank * 0x100 - position);
}

/**
 * Pair priority, RFC 8445 §6.1.2.3: `2^32·MIN(G,D) + 2·MAX(G,D) + (G>D?1:0)`, where G is the
 * controlling agent's candidate priority and D the controlled one's. A bigint: the value needs
 * up to 64 bits.
 */
export function pairPriority(controlling: number, controlled: number): bigint {
  const g = BigInt(controlling);
  const d = BigInt(controlled);
  const min = g < d ? g : d;
  const max = g < d ? d : g;
  return (min << 32n) + 2n * max + (g > d ? 1n : 0n);
}

/**
 * Type preferences of TCP candidates (libwebrtc's values): below every UDP type but relay, so
 * that UDP carries the connection whenever it works (RFC 6544 §4.2 leaves the choice to the
 * agent and recommends preferring UDP), and TCP is what is left when UDP is blocked.
 */
export const TCP_TYPE_PREFERENCE: Readonly<Record<'host' | 'prflx', number>> = {
  host: 90,
  prflx: 80,
};

/**
 * RFC 6544 §4.2 direction preferences (0–7) of host (and relayed) TCP candidates: active 6,
 * passive 4, simultaneous-open 2.
 */
export const TCP_DIRECTION_PREFERENCE: Readonly<Record<TcpType, number>> = {
  active: 6,
  passive: 4,
  so: 2,
};

/**
 * Priority of a TCP candidate, RFC 6544 §4.2: the RFC 8445 formula with
 * `local preference = 2^13·direction-pref + other-pref`, where other-pref (0–8191) is the
 * RFC 8421 local preference of the address cut to 13 bits.
 */
export function tcpCandidatePriority(
  type: 'host' | 'prflx',
  tcpType: TcpType,
  addressPreference: number,
  component = 1,
): number {
  const local = TCP_DIRECTION_PREFERENCE[tcpType] * 0x2000 + ((addressPreference & 0xffff) >>> 3);
  return TCP_TYPE_PREFERENCE[type] * 0x1000000 + local * 0x100 + (256 - component);
}
