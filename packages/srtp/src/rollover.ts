/** The rollover counter (RFC 3711 §3.3.1) and its estimate at the receiver (Appendix A). */

/** The SRTP packet index is 48 bits: `2^16 * ROC + SEQ` (RFC 3711 §3.3.1). */
export const MAX_ROC = 0xffff_ffff;

/**
 * @internal RFC 3711 Appendix A: the rollover counter `v` of the packet with sequence number
 * `seq`, given the highest sequence number `lastSeq` seen (`s_l`) under rollover counter `roc`.
 * Returns `roc - 1` for a late packet from before a wrap, `roc + 1` for the first packets after
 * one, else `roc`; the caller rejects `-1` (a packet from before the stream began) and a value
 * above {@link MAX_ROC} (the index space is spent).
 */
export function estimateRoc(roc: number, lastSeq: number, seq: number): number {
  if (lastSeq < 0x8000) return seq - lastSeq > 0x8000 ? roc - 1 : roc;
  return lastSeq - 0x8000 > seq ? roc + 1 : roc;
}
