// The media path alone: two routers keyed with the same SRTP master keys, each "sending on
// the pair" into the other. Bad input, bounds, routing by MID, SSRC and payload type, RTCP
// routing, and what close does.
import {
  midExtension,
  type RtcpPacket,
  type RtpPacket,
  serializeRtcp,
  serializeRtp,
  ridExtension,
} from '@x/rtp';
import { SrtpProfile, SrtpSession } from '@x/srtp';
import { describe, expect, it } from 'vitest';
import { MediaRouter } from './media-router.js';
import type { IncomingStream, MediaGenerator, MediaOptions } from './media-types.js';

const key = (byte: number) => ({
  masterKey: Buffer.alloc(16, byte),
  masterSalt: Buffer.alloc(12, byte + 1),
});
const A = key(1);
const B = key(7);

interface End {
  readonly router: MediaRouter;
  readonly streams: IncomingStream[];
  readonly got: Map<number, RtpPacket[]>;
  readonly rtcp: RtcpPacket[];
  readonly errors: unknown[];
  /** Datagrams this end put on the wire. */
  readonly wire: Buffer[];
}

/** Two keyed routers; what one sends reaches the other at once (unless `wire` is inspected). */
function pair(
  options: { generator?: MediaGenerator; media?: MediaOptions; deliver?: boolean } = {},
): [End, End] {
  const ends: End[] = [];
  const make = (local: typeof A, remote: typeof A, index: number): End => {
    const streams: IncomingStream[] = [];
    const got = new Map<number, RtpPacket[]>();
    const rtcp: RtcpPacket[] = [];
    const errors: unknown[] = [];
    const wire: Buffer[] = [];
    const generator: MediaGenerator =
      options.generator ??
      ((stream) => {
        streams.push(stream);
        got.set(stream.ssrc, []);
        return { onRtp: (p) => got.get(p.ssrc)!.push(p), onRtcp: (p) => rtcp.push(p) };
      });
    const router = new MediaRouter(
      {
        sendOnPair: (datagram) => {
          wire.push(Buffer.from(datagram));
          if (options.deliver !== false) ends[1 - index]!.router.receive(datagram);
          return true;
        },
        handlerThrew: (e) => errors.push(e),
      },
      generator,
      options.media,
    );
    router.start(
      new SrtpSession({ profile: SrtpProfile.AeadAes128Gcm, local, remote }),
      SrtpProfile.AeadAes128Gcm,
    );
    return { router, streams, got, rtcp, errors, wire };
  };
  ends.push(make(A, B, 0), make(B, A, 1));
  return [ends[0]!, ends[1]!];
}

const rtp = (ssrc: number, seq: number, extra: Partial<Parameters<typeof serializeRtp>[0]> = {}) =>
  serializeRtp({
    payloadType: 111,
    sequenceNumber: seq,
    timestamp: seq * 960,
    ssrc,
    payload: Buffer.from(`frame ${seq}`),
    ...extra,
  });

describe('MediaRouter', () => {
  it('calls the generator once per new SSRC with the MID and RID of its header extensions', () => {
    const [a, b] = pair();
    b.router.setRoutes({ extensionIds: { mid: 4, rid: 10 } });
    for (let seq = 1; seq <= 3; seq++)
      expect(
        a.router.sendRtp(
          rtp(1111, seq, { extensions: [midExtension(4, '1'), ridExtension(10, 'h')] }),
        ),
      ).toBe(true);
    expect(b.streams).toEqual([
      { ssrc: 1111, payloadType: 111, mid: '1', rid: 'h', repairedRid: undefined, signaled: false },
    ]);
    expect(b.got.get(1111)!.map((p) => Buffer.from(p.payload).toString())).toEqual([
      'frame 1',
      'frame 2',
      'frame 3',
    ]);
    expect(b.router.stats).toMatchObject({
      rtpReceived: 3,
      streams: 1,
      srtpProfile: 'AeadAes128Gcm',
    });
    expect(a.router.stats.rtpSent).toBe(3);
  });

  it('finds the section of a signaled SSRC, then of a payload type unique to a section', () => {
    const [a, b] = pair();
    b.router.setRoutes({
      ssrcs: new Map([[2222, 'audio']]),
      payloadTypes: new Map([[96, 'video']]),
    });
    a.router.sendRtp(rtp(2222, 1));
    a.router.sendRtp(rtp(3333, 1, { payloadType: 96 }));
    a.router.sendRtp(rtp(4444, 1, { payloadType: 100 }));
    expect(b.streams.map((s) => [s.ssrc, s.mid, s.signaled])).toEqual([
      [2222, 'audio', true],
      [3333, 'video', false],
      [4444, undefined, false],
    ]);
  });

  it('drops a stream the generator declines, asking once, and counts every packet', () => {
    let asked = 0;
    const [a, b] = pair({
      generator: () => {
        asked++;
        return undefined;
      },
    });
    for (let seq = 1; seq <= 5; seq++) a.router.sendRtp(rtp(5555, seq));
    expect(asked).toBe(1);
    expect(b.router.stats).toMatchObject({ streams: 0, rtpReceived: 5, dropped: { unwanted: 5 } });
  });

  it('keeps at most maxUnsignaledStreams unsignaled streams under a flood of random SSRCs', () => {
    const [a, b] = pair({ media: { maxUnsignaledStreams: 8 } });
    b.router.setRoutes({ ssrcs: new Map([[42, '0']]) });
    for (let i = 0; i < 1000; i++) a.router.sendRtp(rtp(100_000 + i, 1));
    a.router.sendRtp(rtp(42, 1)); // a signaled stream does not count against the bound
    expect(b.streams.length).toBe(9);
    expect(b.router.stats).toMatchObject({ streams: 9, dropped: { tooManyStreams: 992 } });
    // A stream that is removed frees its place.
    b.router.removeStream(100_000);
    a.router.sendRtp(rtp(900_000, 1));
    expect(b.streams.at(-1)?.ssrc).toBe(900_000);
  });

  it('drops what does not authenticate, is replayed or truncated, counted, with nothing changed', () => {
    const [a, b] = pair({ deliver: false });
    a.router.sendRtp(rtp(6666, 1));
    const good = a.wire[0]!;
    // Every byte flipped in turn: refused by SRTP, no stream created.
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i]! ^= 0x01;
      if (bad[0]! < 128 || bad[0]! > 191) continue; // no longer SRTP by RFC 7983: not ours to see
      b.router.receive(bad);
    }
    expect(b.streams).toEqual([]);
    expect(b.router.stats.dropped.srtp).toBeGreaterThan(good.length - 10);
    b.router.receive(good);
    b.router.receive(good); // replay
    b.router.receive(good.subarray(0, 20)); // truncated
    b.router.receive(Buffer.from([0x80])); // one byte
    expect(b.streams.length).toBe(1);
    expect(b.got.get(6666)).toHaveLength(1);
    expect(b.router.stats.dropped.srtp).toBeGreaterThan(good.length - 7);
    expect(b.errors).toEqual([]);
  });

  it('routes RTCP: an SR and a BYE to the stream they are about, a PLI and a NACK to our sender, an unknown SSRC counted', () => {
    const [a, b] = pair();
    a.router.sendRtp(rtp(7777, 1));
    const feedback: RtcpPacket[] = [];
    a.router.addSendStream(7777, (p) => feedback.push(p));
    const sr: RtcpPacket = {
      kind: 'sr',
      ssrc: 7777,
      ntpSeconds: 1,
      ntpFraction: 2,
      rtpTimestamp: 3,
      packetCount: 1,
      octetCount: 7,
      reports: [],
    };
    a.router.sendRtcp(
      serializeRtcp([
        sr,
        { kind: 'sdes', chunks: [{ ssrc: 7777, items: [{ type: 1, text: 'cname' }] }] },
      ]),
    );
    b.router.sendRtcp(serializeRtcp([{ kind: 'pli', senderSsrc: 1, mediaSsrc: 7777 }]));
    b.router.sendRtcp(
      serializeRtcp([
        { kind: 'nack', senderSsrc: 1, mediaSsrc: 7777, items: [{ pid: 5, blp: 0 }] },
      ]),
    );
    b.router.sendRtcp(serializeRtcp([{ kind: 'pli', senderSsrc: 1, mediaSsrc: 31337 }]));
    a.router.sendRtcp(serializeRtcp([{ kind: 'bye', ssrcs: [99] }]));
    a.router.sendRtcp(serializeRtcp([{ kind: 'bye', ssrcs: [7777] }]));
    expect(b.rtcp.map((p) => p.kind)).toEqual(['sr', 'sdes', 'bye']);
    expect(feedback.map((p) => p.kind)).toEqual(['pli', 'nack']);
    expect(a.router.stats.dropped.unknownSsrc).toBe(1); // the PLI about 31337
    expect(b.router.stats.dropped.unknownSsrc).toBe(1); // the BYE of 99: no state change
    expect(b.streams.map((s) => s.ssrc)).toEqual([7777]);
  });

  it('keeps nothing when the generator closes the router from inside', () => {
    let router: MediaRouter | undefined;
    const [a, b] = pair({
      generator: () => {
        router?.close();
        return { onRtp: () => {} };
      },
    });
    router = b.router;
    a.router.sendRtp(rtp(4242, 1));
    a.router.sendRtp(rtp(4242, 2));
    expect(b.router.stats).toMatchObject({ streams: 0, rtpReceived: 1, dropped: { unkeyed: 1 } });
  });

  it('reports a throwing sink and carries on', () => {
    const boom = new Error('sink threw');
    const [a, b] = pair({
      generator: () => ({
        onRtp: () => {
          throw boom;
        },
      }),
    });
    a.router.sendRtp(rtp(8888, 1));
    a.router.sendRtp(rtp(8888, 2));
    expect(b.errors).toEqual([boom, boom]);
    expect(b.router.stats.rtpReceived).toBe(2);
  });

  it('sends nothing before it is keyed or after close, and counts what arrives then', () => {
    const host = { sendOnPair: () => true, handlerThrew: () => {} };
    const router = new MediaRouter(host, undefined);
    expect(router.keyed).toBe(false);
    expect(router.sendRtp(rtp(1, 1))).toBe(false);
    router.receive(rtp(1, 1));
    expect(router.stats.dropped.unkeyed).toBe(1);
    const [a, b] = pair();
    a.router.sendRtp(rtp(9999, 1));
    b.router.close();
    a.router.sendRtp(rtp(9999, 2));
    expect(b.router.stats).toMatchObject({ streams: 0, dropped: { unkeyed: 1 } });
    expect(b.router.sendRtp(rtp(1, 1))).toBe(false);
    expect(b.router.sendRtcp(serializeRtcp([{ kind: 'bye', ssrcs: [1] }]))).toBe(false);
  });
});
