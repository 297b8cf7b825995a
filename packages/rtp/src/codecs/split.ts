/**
 * How payloaders share a frame among packets: as few packets as fit, of nearly equal sizes
 * (libwebrtc does the same), so that no packet is a tiny tail.
 */

/**
 * The sizes of the pieces `total` bytes are cut into when the first piece holds at most
 * `firstCapacity` bytes and each later one at most `capacity`. Both capacities are at least 1.
 */
export function splitSizes(total: number, firstCapacity: number, capacity: number): number[] {
  if (total <= firstCapacity) return [total];
  const count = 1 + Math.ceil((total - firstCapacity) / capacity);
  const first = Math.min(
    firstCapacity,
    Math.max(Math.floor(total / count), total - (count - 1) * capacity),
  );
  const rest = total - first;
  const base = Math.floor(rest / (count - 1));
  const longer = rest % (count - 1);
  const sizes = [first];
  for (let i = 1; i < count; i++) sizes.push(base + (i <= longer ? 1 : 0));
  return sizes;
}
