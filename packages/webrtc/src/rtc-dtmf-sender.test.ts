/**
 * `RTCRtpSender.dtmf` as webrtc-pc §7 says, after the web-platform-tests
 * RTCDTMFSender-insertDTMF and RTCDTMFSender-ontonechange (defaults, clamping, errors, the
 * tone buffer, the playout task's timing, "," pauses), on our virtual peers and clock; then
 * the RFC 4733 telephone-event packets between two of our peers, decoded here.
 */
import { parseRtp, type RtpPacket } from '@x/rtp';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStream } from './media-stream.js';
import { MediaStreamTrack } from './media-stream-track.js';
import { RTCDTMFSender, RTCDTMFToneChangeEvent } from './rtc-dtmf-sender.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCTrackEvent } from './rtc-track-event.js';
import { sections, tasks } from './testing-media.js';
import { closeAll, negotiate, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
const extra: RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(peers?.a, peers?.b, ...extra.splice(0));
  peers = undefined;
});

/** Two connected peers, A sending an audio track to B; `munge` edits B's answer. */
async function connectedAudio(seed: number, munge?: (sdp: string) => string) {
  peers = virtualPeers({ seed });
  const { a, b, clock } = peers;
  const track = MediaStreamTrack.create('audio');
  const sender = a.addTrack(track, new MediaStream());
  const remote: RTCTrackEvent[] = [];
  b.ontrack = (e) => remote.push(e);
  await negotiate(a, b, munge);
  const up = await clock.runUntil(
    () => a.connectionState === 'connected' && b.connectionState === 'connected',
    { timeoutMs: 10_000 },
  );
  expect(up).toBe(true);
  return { a, b, clock, track, sender, dtmf: sender.dtmf!, remote };
}

/** The tonechange events: [tone, toneBuffer when fired, ms since `recording` began]. */
function record(
  dtmf: RTCDTMFSender,
  clock: VirtualPeers['clock'],
  signal?: AbortSignal,
): [string, string, number][] {
  const log: [string, string, number][] = [];
  const t0 = clock.now();
  dtmf.addEventListener(
    'tonechange',
    (e) => log.push([(e as RTCDTMFToneChangeEvent).tone, dtmf.toneBuffer, clock.now() - t0]),
    signal === undefined ? {} : { signal },
  );
  return log;
}

/** [tone, buffer, gap since the previous event] as the web-platform-tests write them. */
const steps = (log: [string, string, number][]) =>
  log.map(([tone, buffer, at], i) => [tone, buffer, at - (i === 0 ? 0 : log[i - 1]![2])]);

/** B's answer without the telephone-event payload types `pts` (as a peer that has none). */
const withoutEvents =
  (...pts: number[]) =>
  (sdp: string): string =>
    sdp
      .split('\r\n')
      .filter(
        (l) => !pts.some((pt) => l.startsWith(`a=rtpmap:${pt} `) || l.startsWith(`a=fmtp:${pt} `)),
      )
      .map((l) =>
        l.startsWith('m=audio')
          ? l
              .split(' ')
              .filter((f, i) => i < 3 || !pts.includes(Number(f)))
              .join(' ')
          : l,
      )
      .join('\r\n');

describe('RTCRtpSender.dtmf', () => {
  it('is an RTCDTMFSender for an audio sender (the same each time), null for video; not constructible', () => {
    const p = new RTCPeerConnection({ mdns: 'off' });
    extra.push(p);
    const audio = p.addTransceiver('audio').sender;
    const video = p.addTransceiver('video').sender;
    expect(audio.dtmf).toBeInstanceOf(RTCDTMFSender);
    expect(audio.dtmf).toBeInstanceOf(EventTarget);
    expect(audio.dtmf).toBe(audio.dtmf);
    expect(video.dtmf).toBeNull();
    // addTrack() of an audio track gives one too.
    expect(p.addTrack(MediaStreamTrack.create('audio')).dtmf).toBeInstanceOf(RTCDTMFSender);
    expect(() => new (RTCDTMFSender as unknown as new () => object)()).toThrow(TypeError);
    expect(audio.dtmf!.toneBuffer).toBe('');
    expect(audio.dtmf!.ontonechange).toBeNull();
  });

  it('RTCDTMFToneChangeEvent: tone defaults to "", a type is required', () => {
    expect(new RTCDTMFToneChangeEvent('tonechange').tone).toBe('');
    const e = new RTCDTMFToneChangeEvent('tonechange', { tone: '#' });
    expect([e.type, e.tone, e instanceof Event]).toEqual(['tonechange', '#', true]);
    expect(() => new (RTCDTMFToneChangeEvent as unknown as new () => Event)()).toThrow(TypeError);
  });
});

describe('RTCDTMFSender.canInsertDTMF and insertDTMF() errors', () => {
  it('cannot send before the connection is connected and the sender negotiated to send: InvalidStateError, even for ""', async () => {
    const p = new RTCPeerConnection({ mdns: 'off' });
    extra.push(p);
    const t = p.addTransceiver('audio');
    const dtmf = t.sender.dtmf!;
    expect(dtmf.canInsertDTMF).toBe(false);
    expect(() => dtmf.insertDTMF('')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    t.stop();
    expect(() => dtmf.insertDTMF('1')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    expect(dtmf.toneBuffer).toBe('');
  });

  it('can send once connected with telephone-event negotiated; valid tones in any case, others InvalidCharacterError', async () => {
    const { dtmf, sender } = await connectedAudio(1);
    expect(dtmf.canInsertDTMF).toBe(true);
    expect(sender.getParameters().codecs.map((c) => c.mimeType)).toContain('audio/telephone-event');
    for (const tones of ['', '012345689', 'ABCD', 'abcd', '#*', ',', '0123456789ABCDabcd#*,'])
      expect(() => dtmf.insertDTMF(tones)).not.toThrow();
    dtmf.insertDTMF('123');
    for (const bad of ['123FFABC', 'E', '# *', 'ß', '1\u0000']) {
      expect(() => dtmf.insertDTMF(bad)).toThrow(
        expect.objectContaining({ name: 'InvalidCharacterError' }),
      );
      // The buffer is set only once the tones are valid.
      expect(dtmf.toneBuffer).toBe('123');
    }
    expect(() => (dtmf.insertDTMF as () => void)()).toThrow(TypeError);
  });

  it('sets toneBuffer to the tones normalized, replacing the old ones', async () => {
    const { dtmf } = await connectedAudio(2);
    dtmf.insertDTMF('123');
    expect(dtmf.toneBuffer).toBe('123');
    dtmf.insertDTMF('ABC');
    expect(dtmf.toneBuffer).toBe('ABC');
    dtmf.insertDTMF('bcd');
    expect(dtmf.toneBuffer).toBe('BCD');
    dtmf.insertDTMF('a,#*');
    expect(dtmf.toneBuffer).toBe('A,#*');
  });

  it('is false without a track, with the encoding inactive, with the transceiver stopped or not sending, and once closed', async () => {
    const { a, b, dtmf, sender, track, clock } = await connectedAudio(3);
    expect(dtmf.canInsertDTMF).toBe(true);
    await sender.replaceTrack(null);
    expect(dtmf.canInsertDTMF).toBe(false);
    expect(() => dtmf.insertDTMF('1')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    await sender.replaceTrack(track);
    expect(dtmf.canInsertDTMF).toBe(true);
    const params = sender.getParameters();
    params.encodings[0]!.active = false;
    await sender.setParameters(params);
    expect(dtmf.canInsertDTMF).toBe(false);
    params.encodings[0]!.active = true;
    await sender.setParameters(sender.getParameters());
    const again = sender.getParameters();
    again.encodings[0]!.active = true;
    await sender.setParameters(again);
    expect(dtmf.canInsertDTMF).toBe(true);
    // Not sending after a renegotiation (B sends nothing back: inactive).
    const t = a.getTransceivers()[0]!;
    t.direction = 'recvonly';
    await negotiate(a, b);
    expect(t.currentDirection).toBe('inactive');
    expect(dtmf.canInsertDTMF).toBe(false);
    t.direction = 'sendrecv';
    await negotiate(a, b);
    expect([t.currentDirection, dtmf.canInsertDTMF]).toEqual(['sendonly', true]);
    await clock.advance(10);
    a.close();
    expect(dtmf.canInsertDTMF).toBe(false);
    expect(() => dtmf.insertDTMF('1')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
  });

  it('is false when the answer has no telephone-event, or none at the audio codec rate', async () => {
    const none = await connectedAudio(4, withoutEvents(110, 126));
    expect(sections(none.a.remoteDescription!.sdp)[0]!.formats).toEqual(['111', '63', '0', '8']);
    expect(none.dtmf.canInsertDTMF).toBe(false);
    expect(() => none.dtmf.insertDTMF('1')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    await closeAll(none.a, none.b);
    // Only telephone-event/8000 beside Opus/48000: its timestamps would not be the audio's.
    const rate = await connectedAudio(5, withoutEvents(110));
    expect(sections(rate.a.remoteDescription!.sdp)[0]!.formats).toEqual([
      '111',
      '63',
      '0',
      '8',
      '126',
    ]);
    expect(rate.dtmf.canInsertDTMF).toBe(false);
  });
});

describe('the DTMF playout task (tonechange) on the virtual clock', () => {
  it('fires one tonechange a tone, duration + interToneGap apart, then "" (defaults 100 and 70 ms)', async () => {
    const { dtmf, clock } = await connectedAudio(10);
    const log = record(dtmf, clock);
    const handled: string[] = [];
    dtmf.ontonechange = (e) => handled.push(e.tone);
    dtmf.insertDTMF('123');
    // Queued as a task: nothing before the clock runs.
    expect(log).toEqual([]);
    await clock.advance(1000);
    expect(steps(log)).toEqual([
      ['1', '23', 0],
      ['2', '3', 170],
      ['3', '', 170],
      ['', '', 170],
    ]);
    expect(handled).toEqual(['1', '2', '3', '']);
    // Nothing more once the buffer ran out.
    await clock.advance(1000);
    expect(log).toHaveLength(4);
  });

  it('clamps duration to 40..6000 and interToneGap to 30..6000 ms (unsigned long conversions first)', async () => {
    const { dtmf, clock } = await connectedAudio(11);
    const cases: [number, number, number][] = [
      [100, 70, 170],
      [10, 70, 110],
      [100, 10, 130],
      [9000, 70, 6070],
      [100, 9000, 6100],
      [-1, 70, 6070], // 2^32 - 1
      [Number.NaN, 70, 110], // 0
      [40.9, 30.2, 70],
    ];
    for (const [duration, gap, step] of cases) {
      const stop = new AbortController();
      const log = record(dtmf, clock, stop.signal);
      dtmf.insertDTMF('AB', duration, gap);
      await clock.advance(15_000);
      stop.abort();
      expect(steps(log), `${duration} ${gap}`).toEqual([
        ['A', 'B', 0],
        ['B', '', step],
        ['', '', step],
      ]);
    }
  });

  it('pauses 2000 ms for ","', async () => {
    const { dtmf, clock } = await connectedAudio(12);
    const log = record(dtmf, clock);
    dtmf.insertDTMF('A,B', 100, 70);
    await clock.advance(5000);
    expect(steps(log)).toEqual([
      ['A', ',B', 0],
      [',', 'B', 170],
      ['B', '', 2000],
      ['', '', 170],
    ]);
  });

  it('insertDTMF("") fires nothing; during playout it replaces what follows the tone playing', async () => {
    const { dtmf, clock } = await connectedAudio(13);
    const log = record(dtmf, clock);
    dtmf.insertDTMF('', 100, 70);
    await clock.advance(300);
    expect(log).toEqual([]);
    // Replaced after 'B' began: the playout goes on with the new tones (one task, not two).
    const later = record(dtmf, clock);
    dtmf.addEventListener('tonechange', (e) => {
      if ((e as RTCDTMFToneChangeEvent).tone === 'B') {
        dtmf.insertDTMF('12', 100, 70);
        dtmf.insertDTMF('34', 100, 70);
      }
    });
    dtmf.insertDTMF('ABC', 100, 70);
    await clock.advance(2000);
    expect(log).toHaveLength(later.length);
    expect(steps(later)).toEqual([
      ['A', 'BC', 0],
      ['B', 'C', 170],
      ['3', '4', 170],
      ['4', '', 170],
      ['', '', 170],
    ]);
  });

  it('insertDTMF("") during playout stops the tones after the one playing', async () => {
    const { dtmf, clock } = await connectedAudio(14);
    dtmf.addEventListener('tonechange', (e) => {
      if ((e as RTCDTMFToneChangeEvent).tone === 'B') dtmf.insertDTMF('');
    });
    const log = record(dtmf, clock);
    dtmf.insertDTMF('ABC', 100, 70);
    await clock.advance(2000);
    expect(steps(log)).toEqual([
      ['A', 'BC', 0],
      ['B', '', 170],
      ['', '', 170],
    ]);
  });

  it('stops without another event when the transceiver is stopped in the middle, and leaves no timer', async () => {
    const { a, dtmf, clock } = await connectedAudio(15);
    const log = record(dtmf, clock);
    dtmf.addEventListener('tonechange', (e) => {
      if ((e as RTCDTMFToneChangeEvent).tone === 'B') a.getTransceivers()[0]!.stop();
    });
    dtmf.insertDTMF('ABC', 100, 70);
    await clock.advance(2000);
    expect(steps(log)).toEqual([
      ['A', 'BC', 0],
      ['B', 'C', 170],
    ]);
    expect(dtmf.canInsertDTMF).toBe(false);
  });

  it('stops when currentDirection stops sending in the middle (recvonly here, inactive with B)', async () => {
    const { a, b, dtmf, clock } = await connectedAudio(16);
    const log = record(dtmf, clock);
    dtmf.insertDTMF('ABCD', 100, 70);
    await clock.advance(0);
    expect(log.map((e) => e[0])).toEqual(['A']);
    const t = a.getTransceivers()[0]!;
    t.direction = 'recvonly';
    await negotiate(a, b);
    expect(t.currentDirection).toBe('inactive');
    await clock.advance(1000);
    expect(log.map((e) => e[0])).toEqual(['A']);
    // The buffer is left as the aborted task found it.
    expect(dtmf.toneBuffer).toBe('BCD');
  });

  it('close() in the middle of a tone: no event, no timer left behind', async () => {
    const { a, b, dtmf, clock } = await connectedAudio(17);
    const log = record(dtmf, clock);
    dtmf.insertDTMF('1234', 3000, 3000);
    await clock.advance(60);
    expect(log.map((e) => e[0])).toEqual(['1']);
    await closeAll(a, b);
    await clock.advance(20_000);
    expect(log.map((e) => e[0])).toEqual(['1']);
    expect(clock.describeLeaks()).toEqual([]);
  });

  it('a listener that throws breaks neither the playout nor the other listeners', async () => {
    const { dtmf, clock } = await connectedAudio(18);
    dtmf.ontonechange = () => {
      throw new Error('listener bug');
    };
    const log = record(dtmf, clock);
    dtmf.insertDTMF('12', 40, 30);
    await clock.advance(500);
    expect(log.map((e) => e[0])).toEqual(['1', '2', '']);
    await tasks();
  });
});

/** RFC 4733 §2.3: event, E bit, volume, duration of a telephone-event payload. */
function decodeEvent(p: RtpPacket) {
  const b = p.payload;
  expect(b.length).toBe(4);
  return {
    event: b[0]!,
    end: (b[1]! & 0x80) !== 0,
    reserved: (b[1]! & 0x40) !== 0,
    volume: b[1]! & 0x3f,
    duration: (b[2]! << 8) | b[3]!,
  };
}

describe('RFC 4733 telephone events on the wire between two of our peers', () => {
  it("sends each tone as events on the audio SSRC, in its sequence numbers, at the audio stream's timestamp", async () => {
    const { a, b, clock, track, dtmf, remote } = await connectedAudio(30);
    const manager = (pc: unknown) =>
      (pc as { manager: { mediaReady: boolean } }).manager.mediaReady;
    expect(await clock.runUntil(() => manager(a) && manager(b), { timeoutMs: 5000 })).toBe(true);
    const remoteTrack = remote[0]!.track;
    const packets: Uint8Array[] = [];
    const frames: Uint8Array[] = [];
    void (async () => {
      for await (const p of remoteTrack.rtp()) packets.push(p);
    })();
    void (async () => {
      for await (const f of remoteTrack.frames()) frames.push(f.data);
    })();
    const localSdp = sections(a.localDescription!.sdp)[0]!;
    const ssrc = Number(localSdp.attributes.find((x) => x.name === 'ssrc')!.value!.split(' ')[0]);

    // 20 ms Opus frames for 800 ms; '1' then '#' (default 100 ms, gap 70) from t = 200 ms.
    const start = clock.now();
    const startTone: number[] = [];
    dtmf.addEventListener('tonechange', (e) => {
      if ((e as RTCDTMFToneChangeEvent).tone !== '') startTone.push(clock.now() - start);
    });
    let written = 0;
    for (let i = 0; i < 40; i++) {
      await clock.advanceTo(start + i * 20);
      if (track.writeFrame(Uint8Array.of(0xf8, i), { timestamp: i * 20_000, keyframe: true }))
        written++;
      if (i === 10) dtmf.insertDTMF('1#');
    }
    await clock.advance(100);
    await tasks();
    expect(written).toBe(40);
    expect(startTone).toEqual([200, 370]);

    const all = packets.map((bytes) => {
      const p = parseRtp(bytes);
      if (typeof p === 'string') throw new Error(p);
      return p;
    });
    // One SSRC, one sequence: audio and events numbered together, nothing missing or repeated.
    expect(new Set(all.map((p) => p.ssrc))).toEqual(new Set([ssrc]));
    const seq0 = all[0]!.sequenceNumber;
    expect(all.map((p) => (p.sequenceNumber - seq0) & 0xffff)).toEqual(all.map((_, i) => i));
    const audio = all.filter((p) => p.payloadType === 111);
    const events = all.filter((p) => p.payloadType === 110);
    expect(audio).toHaveLength(40);
    // Per 100 ms tone: an update at +50 ms, the end at +100 ms three times.
    expect(events).toHaveLength(2 * 4);
    const ts0 = audio[0]!.timestamp;
    const tones = [events.slice(0, 4), events.slice(4)];
    for (const [i, tone] of tones.entries()) {
      const decoded = tone.map(decodeEvent);
      expect(decoded.map((d) => d.event)).toEqual(Array(4).fill([1, 11][i]));
      // The marker on the first packet of the event only (RFC 4733 §2.5.1.3).
      expect(tone.map((p) => p.marker)).toEqual([true, false, false, false]);
      // One timestamp for the event: the audio stream's at the tone's start (48 kHz).
      expect(new Set(tone.map((p) => p.timestamp)).size).toBe(1);
      expect((tone[0]!.timestamp - ts0) >>> 0).toBe(startTone[i]! * 48);
      // Duration growing every 50 ms, the E bit on the final packet, sent three times.
      expect(decoded.map((d) => [d.end, d.duration])).toEqual([
        [false, 50 * 48],
        [true, 100 * 48],
        [true, 100 * 48],
        [true, 100 * 48],
      ]);
      expect(decoded.every((d) => d.volume === 10 && !d.reserved)).toBe(true);
    }
    // The events sit in the audio where they were played: after the frame of their start
    // time, before the frame 50 ms later.
    const before = (p: RtpPacket) => all.indexOf(p);
    expect(before(tones[0]![0]!)).toBeGreaterThan(before(audio[12]!));
    expect(before(tones[0]![0]!)).toBeLessThan(before(audio[13]!));
    // The audio frames reach B's track, none of the events among them.
    expect(frames.map((f) => [f.length, f[1]])).toEqual(audio.map((_, i) => [2, i]));
    // A counts the event packets among those it sent.
    const outbound = [...(await a.getSenders()[0]!.getStats()).values()].find(
      (s) => s.type === 'outbound-rtp',
    )!;
    expect(outbound.packetsSent).toBe(48);
    // B counts them received, not lost (its RTCP reports say so to A), and no frame of them.
    const inbound = [...(await b.getReceivers()[0]!.getStats()).values()].find(
      (s) => s.type === 'inbound-rtp',
    )!;
    expect([inbound.packetsReceived, inbound.packetsLost, inbound.framesReceived]).toEqual([
      48, 0, 40,
    ]);
  });

  it("uses telephone-event/8000 beside G.711 (the events take the audio codec's clock)", async () => {
    // B answers PCMU and telephone-event/8000 only.
    const keep = (sdp: string): string =>
      sdp
        .split('\r\n')
        .filter((l) => !/^a=(rtpmap|fmtp|rtcp-fb):(111|63|8|110) /.test(l))
        .map((l) => (l.startsWith('m=audio') ? l.replace(/ 111 63 0 8 110 126$/, ' 0 126') : l))
        .join('\r\n');
    const w = await connectedAudio(31, keep);
    expect(sections(w.a.remoteDescription!.sdp)[0]!.formats).toEqual(['0', '126']);
    const packets = await capture(w);
    const start = w.clock.now();
    w.track.writeFrame(new Uint8Array(160).fill(0xff), { timestamp: 0, keyframe: true });
    // A 175 ms '*' (40 ms gap): updates at +50, +100, +150 ms, the end at +175 ms.
    w.dtmf.insertDTMF('*', 175, 40);
    await w.clock.advanceTo(start + 400);
    await tasks();
    const events = packets.filter((p) => p.payloadType === 126);
    expect(packets.filter((p) => p.payloadType === 0)).toHaveLength(1);
    expect(events.map((p) => decodeEvent(p)).map((d) => [d.event, d.end, d.duration])).toEqual([
      [10, false, 400],
      [10, false, 800],
      [10, false, 1200],
      [10, true, 1400],
      [10, true, 1400],
      [10, true, 1400],
    ]);
    // Inserted right after the frame: the event starts at its timestamp.
    expect(events.every((p) => p.timestamp === packets[0]!.timestamp)).toBe(true);
  });

  it('cuts a 6 s tone at 48 kHz into segments of 0xFFFF samples (RFC 4733 §2.5.2.3)', async () => {
    const w = await connectedAudio(32);
    const packets = await capture(w);
    const start = w.clock.now();
    w.track.writeFrame(Uint8Array.of(0xf8), { timestamp: 0, keyframe: true });
    w.dtmf.insertDTMF('5', 6000, 30);
    await w.clock.advanceTo(start + 6200);
    await tasks();
    const events = packets.filter((p) => p.payloadType === 110);
    const t0 = events[0]!.timestamp;
    const bySegment = new Map<number, ReturnType<typeof decodeEvent>[]>();
    for (const p of events) {
      const k = (p.timestamp - t0) >>> 0;
      bySegment.set(k, [...(bySegment.get(k) ?? []), decodeEvent(p)]);
    }
    // 6000 ms × 48 = 288 000 samples: four full segments and 25 860 samples.
    expect([...bySegment.keys()]).toEqual([0, 65_535, 131_070, 196_605, 262_140]);
    const segments = [...bySegment.values()];
    for (const seg of segments.slice(0, 4))
      expect(seg.slice(-3).map((d) => [d.end, d.duration])).toEqual(Array(3).fill([false, 0xffff]));
    expect(segments[4]!.slice(-3).map((d) => [d.end, d.duration])).toEqual(
      Array(3).fill([true, 25_860]),
    );
    for (const seg of segments) {
      const durations = seg.map((d) => d.duration);
      expect(durations).toEqual([...durations].sort((x, y) => x - y));
    }
    // 119 updates, the end three times, each full segment's last packet three times more.
    expect(events).toHaveLength(119 + 3 + 4 * 3);
    expect(events.filter((p) => p.marker)).toEqual([events[0]]);
    expect(events.filter((p) => decodeEvent(p).end)).toHaveLength(3);
  });
});

/** Waits for SRTP on both sides, then collects B's raw RTP of A's audio, parsed. */
async function capture(w: Awaited<ReturnType<typeof connectedAudio>>): Promise<RtpPacket[]> {
  const manager = (pc: unknown) => (pc as { manager: { mediaReady: boolean } }).manager.mediaReady;
  const ready = await w.clock.runUntil(() => manager(w.a) && manager(w.b), { timeoutMs: 5000 });
  expect(ready).toBe(true);
  const packets: RtpPacket[] = [];
  void (async () => {
    for await (const bytes of w.remote[0]!.track.rtp()) {
      const p = parseRtp(bytes);
      if (typeof p === 'string') throw new Error(p);
      packets.push(p);
    }
  })();
  return packets;
}
