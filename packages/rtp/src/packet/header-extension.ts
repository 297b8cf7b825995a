/**
 * RTP header extension elements (RFC 8285): the one-byte form (profile 0xBEDE, §4.2) and the
 * two-byte form (profile 0x100X, §4.3). This file reads and locates elements inside an
 * extension block; `serialize.ts` writes them.
 */

/** RFC 8285 §4.2: the "defined by profile" value of the one-byte form. */
export const ONE_BYTE_EXTENSION_PROFILE = 0xbede;

/** RFC 8285 §4.3: the two-byte form is 0x100 in the upper 12 bits, then 4 "appbits". */
export const TWO_BYTE_EXTENSION_PROFILE = 0x1000;

/** The two element forms of RFC 8285. */
export type RtpExtensionForm = 'one-byte' | 'two-byte';

/** One header extension element: a negotiated local id and its value bytes. */
export interface RtpHeaderExtension {
  /** Local identifier: 1–14 in the one-byte form, 1–255 in the two-byte form (RFC 8285 §5). */
  readonly id: number;
  /** The element's value. A view when it came from a parsed packet. */
  readonly data: Uint8Array;
}

/**
 * How a packet's extension block is laid out (internal): none, one-byte, two-byte, or a
 * profile that is neither RFC 8285 form (kept, but exposes no elements).
 */
export const ExtForm = { None: 0, OneByte: 1, TwoByte: 2, Other: 3 } as const;
/** One of {@link ExtForm}'s values. */
export type ExtForm = (typeof ExtForm)[keyof typeof ExtForm];

/** The element form named by a 16-bit "defined by profile" value. */
export function formOfProfile(profile: number): ExtForm {
  if (profile === ONE_BYTE_EXTENSION_PROFILE) return ExtForm.OneByte;
  if ((profile & 0xfff0) === TWO_BYTE_EXTENSION_PROFILE) return ExtForm.TwoByte;
  return ExtForm.Other;
}

/**
 * Walks the elements of `b[start, end)` and returns where the well-formed ones stop. As in
 * libwebrtc, a malformed element does not drop the packet: RFC 8285 §4.2 says processing stops
 * at id 15 in the one-byte form, and an element whose length runs past the block (or a one-byte
 * id 0 with a non-zero length) is treated the same way. Elements before it stay readable.
 */
export function scanElements(b: Uint8Array, start: number, end: number, form: ExtForm): number {
  let i = start;
  if (form === ExtForm.OneByte) {
    while (i < end) {
      const h = b[i]!;
      if (h === 0) {
        i++; // RFC 8285 §4.2: padding byte
        continue;
      }
      const next = i + 2 + (h & 0x0f);
      if (h >> 4 === 15 || h >> 4 === 0 || next > end) return i;
      i = next;
    }
    return end;
  }
  if (form === ExtForm.TwoByte) {
    while (i < end) {
      if (b[i] === 0) {
        i++; // RFC 8285 §4.3: padding byte
        continue;
      }
      if (i + 2 > end) return i;
      const next = i + 2 + b[i + 1]!;
      if (next > end) return i;
      i = next;
    }
    return end;
  }
  return start;
}

/**
 * Offset of the value of the first element with `id` in `b[start, end)` (a range that
 * {@link scanElements} accepted), or -1.
 */
export function findElement(
  b: Uint8Array,
  start: number,
  end: number,
  form: ExtForm,
  id: number,
): number {
  let i = start;
  if (form === ExtForm.OneByte) {
    while (i < end) {
      const h = b[i]!;
      if (h === 0) {
        i++;
        continue;
      }
      if (h >> 4 === id) return i + 1;
      i += 2 + (h & 0x0f);
    }
  } else if (form === ExtForm.TwoByte) {
    while (i < end) {
      const eid = b[i]!;
      if (eid === 0) {
        i++;
        continue;
      }
      if (eid === id) return i + 2;
      i += 2 + b[i + 1]!;
    }
  }
  return -1;
}

/** Length of the element whose value starts at `valueOffset` (found by {@link findElement}). */
export function elementLength(b: Uint8Array, form: ExtForm, valueOffset: number): number {
  return form === ExtForm.OneByte ? (b[valueOffset - 1]! & 0x0f) + 1 : b[valueOffset - 1]!;
}

/** Every element of `b[start, end)`, in order (values are views). */
export function listElements(
  b: Uint8Array,
  start: number,
  end: number,
  form: ExtForm,
): RtpHeaderExtension[] {
  const out: RtpHeaderExtension[] = [];
  let i = start;
  while (i < end) {
    if (b[i] === 0) {
      i++;
      continue;
    }
    const one = form === ExtForm.OneByte;
    const id = one ? b[i]! >> 4 : b[i]!;
    const len = one ? (b[i]! & 0x0f) + 1 : b[i + 1]!;
    const at = i + (one ? 1 : 2);
    out.push({ id, data: b.subarray(at, at + len) });
    i = at + len;
  }
  return out;
}
