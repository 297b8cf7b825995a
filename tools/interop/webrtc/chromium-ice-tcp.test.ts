// Passive ICE-TCP against headless Chromium (issue 21): our RTCPeerConnection on a TcpMux,
// Chromium with UDP switched off, the data channel over a TCP connection (RFC 6544, RFC 4571
// framing); getStats() on both sides says the selected pair is TCP.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TcpMux } from '@x/network';
import { RTCPeerConnection } from '@x/webrtc';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumLaunchOptions } from './chromium-options.mjs';

/**
 * The switch that makes Chromium give up UDP: with `disable_non_proxied_udp` it gathers no
 * candidate at all and reaches peers over TCP only (what a browser behind a UDP-blocking
 * firewall ends up doing). `--force-webrtc-ip-handling-policy=…` did nothing here.
 */
const NO_UDP = '--webrtc-ip-handling-policy=disable_non_proxied_udp';

let context: BrowserContext | undefined;
let page: Page;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  dir = mkdtempSync(join(tmpdir(), 'x-chromium-tcp-'));
  const options = chromiumLaunchOptions(dir);
  const args = [...options.args];
  args.splice(args.length - 1, 0, NO_UDP);
  context = await chromium.launchPersistentContext(dir, { ...options, args });
  page = context.pages()[0] ?? (await context.newPage());
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

type PageX = {
  pc: {
    createDataChannel(label: string): {
      onopen: (() => void) | null;
      onmessage: ((e: { data: unknown }) => void) | null;
      send(d: unknown): void;
    };
    createOffer(): Promise<{ sdp?: string }>;
    setLocalDescription(d: unknown): Promise<void>;
    setRemoteDescription(d: unknown): Promise<void>;
    addIceCandidate(c: unknown): Promise<void>;
    getStats(): Promise<Map<string, Record<string, unknown>>>;
    close(): void;
    connectionState: string;
    iceGatheringState: string;
    onicecandidate: ((e: { candidate: { toJSON(): unknown } | null }) => void) | null;
  };
  candidates: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }[];
  echoed: number;
};
type PageGlobal = { x: PageX; RTCPeerConnection: new () => PageX['pc'] };

/** The protocol and candidate types of the selected pair in a getStats() report. */
function selectedPair(report: Iterable<Record<string, unknown>>) {
  const byId = new Map<string, Record<string, unknown>>();
  for (const s of report) byId.set(String(s.id), s);
  const transport = [...byId.values()].find((s) => s.type === 'transport');
  const pair = byId.get(String(transport?.selectedCandidatePairId));
  const local = byId.get(String(pair?.localCandidateId));
  const remote = byId.get(String(pair?.remoteCandidateId));
  return {
    local: `${local?.protocol} ${local?.candidateType} ${local?.tcpType ?? ''}`.trim(),
    remote: `${remote?.protocol} ${remote?.candidateType} ${remote?.tcpType ?? ''}`.trim(),
    localPort: Number(local?.port),
  };
}

describe('Chromium over passive ICE-TCP', () => {
  it('connects with UDP disabled, echoes on a data channel, and both selected pairs are TCP', async () => {
    const mux = await TcpMux.listen({ port: 0, address: '127.0.0.1' });
    const pc = new RTCPeerConnection({ gather: { includeLoopback: true }, tcpMux: mux });
    const iceStates: string[] = [];
    pc.addEventListener('iceconnectionstatechange', () => iceStates.push(pc.iceConnectionState));
    try {
      const started = performance.now();
      const offer = await page.evaluate(async () => {
        const w = globalThis as unknown as PageGlobal;
        const pc = new w.RTCPeerConnection();
        const x: PageX = { pc, candidates: [], echoed: 0 };
        w.x = x;
        pc.onicecandidate = (e) => {
          if (e.candidate) x.candidates.push(e.candidate.toJSON() as PageX['candidates'][0]);
        };
        const dc = pc.createDataChannel('echo');
        dc.onmessage = (e) => {
          x.echoed++;
          dc.send(e.data);
        };
        const o = await pc.createOffer();
        await pc.setLocalDescription(o);
        return o.sdp!;
      });
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      const channel = new Promise<import('@x/webrtc').RTCDataChannel>((resolve) => {
        pc.ondatachannel = (e) => resolve(e.channel);
      });
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        else
          pc.addEventListener(
            'icegatheringstatechange',
            () => pc.iceGatheringState === 'complete' && resolve(),
          );
      });
      const answer = pc.localDescription!.sdp;
      expect(answer).toMatch(/ tcp \d+ 127\.0\.0\.1 \d+ typ host tcptype passive/);
      // Chromium gathers nothing with UDP off: its end-of-candidates comes at once, before its
      // TCP connection, and our agent must wait for that connection rather than fail.
      await page.waitForFunction(
        () => (globalThis as unknown as PageGlobal).x.pc.iceGatheringState === 'complete',
      );
      await pc.addIceCandidate({ candidate: '', sdpMLineIndex: 0 });
      // (100 ms: time enough for our agent to give up, were it to.)
      await new Promise((r) => setTimeout(r, 100));
      await page.evaluate(
        (sdp) =>
          (globalThis as unknown as PageGlobal).x.pc.setRemoteDescription({ type: 'answer', sdp }),
        answer,
      );
      // Chromium's own candidates, trickled.
      const seen: string[] = [];
      const deadline = Date.now() + 10_000;
      let open = false;
      const dc = await Promise.race([
        channel,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
      ]);
      while (Date.now() < deadline && !open) {
        const cs = await page.evaluate(() =>
          (globalThis as unknown as PageGlobal).x.candidates.splice(0),
        );
        for (const c of cs) {
          seen.push(c.candidate);
          await pc.addIceCandidate(c).catch(() => {});
        }
        open = dc?.readyState === 'open';
        if (!open) await new Promise((r) => setTimeout(r, 20));
      }
      console.log(
        'chromium candidates',
        seen,
        'connected after',
        performance.now() - started,
        'ms',
      );
      expect(seen.every((c) => !/ udp /i.test(c))).toBe(true);
      expect(dc?.readyState).toBe('open');
      expect(iceStates).not.toContain('failed');
      // Echo 50 messages through Chromium.
      const replies: string[] = [];
      const done = new Promise<void>((resolve) => {
        dc!.onmessage = (e) => {
          replies.push(String(e.data));
          if (replies.length === 50) resolve();
        };
      });
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) dc!.send(`ping ${i}`);
      await done;
      console.log('50 echoes in', (performance.now() - t0).toFixed(1), 'ms');
      expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => `ping ${i}`));
      // getStats(): the selected pair is TCP on both sides.
      const ours = selectedPair((await pc.getStats()).values());
      const theirs = await page.evaluate(async () => {
        const r = await (globalThis as unknown as PageGlobal).x.pc.getStats();
        return [...r.values()];
      });
      const chromiumPair = selectedPair(theirs);
      console.log('selected pair: ours', ours, 'chromium', chromiumPair);
      expect(ours.local).toBe('tcp host passive');
      expect(ours.remote).toMatch(/^tcp (prflx|host)/);
      expect(ours.localPort).toBe(mux.port);
      expect(chromiumPair.local).toMatch(/^tcp /);
      expect(chromiumPair.remote).toBe('tcp host passive');
      expect(mux.stats.connectionsRouted).toBeGreaterThanOrEqual(1);
      expect(mux.stats.dropped).toEqual({
        malformed: 0,
        unknownUfrag: 0,
        badIntegrity: 0,
        timeout: 0,
        pendingLimit: 0,
        connectionLimit: 0,
      });
    } finally {
      await page
        .evaluate(() => (globalThis as unknown as PageGlobal).x?.pc.close())
        .catch(() => {});
      pc.close();
      await pc.released;
      await mux.close();
    }
    expect(mux.connectionCounts).toEqual({ pending: 0, routed: 0, agents: 0 });
  }, 30_000);
});
