/**
 * Test helpers for the RTP objects: the m-lines of a description, queued tasks, and RTP
 * packets made by hand.
 */
import type { Net, UdpSocket } from '@x/transport';
import { parseSdp } from './sdp/parse.js';
import type { SdpMediaSection } from './sdp/model.js';

/** The media sections of a description's text. */
export function sections(sdp: string): readonly SdpMediaSection[] {
  return parseSdp(sdp).media;
}

/**
 * `net` whose UDP sockets show each datagram they send to `onSend` first, which may drop it
 * (return false): what a test sees of a peer's wire.
 */
export function tapNet(
  net: Net,
  onSend: (data: Uint8Array, port: number, address: string) => boolean,
): Net {
  return {
    interfaces: () => net.interfaces(),
    connectTcp: (o, h) => net.connectTcp(o, h),
    listenTcp: (o) => net.listenTcp(o),
    bindUdp: async (bind) => {
      const socket = await net.bindUdp(bind);
      const tapped: UdpSocket = {
        get localAddress() {
          return socket.localAddress;
        },
        get closed() {
          return socket.closed;
        },
        get stats() {
          return socket.stats;
        },
        send: (data, port, address) => {
          if (onSend(data, port, address)) socket.send(data, port, address);
        },
        addMembership: (g, i) => socket.addMembership(g, i),
        dropMembership: (g, i) => socket.dropMembership(g, i),
        close: () => socket.close(),
      };
      return tapped;
    },
  };
}

/** RFC 7983 §7 and RFC 5761 §4: an RTP (not RTCP) datagram. */
export const isRtp = (d: Uint8Array): boolean =>
  d[0] !== undefined && d[0] >= 128 && d[0] <= 191 && !(d[1]! >= 192 && d[1]! <= 223);

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
