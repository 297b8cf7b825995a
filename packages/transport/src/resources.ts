/**
 * Optional tracking of open sockets and pending timers, so that a test which leaves one open
 * can fail. Off unless a tracker is installed (see `installResourceTracker` in
 * `@x/transport/testing`): the real implementations then pay nothing.
 *
 * The tracker lives on `globalThis` under a registered symbol so that every copy of this
 * package (source and built) reports to the same one.
 */

/** The kinds of resources that are tracked. */
export type ResourceKind = 'udp-socket' | 'tcp-socket' | 'tcp-server' | 'timer';

/** Receives open and close events of resources. */
export interface ResourceSink {
  /**
   * A resource was opened; returns a token to hand to `closed`. `origin` is an error created
   * where the user asked for the resource, when that was earlier than its opening.
   */
  opened(kind: ResourceKind, description: string, origin?: Error): number;
  /** The resource of `token` was closed (or the timer fired or was cancelled). */
  closed(token: number): void;
}

const KEY = Symbol.for('@x/transport.resource-sink');

/** The installed sink, if any. Read it when a resource is created, not at module load. */
export function resourceSink(): ResourceSink | undefined {
  return (globalThis as { [KEY]?: ResourceSink })[KEY];
}

/** Installs (or with `undefined`, removes) the global sink. */
export function setResourceSink(sink: ResourceSink | undefined): void {
  (globalThis as { [KEY]?: ResourceSink })[KEY] = sink;
}
