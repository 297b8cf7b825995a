/** Serial number arithmetic (RFC 1982) on 32-bit TSNs and 16-bit SSNs (RFC 9260 §1.6). */

/** `a < b` for 32-bit serial numbers. */
export const tsnLt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
/** `a <= b` for 32-bit serial numbers. */
export const tsnLe = (a: number, b: number): boolean => ((a - b) | 0) <= 0;
/** `a + n` wrapped to 32 bits. */
export const tsnAdd = (a: number, n: number): number => (a + n) >>> 0;
/** `a - b` as a signed distance. */
export const tsnDiff = (a: number, b: number): number => (a - b) | 0;
/** `a < b` for 16-bit serial numbers. */
export const ssnLt = (a: number, b: number): boolean => a !== b && ((b - a) & 0xffff) < 0x8000;
