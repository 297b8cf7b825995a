import { describe, expect, it } from 'vitest';
import { ReceiveLayers } from './receive-layers.js';
import { VIDEO_CODECS } from './sdp/jsep-media.js';

/** A VP8 RTP packet view: descriptor S=1 PID 0 on a frame start, P=0 in the payload header for a keyframe. */
function packet(start: boolean, key: boolean, marker: boolean, tag: number) {
  const payload = Uint8Array.of(start ? 0x10 : 0x00, key ? 0x00 : 0x01, 0, 0, tag);
  const bytes = Uint8Array.of(0x80, marker ? 0xe0 : 0x60, 0, tag);
  return { payloadType: 96, payload, marker, bytes };
}

describe('ReceiveLayers', () => {
  it('switches rtp() at the new layer’s keyframe, holding it while the old layer ends its frame', async () => {
    const layers = new ReceiveLayers();
    layers.negotiate(['h', 'l']);
    const out: number[] = [];
    const deliver = (b: Uint8Array) => out.push(b[3]!);
    // The first keyframe (of l) picks the layer; h's inter frames are not given out.
    layers.routeRtp('h', packet(true, false, true, 1), VIDEO_CODECS, deliver);
    layers.routeRtp('l', packet(true, true, true, 2), VIDEO_CODECS, deliver);
    layers.routeRtp('h', packet(true, true, true, 3), VIDEO_CODECS, deliver);
    expect(layers.current).toBe('l');
    expect(layers.acceptFrame('l', { timestamp: 700, keyframe: true }, 90_000, 0)).toBe(700);
    const switched = layers.select('h', undefined);
    // l is in the middle of a frame when h's keyframe begins: h waits for l's last packet.
    layers.routeRtp('l', packet(true, false, false, 4), VIDEO_CODECS, deliver);
    layers.routeRtp('h', packet(true, true, false, 5), VIDEO_CODECS, deliver);
    layers.routeRtp('h', packet(false, false, true, 6), VIDEO_CODECS, deliver);
    expect(layers.current).toBe('l');
    layers.routeRtp('l', packet(false, false, true, 7), VIDEO_CODECS, deliver);
    expect(layers.current).toBe('h');
    layers.routeRtp('l', packet(true, false, true, 8), VIDEO_CODECS, deliver);
    layers.routeRtp('h', packet(true, false, true, 9), VIDEO_CODECS, deliver);
    expect(out).toEqual([2, 4, 7, 5, 6, 9]);
    // frames() follows at the keyframe the jitter buffer releases; then the switch is done.
    expect(layers.acceptFrame('l', { timestamp: 1000, keyframe: false }, 90_000, 0)).toBe(1000);
    expect(layers.switching).toBe('h');
    expect(
      layers.acceptFrame('h', { timestamp: 5000, keyframe: false }, 90_000, 10),
    ).toBeUndefined();
    // The new layer's keyframe lands 33 ms after the last frame on the track's timeline.
    expect(layers.acceptFrame('h', { timestamp: 5000, keyframe: true }, 90_000, 33)).toBe(
      1000 + 33 * 90,
    );
    await switched;
    expect(
      layers.acceptFrame('l', { timestamp: 4000, keyframe: true }, 90_000, 40),
    ).toBeUndefined();
    expect(layers.acceptFrame('h', { timestamp: 8000, keyframe: false }, 90_000, 66)).toBe(
      1000 + 33 * 90 + 3000,
    );
  });

  it('without simulcast, gives out everything unchanged', () => {
    const layers = new ReceiveLayers();
    layers.negotiate([]);
    const out: number[] = [];
    layers.routeRtp(undefined, packet(false, false, true, 1), VIDEO_CODECS, (b) => out.push(b[3]!));
    expect(out).toEqual([1]);
    expect(layers.acceptFrame(undefined, { timestamp: 7, keyframe: false }, 90_000, 0)).toBe(7);
    expect(layers.current).toBeNull();
  });
});
