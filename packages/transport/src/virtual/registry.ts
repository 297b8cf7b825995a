/**
 * Where virtual clocks and networks announce themselves while a leak check is running, so
 * that the check can ask each of them what it still holds open.
 */

/** Something that can tell which of its resources are still open. */
export interface LeakSource {
  /** One line per resource still open (a pending timer, an open socket); empty when clean. */
  describeLeaks(): string[];
}

const KEY = Symbol.for('@x/transport.test-resources');

type Holder = { [KEY]?: Set<LeakSource> };

/** Called by virtual clocks and networks on construction. No-op unless a check is running. */
export function registerTestResource(source: LeakSource): void {
  (globalThis as Holder)[KEY]?.add(source);
}

/** Starts collecting sources (returns the live set); `undefined` stops. */
export function collectTestResources(set: Set<LeakSource> | undefined): void {
  (globalThis as Holder)[KEY] = set;
}
