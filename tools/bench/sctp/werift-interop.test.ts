// @x/sctp against werift's SCTP (a real, independent implementation) in this process over an
// in-memory pipe, on real time: simultaneous open, messages both ways, a fragmented message,
// stream resets both ways, graceful shutdown.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Association, AssociationState } from '@x/sctp';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const werift = require(
  fileURLToPath(new URL('../node_modules/werift/lib/sctp/src/index.js', import.meta.url)),
) as {
  SCTP: {
    client(t: unknown): {
      state: string;
      start(port: number): Promise<void>;
      send(sid: number, ppid: number, data: Buffer): Promise<void>;
      stop(): Promise<void>;
      reconfigQueue: number[];
      transmitReconfigRequest(): Promise<void>;
      onReceive: { subscribe(fn: (sid: number, ppid: number, data: Buffer) => void): void };
    };
  };
};

const until = async (pred: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 2000 && !pred(); i++) await new Promise((r) => setTimeout(r, 1));
  if (!pred()) throw new Error(`timed out waiting for ${what}`);
};

describe('interop with werift SCTP', () => {
  it('connects, exchanges messages, resets streams both ways and shuts down', async () => {
    const peerTransport: {
      onData?: (p: Buffer) => void;
      send(p: Buffer): Promise<void>;
      close(): void;
    } = {
      send: async (p) => {
        setImmediate(() => ours.handlePacket(p));
      },
      close() {},
    };
    const received: Array<{ sid: number; len: number }> = [];
    const incoming: number[][] = [];
    const outgoing: boolean[] = [];
    const states: AssociationState[] = [];
    const ours: Association = new Association(
      { send: (p) => setImmediate(() => peerTransport.onData?.(Buffer.from(p))) },
      {
        heartbeatIntervalMs: 0,
        handlers: {
          onMessage: (sid, _ppid, data) => received.push({ sid, len: data.length }),
          onIncomingStreamsReset: (ids) => incoming.push([...ids]),
          onOutgoingStreamsReset: (_ids, ok) => outgoing.push(ok),
        },
      },
      (s) => states.push(s),
    );
    const peer = werift.SCTP.client(peerTransport);
    const got: string[] = [];
    peer.onReceive.subscribe((_sid, _ppid, data) => got.push(data.toString()));
    ours.connect();
    await peer.start(5000);
    await until(
      () => ours.state === AssociationState.Connected && peer.state === 'connected',
      'handshake',
    );
    ours.send(1, 51, Buffer.from('hello werift'));
    await until(() => got.length === 1, 'werift to receive');
    await peer.send(2, 53, Buffer.alloc(20_000, 7));
    await until(() => received.length === 1, 'a fragmented message');
    expect(received[0]).toEqual({ sid: 2, len: 20_000 });
    peer.reconfigQueue.push(2);
    await peer.transmitReconfigRequest();
    await until(() => incoming.length === 1, 'the incoming reset');
    expect(incoming[0]).toEqual([2]);
    ours.resetStreams([1]);
    await until(() => outgoing.length === 1, 'our outgoing reset');
    expect(outgoing).toEqual([true]);
    ours.send(1, 51, Buffer.from('again'));
    await until(() => got.length === 2, 'werift to receive on the reused stream');
    expect(got).toEqual(['hello werift', 'again']);
    ours.shutdown();
    await until(() => ours.state === AssociationState.Closed, 'shutdown');
    expect(states).toEqual([
      AssociationState.Connecting,
      AssociationState.Connected,
      AssociationState.ShuttingDown,
      AssociationState.Closed,
    ]);
    await peer.stop().catch(() => {});
    expect(ours.stats.internalErrors).toBe(0);
  });
});
