/**
 * Association initialization (RFC 9260 §5) as one association runs it: INIT sent on
 * `connect()` and retransmitted on T1-init, the peer's INIT answered with an INIT-ACK carrying
 * a signed state cookie and no state kept (§5.1.3), COOKIE-ECHO on T1-cookie, the cookie
 * verified (§5.1.5, stale cookies §5.2.6), simultaneous open and duplicate COOKIE-ECHOs
 * (§5.2.1, §5.2.4), and the establishment that opens the data path. The chunks themselves are
 * built by handshake.ts; their verification tags are checked by inbound.ts.
 */

import { type Chunk, ChunkType, type InitChunk } from './chunk.js';
import { CookieSigner } from './cookie.js';
import type { DataPath } from './data-path.js';
import { buildInit, cookieFor, peerFromCookie } from './handshake.js';
import type { Heartbeats } from './heartbeat.js';
import { FEATURE_ZERO_CHECKSUM, readPeerFeatures } from './init-params.js';
import type { Output } from './output.js';
import { CauseCode, ParamType, type Tlv, u32Tlv } from './param.js';
import type { PathMtu } from './path-mtu.js';
import { type AssociationSession, S } from './session.js';
import type { RetransmissionTimer } from './state.js';
import type { DeadlineTimer } from './timer.js';

/** What the establishment starts. */
export interface EstablishedParts {
  readonly dataPath: DataPath;
  readonly heartbeats: Heartbeats;
  readonly pathMtu: PathMtu;
}

/** The handshake of one association. */
export class Initialization {
  private readonly signer = new CookieSigner();
  private readonly t1: DeadlineTimer;
  /** The INIT or COOKIE-ECHO that T1 retransmits, and its verification tag. */
  private t1Chunk: Chunk | undefined;
  private t1Tag = 0;
  private initRetrans = 0;
  /** The peer's INIT (from its INIT-ACK or our cookie) until established. */
  private pendingPeer: InitChunk | undefined;

  constructor(
    private readonly session: AssociationSession,
    private readonly output: Output,
    private readonly parts: EstablishedParts,
  ) {
    this.t1 = session.newTimer(() => this.onT1());
  }

  /** `Association.connect()` from `New`: INIT, COOKIE-WAIT (§5.1 A). */
  connect(): void {
    const session = this.session;
    session.myTag = session.localTag;
    session.enter(S.CookieWait, { kind: 'connect-called' });
    this.t1Chunk = this.initChunk(ChunkType.Init, session.myTag, session.myInitialTsn, []);
    this.t1Tag = 0;
    this.initRetrans = 0;
    this.output.sendSingle(this.t1Tag, this.t1Chunk);
    this.t1.start(session.rtoEstimator.rto);
  }

  /** The peer's INIT, alone in its packet with tag 0. */
  onInit(c: InitChunk): void {
    const session = this.session;
    if (c.initiateTag === 0 || c.outboundStreams === 0 || c.inboundStreams === 0) {
      session.drop('INIT with a zero tag or stream count');
      return;
    }
    let tag: number;
    let tsn: number;
    if (session.s === S.New) {
      // §5.1.3: no state; the tag lives only in the cookie until COOKIE-ECHO.
      tag = session.localTag;
      tsn = session.myInitialTsn;
    } else if (session.s === S.CookieWait || session.s === S.CookieEchoed) {
      // §5.2.1: collision: answer with our own tag.
      tag = session.myTag;
      tsn = session.myInitialTsn;
    } else {
      session.dropChunk('INIT in an established association (restart not supported)');
      return;
    }
    const unrecognized: Tlv[] = [];
    const cookie = this.signer.sign(cookieFor(c, tag, tsn, session.clock.now(), unrecognized));
    const ack = this.initChunk(ChunkType.InitAck, tag, tsn, [
      { type: ParamType.StateCookie, value: cookie },
      ...unrecognized,
    ]);
    this.output.sendSingle(c.initiateTag, ack);
  }

  /** The peer's INIT-ACK (§5.1 C): COOKIE-ECHO, COOKIE-ECHOED. */
  onInitAck(c: InitChunk): void {
    const session = this.session;
    if (session.s !== S.CookieWait) {
      session.dropChunk('INIT-ACK outside COOKIE-WAIT');
      return;
    }
    const cookie = c.params.find((p) => p.type === ParamType.StateCookie);
    if (cookie === undefined || c.initiateTag === 0 || c.outboundStreams === 0) {
      session.dropChunk('INIT-ACK without a cookie');
      return;
    }
    session.peerTag = c.initiateTag;
    session.peerFeatures = readPeerFeatures(c.params, []);
    this.pendingPeer = c;
    this.t1.stop();
    session.enter(S.CookieEchoed);
    this.t1Chunk = { type: ChunkType.CookieEcho, cookie: cookie.value };
    this.t1Tag = session.peerTag;
    this.initRetrans = 0;
    this.output.sendSingle(this.t1Tag, this.t1Chunk);
    this.t1.start(session.rtoEstimator.rto);
  }

  /** The peer's COOKIE-ECHO with the packet's verification tag (§5.1 D, §5.2). */
  onCookieEcho(cookie: Uint8Array, tag: number): void {
    const session = this.session;
    const k = this.signer.verify(cookie);
    if (k === undefined) {
      session.dropChunk('COOKIE-ECHO with a bad signature');
      return;
    }
    if (tag !== k.localTag) {
      session.drop('COOKIE-ECHO with a wrong tag');
      return;
    }
    if (session.clock.now() - k.createdAt > session.cookieLifetime) {
      // §5.2.6: stale cookie.
      this.output.sendSingle(k.peerTag, {
        type: ChunkType.Error,
        reflected: false,
        causes: [u32Tlv(CauseCode.StaleCookie, 0)],
      });
      session.dropChunk('stale cookie');
      return;
    }
    if (session.s === S.New) {
      session.myTag = k.localTag;
    } else if (session.s === S.CookieWait || session.s === S.CookieEchoed) {
      if (k.localTag !== session.myTag) {
        session.dropChunk('COOKIE-ECHO for another association');
        return;
      }
    } else if (session.isDataState()) {
      // §5.2.4 case D: duplicate COOKIE-ECHO; the COOKIE-ACK was lost.
      if (k.localTag === session.myTag && k.peerTag === session.peerTag) {
        session.control.push({ type: ChunkType.CookieAck, reflected: false });
      } else session.dropChunk('COOKIE-ECHO of a restart (not supported)');
      return;
    } else {
      session.dropChunk('COOKIE-ECHO while shutting down');
      return;
    }
    session.peerTag = k.peerTag;
    session.peerFeatures = k.peerFeatures;
    this.pendingPeer = peerFromCookie(k);
    session.control.push({ type: ChunkType.CookieAck, reflected: false });
    this.establish('cookie-echo');
  }

  /** The peer's COOKIE-ACK (§5.1 E). */
  onCookieAck(): void {
    if (this.session.s === S.CookieEchoed) this.establish('cookie-ack');
  }

  private initChunk(type: 1 | 2, tag: number, tsn: number, extra: Tlv[]): InitChunk {
    const session = this.session;
    return buildInit(type, tag, tsn, extra, {
      bufferSize: session.bufferSize,
      outboundStreams: session.wantOutbound,
      inboundStreams: session.wantInbound,
      zeroChecksum: session.zeroChecksumOffered,
    });
  }

  private establish(by: 'cookie-ack' | 'cookie-echo'): void {
    const session = this.session;
    const peer = this.pendingPeer!;
    this.pendingPeer = undefined;
    this.t1.stop();
    this.t1Chunk = undefined;
    // Delivered once this packet is handled: the data path below is open by then.
    session.enter(S.Established, { kind: 'established', by });
    session.outboundStreams = Math.min(session.wantOutbound, peer.inboundStreams);
    session.inboundStreams = Math.min(session.wantInbound, peer.outboundStreams);
    session.useZeroChecksum =
      session.zeroChecksumOffered && (session.peerFeatures & FEATURE_ZERO_CHECKSUM) !== 0;
    this.parts.dataPath.open(peer);
    this.parts.heartbeats.established();
    this.parts.pathMtu.established();
  }

  private onT1(): void {
    const session = this.session;
    const which: RetransmissionTimer = session.s === S.CookieWait ? 'init' : 'cookie';
    if (this.t1Chunk === undefined) return;
    if (++this.initRetrans > session.maxInitRetrans) {
      session.teardown({
        kind: 'too-many-retransmissions',
        timer: which,
        attempts: this.initRetrans,
      });
      return;
    }
    session.rtoEstimator.backOff();
    this.output.sendSingle(this.t1Tag, this.t1Chunk);
    this.t1.start(session.rtoEstimator.rto);
  }
}
