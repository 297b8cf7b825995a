#!/usr/bin/env node
// Summarizes a V8 CPU profile (.cpuprofile, from `node --cpu-prof` or bench.mjs --profile): self
// time by package (the @x/* package, node_modules package, `node:` internals, or the program,
// idle and GC) and by function. `node tools/bench/scale/profile.mjs <file> [top]`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package a script URL belongs to. */
function packageOf(url) {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:';
  const x = /packages\/([^/]+)\/(?:dist|src)\//.exec(url);
  if (x) return `@x/${x[1]}`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(
    url.replace(/.*node_modules\/\.pnpm\/[^/]+\//, ''),
  );
  if (nm) return nm[1];
  if (/tools\/bench\//.test(url)) return 'bench';
  return url.replace(/^file:\/\//, '');
}

export function summarize(file, top = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const total = (profile.endTime - profile.startTime) / 1000;
  const byPackage = new Map();
  const byFunction = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const f = n.callFrame;
    const name = f.functionName || '(anonymous)';
    const pkg = ['(idle)', '(program)', '(garbage collector)'].includes(name)
      ? name
      : packageOf(f.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us / 1000);
    const key = `${name} ${pkg}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us / 1000);
  }
  const busy = [...byPackage].filter(([k]) => k !== '(idle)').reduce((s, [, v]) => s + v, 0);
  console.log(
    `  ${total.toFixed(0)} ms profiled, ${busy.toFixed(0)} ms busy on the main thread (${((100 * busy) / total).toFixed(2)} %)`,
  );
  const show = (m, n) => {
    for (const [k, v] of [...m]
      .filter(([k]) => k !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, n))
      console.log(
        `  ${v.toFixed(1).padStart(8)} ms ${((100 * v) / busy).toFixed(1).padStart(5)} %  ${k}`,
      );
  };
  console.log('  by package:');
  show(byPackage, 15);
  console.log('  by function:');
  show(byFunction, top);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  summarize(process.argv[2], Number(process.argv[3] ?? 25));
}
