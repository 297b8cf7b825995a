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
export { Prng } from '../virtual/prng.js';
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
