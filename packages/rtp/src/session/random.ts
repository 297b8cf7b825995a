/** The default source of randomness of the session objects (initial numbers, RTCP intervals). */

import { webcrypto } from 'node:crypto';

const word = new Uint32Array(1);

/**
 * A uniform number in [0, 1) from the system's cryptographic generator: RFC 3550 §5.1 wants
 * the initial sequence number and timestamp unpredictable (known-plaintext attacks on SRTP).
 */
export function cryptoRandom(): number {
  webcrypto.getRandomValues(word);
  return word[0]! / 0x1_0000_0000;
}

/** A random unsigned integer below 2^`bits` (bits ≤ 32) from `random`. */
export function randomBits(random: () => number, bits: number): number {
  return Math.floor(random() * 2 ** bits) >>> 0;
}
