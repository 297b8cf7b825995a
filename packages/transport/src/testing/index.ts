export {
  type LeakCheck,
  type LeakCheckOptions,
  LeakError,
  type LeakFinishOptions,
  startLeakCheck,
} from './leaks.js';
export {
  type RunOptions,
  VirtualClock,
  type VirtualClockOptions,
} from '../virtual/virtual-clock.js';
