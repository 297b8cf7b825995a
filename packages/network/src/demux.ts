/**
 * RFC 7983 §7: what a datagram on the ICE transport carries, from its first byte.
 * STUN (0–3) is taken by the ICE agent before this is asked.
 */
export type DatagramKind = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'unknown';

/** Classifies a datagram by its first byte (RFC 7983 §7, updating RFC 5764 §5.1.2). */
export function classifyDatagram(data: Uint8Array): DatagramKind {
  if (data.byteLength === 0) return 'unknown';
  const b = data[0]!;
  if (b <= 3) return 'stun';
  if (b >= 16 && b <= 19) return 'zrtp';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 64 && b <= 79) return 'turn-channel';
  if (b >= 128 && b <= 191) return 'rtp';
  return 'unknown';
}
