/**
 * ICE credentials (RFC 8445 §5.3) and what the peer's signalling says about it.
 */

import { randomBytes } from 'node:crypto';

/** ICE credentials (RFC 8445 §5.3). */
export interface IceCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

/**
 * New local ICE credentials (RFC 8445 §5.3: ice-chars, at least 24 bits of randomness in the
 * ufrag and 128 in the pwd): an 8-character ufrag (48 bits) and a 24-character pwd (144 bits).
 * The one generator of the stack: the agent, the Manager and the W3C layer's restarts use it.
 */
export function generateIceCredentials(): IceCredentials {
  return { ufrag: randomIceString(8), pwd: randomIceString(24) };
}

/** A random string of `n` ice-chars (RFC 8445 §5.3: ALPHA / DIGIT / "+" / "/"). */
export function randomIceString(n: number): string {
  return randomBytes(n).toString('base64').replace(/=/g, '').slice(0, n);
}

/** Options of {@link Agent.setRemoteCredentials}. */
export interface RemoteOptions {
  /** The peer is an ICE-lite agent (RFC 8445 §2.5): we take the controlling role. */
  readonly iceLite?: boolean;
}
