/**
 * Test helpers for the RTP objects: the m-lines of a description, queued tasks, and RTP
 * packets made by hand.
 */
import { parseSdp } from './sdp/parse.js';
import type { SdpMediaSection } from './sdp/model.js';

/** The media sections of a description's text. */
export function sections(sdp: string): readonly SdpMediaSection[] {
  return parseSdp(sdp).media;
}

/** Lets queued tasks run (events the spec fires from a task). */
export async function tasks(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/**
 * An RTP packet (RFC 3550 §5.1) with RFC 8285 one-byte header extensions: the MID (id
 * `midId`, default 4) when `mid` is given, the RtpStreamId (id `ridId`, default 10) when
 * `rid` is given.
 */
export function rtpPacket(p: {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
  mid?: string;
  midId?: number;
  rid?: string;
  ridId?: number;
}): Buffer {
  const elements: Buffer[] = [];
  const element = (id: number, text: string): void => {
    const value = Buffer.from(text);
    elements.push(Buffer.concat([Buffer.from([(id << 4) | (value.length - 1)]), value]));
  };
  if (p.mid !== undefined) element(p.midId ?? 4, p.mid);
  if (p.rid !== undefined) element(p.ridId ?? 10, p.rid);
  let extension = Buffer.alloc(0);
  if (elements.length > 0) {
    const body = Buffer.concat(elements);
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const header = Buffer.alloc(4);
    header.writeUInt16BE(0xbede, 0);
    header.writeUInt16BE(padded.length / 4, 2);
    extension = Buffer.concat([header, padded]);
  }
  const fixed = Buffer.alloc(12);
  fixed[0] = 0x80 | (extension.length > 0 ? 0x10 : 0);
  fixed[1] = p.payloadType & 0x7f;
  fixed.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  fixed.writeUInt32BE(p.timestamp >>> 0, 4);
  fixed.writeUInt32BE(p.ssrc >>> 0, 8);
  return Buffer.concat([fixed, extension, p.payload]);
}
