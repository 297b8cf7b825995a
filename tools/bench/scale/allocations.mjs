#!/usr/bin/env node
// Summarizes a sampling heap profile from allocations.cjs: the bytes allocated (collected or
// not) by each function, and by its last frames of stack, so that what a hot path allocates
// per packet shows at a glance. `node tools/bench/scale/allocations.mjs <file> [top]`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const frameName = (node) => {
  const f = node.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-3).join('/')}:${f.lineNumber + 1}`;
};

export function summarize(file, top = 30) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byFunction = new Map();
  const byStack = new Map();
  let total = 0;
  const walk = (node, stack) => {
    const here = [...stack, frameName(node)];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const name = here[here.length - 1];
      byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
      const tail = here.slice(-4).join(' < ');
      byStack.set(tail, (byStack.get(tail) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  const mb = (b) => (b / 1e6).toFixed(1).padStart(8);
  const lines = [`  ${mb(total)} MB allocated in all (sampled)`, '  by function:'];
  for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${mb(bytes)} MB ${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${name}`);
  lines.push('  by the last four frames (callee first):');
  for (const [stack, bytes] of [...byStack].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${mb(bytes)} MB  ${stack.split(' < ').reverse().join(' < ')}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: allocations.mjs <file.heapprofile> [top]');
    process.exit(2);
  }
  console.log(summarize(file, Number(top ?? 30)));
}
