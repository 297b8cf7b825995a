/**
 * RFC 3550 §5.1: the size of an RTP packet's header (fixed part, CSRC list and header
 * extension), without parsing the rest. SRTP needs exactly this: the header is authenticated
 * but not encrypted. Returns `undefined` when `packet` is not a well-formed RTP header.
 */
export function rtpHeaderSize(packet: Uint8Array): number | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  let size = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the words.
    if (packet.length < size + 4) return undefined;
    size += 4 + ((packet[size + 2]! << 8) | packet[size + 3]!) * 4;
  }
  return size <= packet.length ? size : undefined;
}
