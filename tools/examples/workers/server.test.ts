// Runs the example as a user does: `node server.mjs` with WORKERS=2 (the built @x/webrtc and
// @x/network, imported by package name), and clients that are our RTCPeerConnection in this
// process, on loopback. Every client must get its echo; the front must have spread the
// connections over both workers, each on its own UDP port; closing the clients must release
// every connection and every route on the workers' muxes; SIGTERM must stop the workers and
// the front, exit code 0.
import { fileURLToPath } from 'node:url';
import { type RTCIceCandidateInit, RTCPeerConnection } from '@x/webrtc';
import { describe, expect, it } from 'vitest';
import { startExampleServer } from '../testing-server.js';

const dir = fileURLToPath(new URL('.', import.meta.url));

interface WorkerStats {
  worker: number;
  alive: boolean;
  load: number;
  placed: number;
  port: number;
  peers: number;
  connected: number;
  accepted: number;
  released: number;
  messages: number;
  thread: { cpuMs: number; waitMs: number } | null;
  routes: { agents: number; addresses: number; ufrags: number; transactions: number };
}
interface Stats {
  placement: string;
  workers: WorkerStats[];
}
interface Answer {
  id: string;
  worker: number;
  sdp: string;
  candidates: RTCIceCandidateInit[];
}

const post = async (url: string, path: string, body: unknown): Promise<Response> => {
  const r = await fetch(new URL(path, url), { method: 'POST', body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
  return r;
};
const statsOf = async (url: string): Promise<Stats> =>
  (await fetch(new URL('/stats', url))).json() as Promise<Stats>;

/**
 * One client: an offer with a data channel, the answer from the front, and a message that
 * must come back. `trickle`: the offer goes at once, without candidates, and they follow by
 * /candidate (relayed to the worker); otherwise they are in the offer (gathered first).
 */
async function connect(url: string, n: number, trickle: boolean) {
  const pc = new RTCPeerConnection({ gather: { includeLoopback: true } });
  const channel = pc.createDataChannel('echo');
  const early: RTCIceCandidateInit[] = [];
  let id: string | undefined;
  const sent: Promise<unknown>[] = [];
  const gathered = new Promise<void>((resolve) => {
    pc.onicecandidate = (e) => {
      if (e.candidate === null) return resolve();
      if (!trickle) return;
      const c = e.candidate.toJSON();
      if (id === undefined) early.push(c);
      else sent.push(post(url, '/candidate', { id, candidate: c }));
    };
  });
  await pc.setLocalDescription();
  if (!trickle) await gathered;
  const answer = (await (
    await post(url, '/offer', { type: 'offer', sdp: pc.localDescription!.sdp })
  ).json()) as Answer;
  id = answer.id;
  for (const c of early.splice(0)) sent.push(post(url, '/candidate', { id, candidate: c }));
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  for (const c of answer.candidates) await pc.addIceCandidate(c);
  const echo = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client ${n}: no echo in 10 s`)), 10_000);
    channel.onmessage = (e) => {
      clearTimeout(timer);
      resolve(String(e.data));
    };
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client ${n}: channel not open`)), 10_000);
    channel.onopen = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  channel.send(`hello from client ${n}`);
  await gathered;
  await Promise.all(sent);
  const pair = pc.sctp!.transport.iceTransport.getSelectedCandidatePair()!;
  return { pc, answer, echo: await echo, serverPort: pair.remote.port };
}

describe('example workers', () => {
  it('spreads connections over two workers, one UDP port each, echoes, and releases everything on close', async () => {
    const server = await startExampleServer(dir, { WORKERS: '2' });
    const clients: Awaited<ReturnType<typeof connect>>[] = [];
    try {
      const before = await statsOf(server.url);
      expect(before.placement).toBe('least-loaded');
      expect(before.workers.map((w) => w.peers)).toEqual([0, 0]);
      const ports = before.workers.map((w) => w.port);
      expect(new Set(ports).size).toBe(2);

      // Eight clients at once, half of them trickling their candidates through the front.
      const COUNT = 8;
      clients.push(
        ...(await Promise.all(
          Array.from({ length: COUNT }, (_, n) => connect(server.url, n, n % 2 === 1)),
        )),
      );
      for (const [n, c] of clients.entries()) {
        expect(c.echo).toBe(`hello from client ${n}`);
        // The client's packets go to the port of the worker that answered, not to the front.
        expect(c.serverPort).toBe(ports[c.answer.worker]);
        expect(c.answer.id.startsWith(`${c.answer.worker}-`)).toBe(true);
      }
      const placedOn = clients.map((c) => c.answer.worker);
      // Least-loaded with concurrent offers: an even split, four each.
      expect(placedOn.filter((w) => w === 0)).toHaveLength(COUNT / 2);
      expect(placedOn.filter((w) => w === 1)).toHaveLength(COUNT / 2);

      const during = await statsOf(server.url);
      for (const w of during.workers) {
        expect(w.alive).toBe(true);
        expect(w.peers).toBe(COUNT / 2);
        expect(w.connected).toBe(COUNT / 2);
        expect(w.load).toBe(COUNT / 2);
        expect(w.messages).toBe(COUNT / 2);
        expect(w.routes.agents).toBe(COUNT / 2);
        expect(w.routes.ufrags).toBe(COUNT / 2);
        expect(w.routes.addresses).toBeGreaterThanOrEqual(COUNT / 2);
      }
      // Each worker did the handshakes of its connections on its own thread (Linux: /proc).
      for (const [i, w] of during.workers.entries()) {
        const was = before.workers[i]!.thread;
        if (w.thread !== null && was !== null) expect(w.thread.cpuMs).toBeGreaterThan(was.cpuMs);
      }

      // A bye releases at once; the others close their connections, and the worker hears it
      // (SCTP ABORT and DTLS close_notify) and releases theirs.
      await post(server.url, '/bye', { id: clients[0]!.answer.id });
      for (const c of clients) c.pc.close();
      await Promise.all(clients.map((c) => c.pc.released));
      await expect
        .poll(async () => (await statsOf(server.url)).workers.map((w) => w.peers), {
          timeout: 5000,
        })
        .toEqual([0, 0]);
      const after = await statsOf(server.url);
      for (const w of after.workers) {
        expect(w.load).toBe(0);
        expect(w.released).toBe(COUNT / 2);
        expect(w.routes).toEqual({ agents: 0, addresses: 0, ufrags: 0, transactions: 0 });
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}\nserver output:\n${server.output()}`, {
        cause: error,
      });
    } finally {
      for (const c of clients) c.pc.close();
      await Promise.all(clients.map((c) => c.pc.released));
      const code = await server.stop();
      expect(code, server.output()).toBe(0);
    }
    const out = server.output();
    expect(out).toMatch(/2 worker\(s\) on UDP port\(s\) \d+, \d+, placement least-loaded/);
    expect(out).toMatch(/SIGTERM: closing 0 connection\(s\) on 2 worker\(s\)/);
    expect(out).toMatch(/stopped \(workers exited with 0, 0\)\n$/);
  }, 60_000);
});
