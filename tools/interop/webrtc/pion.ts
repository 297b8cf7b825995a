/**
 * pion/webrtc v3 (Debian's golang-github-pion-webrtc.v3-dev) as an {@link InteropPeer}: the
 * Go program in tools/interop/pion/peer, built offline at test time in GOPATH mode (Debian's
 * pion modules cannot be resolved in module mode without a proxy) and driven over
 * line-delimited JSON on its stdin and stdout. Build output stays in the gitignored
 * tools/interop/pion/.build.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ChannelBook, type InteropPeer, loopbackOnly, now } from './harness.js';

const PION = fileURLToPath(new URL('../pion/', import.meta.url));
const BUILD = join(PION, '.build');

/**
 * Builds the peer (about 10 s cold, under 1 s from the cache) and resolves the binary's path.
 * GOPATH mode with minimal module compatibility: the peer's directory, which has a go.mod, is
 * linked into a GOPATH `src` tree next to Debian's /usr/share/gocode.
 */
export async function buildPion(): Promise<string> {
  const src = join(BUILD, 'gopath', 'src');
  mkdirSync(src, { recursive: true });
  const link = join(src, 'pionpeer');
  if (!existsSync(link)) symlinkSync(join(PION, 'peer'), link);
  const binary = join(BUILD, 'pionpeer');
  await promisify(execFile)('go', ['build', '-o', binary, 'pionpeer'], {
    cwd: BUILD,
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `${join(BUILD, 'gopath')}:/usr/share/gocode`,
      GOPROXY: 'off',
      GOFLAGS: '',
      GOCACHE: join(BUILD, 'gocache'),
    },
  });
  return binary;
}

type Reply = { id: number; result?: unknown; error?: string };
type PionEvent = {
  event: 'candidate' | 'connectionState' | 'channel' | 'message' | 'log';
  t: number;
  label?: string;
  state?: string;
  error?: string;
  text?: string;
  binary?: string;
  message?: string;
  candidate?: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null };
};

/** One pion PeerConnection in its own process. */
export function pionPeer(binary: string): InteropPeer {
  const child: ChildProcessWithoutNullStreams = spawn(binary, [], { stdio: 'pipe' });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const book = new ChannelBook<true>();
  let nextId = 1;
  let stderr = '';
  let candidateHandler: Parameters<InteropPeer['onCandidate']>[0] | undefined;
  let closedAt: number | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + String(d)).slice(-4000);
    // PION_LOG_DEBUG=sctp,dtls (pion's own logging switches) shows its log as it goes.
    if (process.env.PION_LOG_DEBUG || process.env.PION_LOG_TRACE) process.stderr.write(d);
  });
  child.once('exit', (code, signal) => {
    for (const p of pending.values())
      p.reject(new Error(`pion peer exited (${code ?? signal}): ${stderr}`));
    pending.clear();
  });
  const known = (label: string): string => {
    if (!book.channels.has(label)) book.add(label, true);
    return label;
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const m = JSON.parse(line) as Reply | PionEvent;
    if ('id' in m) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`pion: ${m.error}`));
      else p?.resolve(m.result);
      return;
    }
    switch (m.event) {
      case 'candidate': {
        const c = m.candidate!;
        if (loopbackOnly(c.candidate))
          candidateHandler?.({
            candidate: c.candidate,
            sdpMid: c.sdpMid ?? null,
            sdpMLineIndex: c.sdpMLineIndex ?? null,
          });
        break;
      }
      case 'channel':
        book.event(
          known(m.label!),
          m.state === 'closed' ? 'close' : (m.state as 'open' | 'error'),
          m.error,
          m.t,
        );
        break;
      case 'message':
        book.message(
          known(m.label!),
          m.text ?? new Uint8Array(Buffer.from(m.binary ?? '', 'base64')),
        );
        break;
      default:
        break;
    }
  });
  const call = (op: string, fields: Record<string, unknown> = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`pion peer has exited: ${stderr}`));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    });
  return {
    name: 'pion',
    // pion 3.1 sends no a=max-message-size (so 65 536 by RFC 8841 §6.1) and refuses to send
    // more than 65 536, but reads into a 65 535-byte buffer: a 65 536-byte message closes
    // its channel with io.ErrShortBuffer.
    largestMessage: 65_535,
    // pion/sctp 1.8.6's Association.Close() sends no ABORT or SHUTDOWN: the DTLS close_notify
    // that follows is all the other side gets.
    closeSignal: 'close-notify',
    createOffer: async () => (await call('createOffer')) as { type: 'offer'; sdp: string },
    createAnswer: async () => (await call('createAnswer')) as { type: 'answer'; sdp: string },
    setLocal: async (description) => {
      await call('setLocal', { description });
    },
    setRemote: async (description) => {
      await call('setRemote', { description });
    },
    addCandidate: async (candidate) => {
      await call('addCandidate', { candidate });
    },
    onCandidate(handler) {
      candidateHandler = handler;
    },
    async openChannel(label, options) {
      book.add(label, true);
      const open = book.open(label);
      await call('openChannel', { label, options: options ?? {} });
      await open;
    },
    async echoIncoming() {
      await call('echoIncoming');
    },
    async send(label, data) {
      await call(
        'send',
        typeof data === 'string'
          ? { label, text: data }
          : { label, binary: Buffer.alloc(data.binary, data.fill).toString('base64') },
      );
    },
    received: async (label) => [...(book.got.get(label) ?? [])],
    channelState: async (label) => (await call('channelState', { label })) as string | undefined,
    channelEvents: async (label) => [...(book.events.get(label) ?? [])],
    closeChannel: async (label) => {
      await call('closeChannel', { label });
    },
    connectionState: async () => (await call('connectionState')) as string,
    async close() {
      if (closedAt === undefined) {
        closedAt = now();
        const reply = (await call('close').catch(() => undefined)) as
          | { closedAt: number }
          | undefined;
        if (reply) closedAt = reply.closedAt;
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      return closedAt;
    },
  };
}
