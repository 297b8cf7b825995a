/**
 * `@x/transport/testing`: a virtual clock and a virtual network (loss, delay, reordering,
 * duplication, bandwidth, MTU, partitions, RFC 4787 NATs) that implement `Clock` and `Net`, so
 * that whole connections run deterministically in milliseconds, and the leak check
 * (`startLeakCheck`) that fails a test leaving a socket or timer open.
 *
 * @packageDocumentation
 */

export type { HostOptions, InterfaceOptions, VirtualHost } from '../virtual/host.js';
export {
  DEFAULT_LINK,
  type DropReason,
  type LinkConditions,
  type LinkStats,
  type VirtualLink,
} from '../virtual/link.js';
export type { NatBehavior, NatOptions } from '../virtual/nat.js';
export { VirtualNetwork, type VirtualNetworkOptions } from '../virtual/network.js';
export { Prng, seededDraws } from '../virtual/prng.js';

import { setStrictStateMachines } from '../notifier.js';

/**
 * Makes a change after a terminal state (`Closed`) throw `LateStateChangeError` in every
 * `StateMachine` of this process, instead of being ignored and reported: for test setups
 * (`vitest.setup.ts` of this repository calls it), so that such a bug fails the test.
 */
export function strictStateMachines(on = true): void {
  setStrictStateMachines(on);
}
export type { RouterOptions, VirtualRouter } from '../virtual/router.js';
export {
  type RunOptions,
  VirtualClock,
  type VirtualClockOptions,
} from '../virtual/virtual-clock.js';
export {
  type LeakCheck,
  type LeakCheckOptions,
  LeakError,
  type LeakFinishOptions,
  startLeakCheck,
} from './leaks.js';
