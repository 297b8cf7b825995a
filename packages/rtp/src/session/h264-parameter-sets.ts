/**
 * The receive side of H.264 parameter sets (RFC 6184 §8.4, H.264 §7.4.1.2): an IDR access
 * unit whose packet of SPS and PPS was lost still decodes with the last ones received, as
 * libwebrtc's `H264SpsPpsTracker` makes it.
 */

import { splitAnnexB } from '../codecs/h264-payloader.js';

const START_CODE = Uint8Array.of(0, 0, 0, 1);
const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;

/**
 * The last SPS and PPS seen in the access units of one stream, put back in front of an IDR
 * access unit that arrives without them (the jitter buffer releases such a frame when the
 * STAP-A carrying them was lost, as libwebrtc's packet buffer does). One SPS and one PPS are
 * kept, the last of each, as WebRTC encoders send (the payloader's `insertParameterSets` does
 * the same on the sending side).
 */
export class H264ParameterSets {
  private sps: Uint8Array | undefined;
  private pps: Uint8Array | undefined;

  /**
   * `frame` (an Annex B access unit, as the H.264 depacketizer makes it) led by an SPS and a
   * PPS, its own or the cached ones, when it has an IDR slice and lacks one of them (and both
   * are known); else `frame` itself. An access unit that carries parameter sets updates the
   * cache.
   */
  complete(frame: Uint8Array): Uint8Array {
    let nals: Uint8Array[];
    try {
      nals = splitAnnexB(frame);
    } catch {
      return frame;
    }
    let idr = false;
    let sps: Uint8Array | undefined;
    let pps: Uint8Array | undefined;
    for (const nal of nals) {
      const type = nal[0]! & 0x1f;
      if (type === NAL_SPS) sps = nal;
      else if (type === NAL_PPS) pps = nal;
      else if (type === NAL_IDR) idr = true;
    }
    if (sps !== undefined) this.sps = Uint8Array.prototype.slice.call(sps);
    if (pps !== undefined) this.pps = Uint8Array.prototype.slice.call(pps);
    if (!idr || (sps !== undefined && pps !== undefined)) return frame;
    if ((sps ?? this.sps) === undefined || (pps ?? this.pps) === undefined) return frame;
    // SPS, then PPS (a PPS is parsed against its SPS), then the rest of the access unit.
    const parts: Uint8Array[] = [START_CODE, sps ?? this.sps!, START_CODE, pps ?? this.pps!];
    for (const nal of nals) {
      const type = nal[0]! & 0x1f;
      if (type !== NAL_SPS && type !== NAL_PPS) parts.push(START_CODE, nal);
    }
    return Buffer.concat(parts);
  }
}
