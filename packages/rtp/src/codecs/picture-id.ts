/**
 * The PictureID of the VP8 (RFC 7741 §4.2) and VP9 (RFC 9628 §4.2) payload descriptors: one
 * byte with M=0 (7 bits), or two with M=1 (15 bits).
 */

/** Where a descriptor reader keeps the PictureID it read. */
export interface PictureIdTarget {
  pictureId: number | undefined;
  pictureIdBits: number;
}

/**
 * Reads the PictureID at `at` of `payload` (whose length counts up to `length`) into `out`;
 * returns the offset after it, or -1 when the payload ends inside it.
 */
export function readPictureId(
  payload: Uint8Array,
  at: number,
  length: number,
  out: PictureIdTarget,
): number {
  if (at >= length) return -1;
  const p0 = payload[at++]!;
  if ((p0 & 0x80) === 0) {
    out.pictureId = p0;
    out.pictureIdBits = 7;
    return at;
  }
  if (at >= length) return -1;
  out.pictureId = ((p0 & 0x7f) << 8) | payload[at++]!;
  out.pictureIdBits = 15;
  return at;
}
