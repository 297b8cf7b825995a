// CPU time of the calling thread alone (the front's or a worker's), from Linux's
// /proc/thread-self/schedstat: Node 20 has no `process.threadCpuUsage()`, and
// `process.cpuUsage()` counts every thread of the process together. The same file says how long
// the thread was ready to run but waited for a core: on a busy machine, the reason a worker's
// event loop is busy while its CPU share is low. Null where there is no such file (then the
// event-loop utilization the front reports is the figure to watch).
import { readFileSync } from 'node:fs';

/** This thread's time on a core and its time waiting in a run queue, in ms, or null. */
export function threadTimes() {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { cpuMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
  } catch {
    return null;
  }
}
