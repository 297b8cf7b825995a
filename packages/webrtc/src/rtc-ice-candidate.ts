/**
 * W3C `RTCIceCandidate` (webrtc-pc §4.8.1), with the fields parsed from its `candidate`.
 */
import { parseCandidateAttribute } from '@x/network';

/** W3C `RTCIceCandidateInit`. */
export interface RTCIceCandidateInit {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** W3C `RTCIceCandidate`. An empty `candidate` is the end-of-candidates indication. */
export class RTCIceCandidate {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment: string | null;
  readonly foundation: string | null = null;
  readonly component: 'rtp' | 'rtcp' | null = null;
  readonly priority: number | null = null;
  readonly address: string | null = null;
  readonly protocol: 'udp' | 'tcp' | null = null;
  readonly port: number | null = null;
  readonly type: 'host' | 'srflx' | 'prflx' | 'relay' | null = null;
  readonly tcpType: 'active' | 'passive' | 'so' | null = null;
  readonly relatedAddress: string | null = null;
  readonly relatedPort: number | null = null;

  /**
   * Throws `TypeError` when both `sdpMid` and `sdpMLineIndex` are null (webrtc-pc §4.8.1.1) or
   * the candidate attribute is malformed.
   */
  constructor(init: RTCIceCandidateInit = {}) {
    const sdpMid = init.sdpMid ?? null;
    const sdpMLineIndex = init.sdpMLineIndex ?? null;
    if (sdpMid === null && sdpMLineIndex === null) {
      throw new TypeError('RTCIceCandidate needs sdpMid or sdpMLineIndex');
    }
    this.candidate = init.candidate ?? '';
    this.sdpMid = sdpMid;
    this.sdpMLineIndex = sdpMLineIndex;
    let ufrag = init.usernameFragment ?? null;
    if (this.candidate !== '') {
      let parsed: ReturnType<typeof parseCandidateAttribute>;
      try {
        parsed = parseCandidateAttribute(this.candidate);
      } catch (error) {
        throw new TypeError((error as Error).message);
      }
      this.foundation = parsed.foundation;
      this.component = parsed.component === 2 ? 'rtcp' : 'rtp';
      this.priority = parsed.priority;
      this.address = parsed.address;
      this.protocol = parsed.protocol;
      this.port = parsed.port;
      this.type = parsed.type;
      this.tcpType = parsed.tcpType ?? null;
      this.relatedAddress = parsed.relatedAddress ?? null;
      this.relatedPort = parsed.relatedPort ?? null;
      ufrag ??= parsed.usernameFragment ?? null;
    }
    this.usernameFragment = ufrag;
  }

  /** webrtc-pc §4.8.1: the `RTCIceCandidateInit` of this candidate. */
  toJSON(): RTCIceCandidateInit {
    return {
      candidate: this.candidate,
      sdpMid: this.sdpMid,
      sdpMLineIndex: this.sdpMLineIndex,
      usernameFragment: this.usernameFragment,
    };
  }
}
