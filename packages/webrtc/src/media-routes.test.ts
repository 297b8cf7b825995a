import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { mediaRoutes } from './media-routes.js';
import { readDescription } from './remote-description.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./sdp/fixtures/${name}.sdp`, import.meta.url), 'utf8');

it('reads the MID/RID extension ids, the signaled SSRCs per mid and the payload types of one mid (RFC 8843 §9.2)', () => {
  const routes = mediaRoutes(readDescription(fixture('chromium-track-offer'), 'offer'));
  expect(routes.extensionIds).toEqual({ mid: 4, rid: 10, repairedRid: 11 });
  const bySection = new Map<string, number>();
  for (const mid of routes.ssrcs!.values()) bySection.set(mid, (bySection.get(mid) ?? 0) + 1);
  expect(Object.fromEntries(bySection)).toEqual({ '0': 1, '1': 2 }); // video: media and RTX
  expect(routes.payloadTypes!.get(111)).toBe('0');
  expect(routes.payloadTypes!.get(96)).toBe('1');
});

it('leaves out a payload type two sections share, and rejected sections', () => {
  const sdp = fixture('werift-av-offer');
  const info = readDescription(sdp, 'offer');
  const shared = info.rtp.flatMap((r) => r.media.codecs.map((c) => c.payloadType));
  const routes = mediaRoutes(info);
  for (const pt of shared.filter((p, i) => shared.indexOf(p) !== i))
    expect(routes.payloadTypes!.has(pt)).toBe(false);
  const rejected = sdp.replace(/m=video 9 /, 'm=video 0 ');
  const none = mediaRoutes(
    readDescription(rejected.replace(/a=group:BUNDLE 0 1 2/, 'a=group:BUNDLE 0 2'), 'offer'),
  );
  expect([...none.payloadTypes!.values()]).not.toContain('1');
});
