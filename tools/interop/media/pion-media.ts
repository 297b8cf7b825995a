/**
 * The pion peer of tools/interop/pion/peer (pion/webrtc 3.1, built by `buildPion()`) as a
 * loopback SFU for the media tests: the same Go process and JSON lines as the data-channel
 * adapter of webrtc/pion.ts, with the media commands (`addEchoTracks`, `mediaStats`) and every
 * event kept with its wall-clock time, to be awaited by the test.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loopbackOnly, now } from '../webrtc/harness.js';

/** A candidate as signaling carries it. */
export interface Candidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

/** An event line of the Go peer: its name, its time (unix ms) and its fields. */
export interface PionEvent {
  readonly event: string;
  readonly t: number;
  readonly [field: string]: unknown;
}

/** What pion's echo counted for one kind (`mediaStats`; see media.go). */
export interface PionKindStats {
  localSsrc: number;
  remoteSsrc: number;
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  writeErrors: number;
  sr: number;
  sdes: number;
  bye: number;
  rrBlocks: number;
  pli: number;
  fir: number;
  nack: number;
  forwarded: number;
}

type Reply = { id: number; result?: unknown; error?: string };

/** One pion PeerConnection in its own process, driven by the media tests. */
export class PionMediaPeer {
  /** Every event so far, in the order the peer wrote them. */
  readonly events: PionEvent[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly waiters = new Set<() => void>();
  private readonly exited: Promise<void>;
  private nextId = 1;
  private stderr = '';
  private candidateHandler: ((c: Candidate) => void) | undefined;
  private closedAt: number | undefined;

  constructor(binary: string) {
    this.child = spawn(binary, [], { stdio: 'pipe' });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + String(d)).slice(-4000);
      // PION_LOG_DEBUG=ice,dtls,srtp,... (pion's own switches) shows its log as it goes.
      if (process.env.PION_LOG_DEBUG || process.env.PION_LOG_TRACE) process.stderr.write(d);
    });
    this.child.once('exit', (code, signal) => {
      for (const p of this.pending.values())
        p.reject(new Error(`pion peer exited (${code ?? signal}): ${this.stderr}`));
      this.pending.clear();
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.line(line));
  }

  private line(line: string): void {
    if (!line.startsWith('{')) return;
    const m = JSON.parse(line) as Reply | PionEvent;
    if (!('event' in m)) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`pion: ${m.error}`));
      else p?.resolve(m.result);
      return;
    }
    if (m.event === 'candidate') {
      const c = m.candidate as { candidate: string; sdpMid?: string; sdpMLineIndex?: number };
      if (loopbackOnly(c.candidate))
        this.candidateHandler?.({
          candidate: c.candidate,
          sdpMid: c.sdpMid ?? null,
          sdpMLineIndex: c.sdpMLineIndex ?? null,
        });
      return;
    }
    this.events.push(m);
    for (const wake of [...this.waiters]) wake();
  }

  /** Sends one command and resolves its result (rejects with pion's error). */
  call<T = unknown>(op: string, fields: Record<string, unknown> = {}): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        reject(new Error(`pion peer has exited: ${this.stderr}`));
        return;
      }
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    });
  }

  /** pion's loopback 127.0.0.1 UDP candidates go to `handler` (the others are dropped). */
  onCandidate(handler: (c: Candidate) => void): void {
    this.candidateHandler = handler;
  }

  /** The events named `event` so far. */
  eventsNamed(event: string): PionEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  /**
   * Resolves the `count` events of that name that satisfy `match` once there are that many;
   * rejects after `timeoutMs` with what there was.
   */
  async waitFor(
    event: string,
    { count = 1, match = () => true, timeoutMs = 5_000 }: WaitOptions = {},
  ): Promise<PionEvent[]> {
    const found = () => this.eventsNamed(event).filter(match);
    if (found().length >= count) return found().slice(0, count);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (found().length < count) return;
        done();
        resolve(found().slice(0, count));
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `pion: ${count} ${event} event(s) not seen in ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /**
   * Closes the PeerConnection and ends the process; resolves the wall-clock time at which
   * pion's `Close()` was called. Safe to call again.
   */
  async close(): Promise<number> {
    if (this.closedAt === undefined) {
      this.closedAt = now();
      const reply = await this.call<{ closedAt: number }>('close').catch(() => undefined);
      if (reply) this.closedAt = reply.closedAt;
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    return this.closedAt;
  }
}

/** Options of {@link PionMediaPeer.waitFor}. */
export interface WaitOptions {
  count?: number;
  match?: (e: PionEvent) => boolean;
  timeoutMs?: number;
}
