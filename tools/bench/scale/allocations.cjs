// Samples where a process allocates, garbage included: a preload that starts V8's sampling
// heap profiler with the objects that minor and major GCs collected kept in the profile (what
// `--heap-prof` leaves out, and what a forward or send path's GC cost comes from), and writes
// `<dir>/<pid>.heapprofile` at exit. Summarize with allocations.mjs.
//
//   BENCH_ALLOC_DIR=/tmp/alloc BENCH_ALLOC_MATCH=forwarder \
//     NODE_OPTIONS="--require ./tools/bench/scale/allocations.cjs" node tools/bench/media/bench.mjs
//
// BENCH_ALLOC_MATCH (default: every process) picks the processes whose main script path
// contains it; BENCH_ALLOC_INTERVAL is the mean bytes between samples (default 8192).
// BENCH_ALLOC_SURVIVORS=1 leaves out what minor GCs collected: what is left is what outlived a
// scavenge (medium-lived objects, collected only by a full GC, and the live ones), the
// allocations that make V8 run its full collector over and over on a busy path.
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_ALLOC_DIR;
const match = process.env.BENCH_ALLOC_MATCH ?? '';
if (dir && (process.argv[1] ?? '').includes(match)) {
  const session = new inspector.Session();
  session.connect();
  session.post('HeapProfiler.startSampling', {
    samplingInterval: Number(process.env.BENCH_ALLOC_INTERVAL ?? 8192),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.BENCH_ALLOC_SURVIVORS !== '1',
  });
  process.on('exit', () => {
    // A session of the main thread answers synchronously, so this runs before the exit.
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, `${process.pid}.heapprofile`),
        JSON.stringify(result.profile),
      );
    });
  });
}
