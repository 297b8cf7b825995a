// Headless Chromium for the browser-path benchmark: launched as tools/interop launches it (the
// switches of chromium-options.mjs), one page whose RTCPeerConnection answers each Node stack in
// turn, and the CPU time of every Chromium process read from /proc.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../../interop/webrtc/chromium-options.mjs';

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/**
 * Starts Chromium with one page. `notify` receives what the page reports: its candidates and the
 * time it had every byte of a transfer (one call through an exposed function each).
 */
export async function launchBrowser(notify) {
  const dir = mkdtempSync(join(tmpdir(), 'x-bench-chromium-'));
  const context = await chromium.launchPersistentContext(dir, chromiumLaunchOptions(dir));
  const page = context.pages()[0] ?? (await context.newPage());
  await page.exposeFunction('benchNotify', notify);
  await page.evaluate(installPage);
  return {
    page,
    version: context.browser()?.version() ?? 'unknown',
    /** CPU milliseconds of every Chromium process so far, by pid. */
    cpu: () => processTimes(dir),
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs in the page: the functions bench.mjs calls there, on `globalThis.bench`. */
function installPage() {
  const now = () => performance.timeOrigin + performance.now();
  const bench = {
    pc: undefined,
    channel: undefined,
    opened: undefined,
    got: 0,
    now,
    /** A new answering peer connection; its channel arrives by `datachannel`. */
    create() {
      bench.pc?.close();
      const pc = new RTCPeerConnection();
      bench.pc = pc;
      bench.channel = undefined;
      pc.onicecandidate = (e) => {
        if (e.candidate?.candidate)
          void globalThis.benchNotify({ type: 'candidate', candidate: e.candidate.toJSON() });
      };
      bench.opened = new Promise((resolve) => {
        pc.ondatachannel = (e) => {
          const c = e.channel;
          c.binaryType = 'arraybuffer';
          bench.channel = c;
          if (c.readyState === 'open') resolve();
          else c.onopen = () => resolve();
        };
      });
    },
    async answer(offer) {
      await bench.pc.setRemoteDescription(offer);
      await bench.pc.setLocalDescription(await bench.pc.createAnswer());
      return { type: 'answer', sdp: bench.pc.localDescription.sdp };
    },
    /** Counts `total` bytes; the time of the last one is taken in its onmessage. */
    receive(total) {
      const c = bench.channel;
      bench.got = 0;
      c.onmessage = (e) => {
        bench.got += e.data.byteLength;
        if (bench.got >= total) {
          const at = now();
          c.onmessage = null;
          void globalThis.benchNotify({ type: 'page-received', at });
        }
      };
    },
    /** sendBulk of tools/bench/webrtc/peers.mjs, as page code; returns the first send's time. */
    send(total) {
      const c = bench.channel;
      const message = new Uint8Array(16 * 1024).fill(1);
      let sent = 0;
      c.bufferedAmountLowThreshold = 256 * 1024;
      const pump = () => {
        if (c.readyState !== 'open') {
          // Closed under it (a measurement that timed out): stop, rather than throw every 5 ms.
          clearInterval(poll);
          return;
        }
        while (sent < total && c.bufferedAmount <= 1024 * 1024) {
          c.send(message);
          sent += message.length;
        }
        if (sent >= total) clearInterval(poll);
      };
      c.onbufferedamountlow = pump;
      const poll = setInterval(pump, 5);
      const t0 = now();
      pump();
      return t0;
    },
    /** Datagrams and bytes of the page's transport (webrtc-stats `transport`). */
    async stats() {
      const out = {};
      (await bench.pc.getStats()).forEach((s) => {
        if (s.type === 'transport') {
          out.packetsSent = s.packetsSent;
          out.packetsReceived = s.packetsReceived;
          out.bytesSent = s.bytesSent;
          out.bytesReceived = s.bytesReceived;
        }
      });
      return out;
    },
    close() {
      bench.pc?.close();
      bench.pc = undefined;
      bench.channel = undefined;
    },
  };
  globalThis.bench = bench;
}

/**
 * utime + stime of the browser process (the one started with our user-data dir) and all its
 * descendants (zygotes, renderers, the network and GPU utility processes), in ms, by pid.
 */
function processTimes(userDataDir) {
  const stats = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), {
        ppid: Number(fields[1]),
        ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
      });
    } catch {
      // The process ended while we looked.
    }
  }
  const roots = [...stats.keys()].filter((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes(`--user-data-dir=${userDataDir}`) && !cmdline.includes('--type=');
    } catch {
      return false;
    }
  });
  const out = new Map();
  const visit = (pid) => {
    if (out.has(pid)) return;
    out.set(pid, stats.get(pid).ms);
    for (const [child, s] of stats) if (s.ppid === pid) visit(child);
  };
  for (const root of roots) visit(root);
  return out;
}

/** CPU ms spent by Chromium between two `cpu()` readings (processes started since count whole). */
export function cpuBetween(before, after) {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}
