// RTCDataChannel (webrtc-pc §6.2) between two RTCPeerConnections on the virtual network with
// the virtual clock: readyState and events in the spec's order, send() of every type in every
// state, the peer's max-message-size, Blob sends that keep their place in the queue,
// bufferedAmount and bufferedamountlow, binaryType, negotiated channels, close from either
// side, and listeners that throw.
import { Blob } from 'node:buffer';
import type { VirtualClock, VirtualHost } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { setListenerErrorHandler } from './events.js';
import type { RTCDataChannel } from './rtc-data-channel.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCDataChannelInit } from './rtc-types.js';
import { virtualPeers } from './testing-peers.js';

let pcs: RTCPeerConnection[] = [];
afterEach(async () => {
  for (const pc of pcs) {
    pc.close();
    await pc.released;
  }
  pcs = [];
});

interface Pair {
  clock: VirtualClock;
  a: RTCPeerConnection;
  b: RTCPeerConnection;
  hostB: VirtualHost;
}

function peers(): Pair {
  const { clock, a, b, hostB } = virtualPeers({ seed: 4 });
  pcs = [a, b];
  return { clock, a, b, hostB };
}

async function negotiate({ a, b }: Pair): Promise<void> {
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
}

/** A channel from a, its counterpart on b, both open. */
async function openChannel(
  label = 'dc',
  init: RTCDataChannelInit = {},
): Promise<Pair & { local: RTCDataChannel; remote: RTCDataChannel }> {
  const p = peers();
  const local = p.a.createDataChannel(label, init);
  let remote: RTCDataChannel | undefined;
  p.b.ondatachannel = (e) => {
    remote = e.channel;
  };
  await negotiate(p);
  expect(
    await p.clock.runUntil(() => local.readyState === 'open' && remote !== undefined, {
      timeoutMs: 10_000,
    }),
  ).toBe(true);
  return { ...p, local, remote: remote! };
}

/** Records every event of a channel, with its readyState when it fired. */
function record(channel: RTCDataChannel, log: string[], who: string): void {
  for (const type of ['open', 'closing', 'close', 'error', 'bufferedamountlow']) {
    channel.addEventListener(type, () => log.push(`${who} ${type} (${channel.readyState})`));
  }
}

function received(channel: RTCDataChannel): unknown[] {
  const got: unknown[] = [];
  channel.addEventListener('message', (e) => got.push((e as MessageEvent).data));
  return got;
}

describe('RTCDataChannel', () => {
  it('goes connecting → open → closing → closed, with open, then closing on the peer, then close', async () => {
    const p = peers();
    const local = p.a.createDataChannel('life', { protocol: 'p1' });
    const log: string[] = [];
    record(local, log, 'a');
    let remote: RTCDataChannel | undefined;
    p.b.ondatachannel = (e) => {
      remote = e.channel;
      // webrtc-pc §6.2: the announced channel is already open; its open event follows.
      log.push(`b datachannel (${remote.readyState})`);
      record(remote, log, 'b');
    };
    expect(local.readyState).toBe('connecting');
    expect(local.id).toBeNull(); // chosen by DTLS role later (RFC 8832 §6)
    expect(() => local.send('too early')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    await negotiate(p);
    await p.clock.runUntil(() => local.readyState === 'open', { timeoutMs: 10_000 });
    expect(log).toEqual(['b datachannel (open)', 'b open (open)', 'a open (open)']);
    expect(remote!.id).toBe(local.id);
    // b answered a=setup:active, so a is the DTLS server and picks odd ids (RFC 8832 §6).
    expect(local.id! % 2).toBe(1);
    expect(remote!.protocol).toBe('p1');
    expect([remote!.ordered, remote!.maxRetransmits, remote!.maxPacketLifeTime]).toEqual([
      true,
      null,
      null,
    ]);

    log.length = 0;
    local.close();
    // close() sets readyState to closing at once and fires no closing event on this side.
    expect(local.readyState).toBe('closing');
    expect(() => local.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    local.close(); // idempotent
    await p.clock.runUntil(() => local.readyState === 'closed' && remote!.readyState === 'closed', {
      timeoutMs: 5000,
    });
    expect(log.filter((l) => l.startsWith('b'))).toEqual([
      'b closing (closing)',
      'b close (closed)',
    ]);
    expect(log.filter((l) => l.startsWith('a'))).toEqual(['a close (closed)']);
    expect(() => local.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    expect(() => remote!.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    // The connection survives its channels.
    expect(p.a.connectionState).toBe('connected');
  });

  it('closes a channel that never reached the wire in a task: closing, then closed with its event', async () => {
    const p = peers();
    const channel = p.a.createDataChannel('never opened');
    const log: string[] = [];
    record(channel, log, 'a');
    channel.close();
    expect(channel.readyState).toBe('closing');
    expect(log).toEqual([]);
    await Promise.resolve();
    expect(log).toEqual(['a close (closed)']);
    expect(channel.readyState).toBe('closed');
  });

  it('sees a close started by the peer: closing, then close', async () => {
    const { clock, local, remote } = await openChannel();
    const log: string[] = [];
    record(local, log, 'a');
    record(remote, log, 'b');
    remote.close();
    expect(remote.readyState).toBe('closing');
    await clock.runUntil(() => local.readyState === 'closed' && remote.readyState === 'closed', {
      timeoutMs: 5000,
    });
    expect(log.filter((l) => l.startsWith('a'))).toEqual([
      'a closing (closing)',
      'a close (closed)',
    ]);
    expect(log.filter((l) => l.startsWith('b'))).toEqual(['b close (closed)']);
  });

  it('sends strings, ArrayBuffers, typed arrays and DataViews at their offsets, and Blobs', async () => {
    const { clock, local, remote } = await openChannel();
    const got = received(remote);
    const backing = new Uint8Array(64).map((_, i) => i);
    local.send('héllo ✓');
    local.send('');
    local.send(backing.buffer.slice(0, 4));
    local.send(backing.subarray(10, 13)); // byteOffset 10
    local.send(new DataView(backing.buffer, 20, 2));
    local.send(new Uint16Array(backing.buffer, 30, 2)); // 4 bytes from offset 30
    local.send(new Uint8Array(0));
    local.send(new Blob([Uint8Array.of(200, 201)]));
    await clock.runUntil(() => got.length === 8, { timeoutMs: 5000 });
    expect(got.slice(0, 2)).toEqual(['héllo ✓', '']);
    const bytes = got.slice(2).map((d) => {
      expect(d).toBeInstanceOf(ArrayBuffer);
      return [...new Uint8Array(d as ArrayBuffer)];
    });
    expect(bytes).toEqual([[0, 1, 2, 3], [10, 11, 12], [20, 21], [30, 31, 32, 33], [], [200, 201]]);
  });

  it("delivers binary as Blob with binaryType 'blob', ignores an invalid binaryType", async () => {
    const { clock, local, remote } = await openChannel();
    expect(remote.binaryType).toBe('arraybuffer');
    remote.binaryType = 'blob';
    remote.binaryType = 'nonsense' as 'blob';
    expect(remote.binaryType).toBe('blob');
    const got = received(remote);
    local.send(Uint8Array.of(1, 2, 3));
    local.send('text stays a string');
    await clock.runUntil(() => got.length === 2, { timeoutMs: 5000 });
    expect(got[0]).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (got[0] as Blob).arrayBuffer())]).toEqual([1, 2, 3]);
    expect(got[1]).toBe('text stays a string');
  });

  it('keeps the order of a Blob and the sends after it, and counts the Blob in bufferedAmount while it is read', async () => {
    const { clock, local, remote } = await openChannel();
    const got = received(remote);
    const first = new Blob([new Uint8Array(5000).fill(1)]);
    const reused = Uint8Array.of(7, 7, 7);
    local.send('before');
    const before = local.bufferedAmount;
    local.send(first);
    local.send('after the blob');
    local.send(reused);
    // Queued behind the Blob: the bytes were copied, so reusing the buffer changes nothing.
    reused.fill(9);
    local.send(new Blob(['second blob']));
    local.send('last');
    expect(local.bufferedAmount).toBe(before + 5000 + 14 + 3 + 11 + 4);
    await clock.runUntil(() => got.length === 6, { timeoutMs: 5000 });
    expect(
      got.map((d) => (typeof d === 'string' ? d : `${(d as ArrayBuffer).byteLength} bytes`)),
    ).toEqual(['before', '5000 bytes', 'after the blob', '3 bytes', '11 bytes', 'last']);
    expect([...new Uint8Array(got[3] as ArrayBuffer)]).toEqual([7, 7, 7]);
    expect(Buffer.from(got[4] as ArrayBuffer).toString()).toBe('second blob');
    await clock.runUntil(() => local.bufferedAmount === 0, { timeoutMs: 5000 });
    expect(local.bufferedAmount).toBe(0);
  });

  it('sends what was queued behind a Blob before a close() takes effect', async () => {
    const { clock, local, remote } = await openChannel();
    const got = received(remote);
    local.send(new Blob(['queued blob']));
    local.send('queued text');
    local.close();
    expect(local.readyState).toBe('closing');
    await clock.runUntil(() => remote.readyState === 'closed', { timeoutMs: 5000 });
    expect(
      got.map((d) => (typeof d === 'string' ? d : Buffer.from(d as ArrayBuffer).toString())),
    ).toEqual(['queued blob', 'queued text']);
  });

  it("throws TypeError above the peer's max-message-size, whatever the type", async () => {
    const { a, b, clock, local, remote } = await openChannel();
    const max = a.sctp!.maxMessageSize!;
    expect(max).toBe(262_144); // b's a=max-message-size
    expect(b.remoteDescription!.sdp).toMatch(/a=max-message-size:262144/);
    expect(() => local.send(new Uint8Array(max + 1))).toThrow(TypeError);
    expect(() => local.send('x'.repeat(max + 1))).toThrow(TypeError);
    expect(() => local.send('é'.repeat(max / 2 + 1))).toThrow(TypeError); // UTF-8 bytes count
    expect(() => local.send(new Blob([new Uint8Array(max + 1)]))).toThrow(TypeError);
    expect(local.bufferedAmount).toBe(0);
    const got = received(remote);
    local.send(new Uint8Array(max).fill(3)); // exactly the limit: delivered whole
    await clock.runUntil(() => got.length === 1, { timeoutMs: 10_000 });
    expect((got[0] as ArrayBuffer).byteLength).toBe(max);
  });

  it("enforces the peer's smaller max-message-size, not ours", async () => {
    const p = peers();
    const local = p.a.createDataChannel('small');
    let remote: RTCDataChannel | undefined;
    p.b.ondatachannel = (e) => {
      remote = e.channel;
    };
    await p.a.setLocalDescription();
    await p.b.setRemoteDescription(p.a.localDescription!);
    await p.b.setLocalDescription();
    // b says it reads at most 1000 bytes (RFC 8841 §6).
    const sdp = p.b.localDescription!.sdp.replace(
      /a=max-message-size:\d+/,
      'a=max-message-size:1000',
    );
    await p.a.setRemoteDescription({ type: 'answer', sdp });
    expect(p.a.sctp!.maxMessageSize).toBe(1000);
    expect(p.b.sctp!.maxMessageSize).toBe(262_144);
    await p.clock.runUntil(() => local.readyState === 'open' && remote !== undefined, {
      timeoutMs: 10_000,
    });
    expect(() => local.send(new Uint8Array(1001))).toThrow(TypeError);
    expect(() => local.send(new Blob([new Uint8Array(1001)]))).toThrow(TypeError);
    const got = received(remote!);
    local.send(new Uint8Array(1000));
    remote!.send(new Uint8Array(5000)); // a reads up to 262 144 bytes
    const back = received(local);
    await p.clock.runUntil(() => got.length === 1 && back.length === 1, { timeoutMs: 5000 });
    expect((back[0] as ArrayBuffer).byteLength).toBe(5000);
  });

  it('fires bufferedamountlow when bufferedAmount falls to the threshold, once per crossing', async () => {
    const { clock, local, remote } = await openChannel();
    let bytes = 0;
    remote.onmessage = (e: MessageEvent) => {
      bytes += (e.data as ArrayBuffer).byteLength;
    };
    local.bufferedAmountLowThreshold = 64 * 1024;
    expect(local.bufferedAmountLowThreshold).toBe(64 * 1024);
    const amounts: number[] = [];
    local.onbufferedamountlow = () => amounts.push(local.bufferedAmount);
    const chunk = new Uint8Array(16 * 1024);
    for (let i = 0; i < 32; i++) local.send(chunk);
    expect(local.bufferedAmount).toBeGreaterThan(64 * 1024);
    expect(local.bufferedAmount).toBeLessThanOrEqual(32 * 16 * 1024);
    await clock.runUntil(() => bytes === 32 * 16 * 1024 && local.bufferedAmount === 0, {
      timeoutMs: 10_000,
    });
    expect(amounts).toHaveLength(1);
    expect(amounts[0]).toBeLessThanOrEqual(64 * 1024);
    // Below the threshold already: no new crossing, no event.
    local.send(new Uint8Array(1000));
    await clock.runUntil(() => bytes === 32 * 16 * 1024 + 1000, { timeoutMs: 5000 });
    await clock.advance(500);
    expect(amounts).toHaveLength(1);
  });

  it('opens negotiated channels with the given id on both sides, without DCEP or datachannel event', async () => {
    const p = peers();
    let announced = 0;
    p.b.ondatachannel = () => announced++;
    const x = p.a.createDataChannel('neg', { negotiated: true, id: 7, ordered: false });
    const y = p.b.createDataChannel('neg', { negotiated: true, id: 7, ordered: false });
    expect([x.id, y.id, x.negotiated, x.ordered]).toEqual([7, 7, true, false]);
    expect(() => p.a.createDataChannel('dup', { negotiated: true, id: 7 })).toThrow(
      expect.objectContaining({ name: 'OperationError' }),
    );
    expect(() => p.a.createDataChannel('no id', { negotiated: true })).toThrow(TypeError);
    await negotiate(p);
    await p.clock.runUntil(() => x.readyState === 'open' && y.readyState === 'open', {
      timeoutMs: 10_000,
    });
    const gotX = received(x);
    const gotY = received(y);
    x.send('to y');
    y.send('to x');
    await p.clock.runUntil(() => gotX.length === 1 && gotY.length === 1, { timeoutMs: 5000 });
    expect([gotX[0], gotY[0], announced]).toEqual(['to x', 'to y', 0]);
  });

  it('reports a dead association with an error event (sctp-failure), then close', async () => {
    const { clock, hostB, local } = await openChannel();
    const log: string[] = [];
    record(local, log, 'a');
    local.addEventListener('error', (e) => {
      const { error } = e as Event & { error: DOMException & { errorDetail: string } };
      log.push(`a error ${error.name} ${error.errorDetail}`);
    });
    hostB.link.partition();
    local.send('lost in the partition'); // SCTP retransmits it until it gives up
    await clock.runUntil(() => local.readyState === 'closed', { timeoutMs: 600_000 });
    expect(local.readyState).toBe('closed');
    expect(log).toEqual([
      // The message left for the network (webrtc-pc: bufferedAmount counts what has not).
      'a bufferedamountlow (open)',
      // RFC 9260 §8.2: too many retransmissions end the association; webrtc-pc: the
      // channel is closed with an RTCError of errorDetail sctp-failure.
      'a error (closed)',
      'a error OperationError sctp-failure',
      'a close (closed)',
    ]);
    expect(() => local.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
  });

  it('is closed without any event when its peer connection closes', async () => {
    const { a, b, clock, local, remote } = await openChannel();
    const log: string[] = [];
    record(local, log, 'a');
    record(remote, log, 'b');
    local.onclose = () => log.push('a onclose');
    local.send(new Blob(['queued behind a Blob'])); // dropped with the connection
    a.close();
    await a.released;
    // webrtc-pc close(): every channel's [[ReadyState]] becomes closed, no event fires, and
    // the handlers the application set stay as they were.
    expect(local.readyState).toBe('closed');
    expect(local.onclose).toBeTypeOf('function');
    expect(() => local.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    // The peer learns of it (SCTP ABORT) and its channel closes with events.
    await clock.runUntil(() => remote.readyState === 'closed', { timeoutMs: 5000 });
    expect(log.filter((l) => l.startsWith('a'))).toEqual([]);
    expect(log.filter((l) => l.startsWith('b'))).toContain('b close (closed)');
    expect(b.connectionState).not.toBe('closed');
  });

  it('keeps going when a listener throws, and reports the error', async () => {
    const reported: string[] = [];
    setListenerErrorHandler((error, type) => reported.push(`${type}: ${(error as Error).message}`));
    try {
      const { clock, local, remote } = await openChannel();
      const got: unknown[] = [];
      remote.onmessage = () => {
        throw new Error('handler broke');
      };
      remote.addEventListener('message', () => {
        throw new Error('listener broke');
      });
      remote.addEventListener('message', (e) => got.push((e as MessageEvent).data));
      local.send('one');
      local.send('two');
      await clock.runUntil(() => got.length === 2, { timeoutMs: 5000 });
      expect(got).toEqual(['one', 'two']);
      expect(reported).toEqual([
        'message: handler broke',
        'message: listener broke',
        'message: handler broke',
        'message: listener broke',
      ]);
      // The stack is intact: the other direction and the close still work.
      const back = received(local);
      remote.send('still alive');
      await clock.runUntil(() => back.length === 1, { timeoutMs: 5000 });
      remote.close();
      await clock.runUntil(() => local.readyState === 'closed', { timeoutMs: 5000 });
    } finally {
      setListenerErrorHandler(() => {});
    }
  });
});
