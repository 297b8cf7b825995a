/**
 * The simulcast layers of one receiver (RFC 8853: the peer sends several encodings of one
 * track, each an RTP stream with its own SSRC and RID, RFC 8852) and which one its remote
 * track carries. Every layer is received (its own jitter buffer, losses recovered, an
 * `inbound-rtp` entry); the track gives out one. A switch asks the new layer for a keyframe
 * and happens at its next one, separately for the two outputs of the track: `rtp()` moves at
 * the packet that begins the keyframe, `frames()` at the keyframe the jitter buffer releases;
 * until then each keeps the old layer, so no frame is ever followed by one that references a
 * picture of another layer.
 *
 * webrtc-pc gives a receiver no way to choose a layer (a browser never receives simulcast);
 * this is the extension behind `RTCRtpReceiver.selectLayer()`.
 */
import { type Depacketizer, depacketizerFor } from '@x/rtp';
import type { SdpCodec } from './sdp/rtp-media.js';

/** Packets of the new layer held at most while the old layer ends its frame. */
const MAX_HELD = 64;

/** A layer switch that waits for its keyframe. */
interface PendingSwitch {
  readonly rid: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly cleanup: () => void;
}

/** The layer state of one receiver (see the module comment); not exported by the package. */
export class ReceiveLayers {
  /** The rids of our answer's `a=simulcast:recv`, in its order; none without simulcast. */
  private rids: readonly string[] = [];
  /** The layer wanted: the user's choice, else the first one that began a keyframe. */
  private target: string | undefined;
  /** The layer `rtp()` carries now, and the one `frames()` carries. */
  private rtpRid: string | undefined;
  private frameRid: string | undefined;
  /** Whether the receiver's streams make frames (a depacketizer for the codec). */
  private framed = true;
  private pending: PendingSwitch | undefined;
  /**
   * What the track's frame timeline adds to the RTP timestamps of the layer `frames()`
   * carries (each layer has its own random offset, RFC 3550 §5.1), and the last frame given
   * out: on a switch the new layer's keyframe follows it by the time between their releases.
   */
  private shift = 0;
  private last: { timestamp: number; atMs: number } | undefined;
  /** The `rtp()` layer's last packet did not end its frame. */
  private open = false;
  /** The target layer's packets from its keyframe on, while the old layer ends its frame. */
  private held: Uint8Array[] | undefined;
  /** Depacketizers by payload type, to tell a keyframe's first packet on the `rtp()` path. */
  private readonly depacketizers = new Map<number, Depacketizer | null>();

  /** True with two layers or more. */
  get simulcast(): boolean {
    return this.rids.length > 1;
  }

  /** The negotiated layers' rids. */
  get layerRids(): readonly string[] {
    return this.rids;
  }

  /** The rid the track's `rtp()` carries now (null before the first keyframe, or without simulcast). */
  get current(): string | null {
    return this.simulcast ? (this.rtpRid ?? null) : null;
  }

  /** The rid a switch waits for, or null. */
  get switching(): string | null {
    return this.pending?.rid ?? null;
  }

  /** A description negotiated the layers (our answer's `a=simulcast:recv`, RFC 8853 §5.3). */
  negotiate(rids: readonly string[]): void {
    this.rids = [...rids];
    if (this.target !== undefined && !this.rids.includes(this.target)) this.target = undefined;
    if (this.pending !== undefined && !this.rids.includes(this.pending.rid))
      this.settle(new DOMException('the layer is no longer negotiated', 'AbortError'));
  }

  /** The media streams of the receiver make frames (false: RTP only, no depacketizer). */
  setFramed(framed: boolean): void {
    this.framed = framed;
  }

  /**
   * Asks for `rid`: resolves once the track carries it (at once when it already does),
   * rejects with an AbortError when another switch or `signal` replaces it.
   */
  select(rid: string, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.settle(new DOMException('another layer was selected', 'AbortError'));
    // Packets held for another target are not that layer's keyframe any more.
    if (this.target !== rid) this.held = undefined;
    this.target = rid;
    if (this.rtpRid === rid && (this.frameRid === rid || !this.framed)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => this.settle(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        rid,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
    });
  }

  /**
   * Hands a media packet of layer `rid` to `deliver` (the track's `rtp()` readers) when the
   * track carries that layer: the layer it carries, until the target layer's keyframe
   * begins; then the target's. When the old layer is in the middle of a frame then, the new
   * layer's packets wait (copied, at most {@link MAX_HELD}) for that frame's last packet, so
   * that a relay forwarding `rtp()` never sends half a frame before the keyframe.
   */
  routeRtp(
    rid: string | undefined,
    packet: {
      readonly payloadType: number;
      readonly payload: Uint8Array;
      readonly marker: boolean;
      readonly bytes: Uint8Array;
    },
    codecs: readonly SdpCodec[],
    deliver: (bytes: Uint8Array) => void,
  ): void {
    if (!this.simulcast) {
      deliver(packet.bytes);
      return;
    }
    if (rid === undefined) return;
    if (rid === this.rtpRid && rid === this.target) {
      this.open = !packet.marker;
      deliver(packet.bytes);
      return;
    }
    if (this.held !== undefined && rid === this.target) {
      this.held.push(new Uint8Array(packet.bytes));
      if (this.held.length >= MAX_HELD) this.flush(deliver);
      return;
    }
    if (rid === this.rtpRid) {
      this.open = !packet.marker;
      deliver(packet.bytes);
      if (!this.open && this.held !== undefined) this.flush(deliver);
      return;
    }
    const keyStart =
      (rid === this.target || this.target === undefined) &&
      this.startsKeyframe(packet.payloadType, packet.payload, codecs);
    if (!keyStart) return;
    this.target ??= rid;
    if (this.rtpRid !== undefined && this.open) {
      this.held = [new Uint8Array(packet.bytes)];
      return;
    }
    this.rtpRid = rid;
    this.open = !packet.marker;
    deliver(packet.bytes);
    this.check();
  }

  /** Whether a packet of layer `rid` restored from its repair stream goes to `rtp()`. */
  carriesRtp(rid: string | undefined): boolean {
    return !this.simulcast || (rid !== undefined && rid === this.rtpRid);
  }

  /** The old layer's frame ended (or waited too long): the held packets go, the switch is done. */
  private flush(deliver: (bytes: Uint8Array) => void): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.rtpRid = this.target;
    this.open = true;
    for (const bytes of held) deliver(bytes);
    const last = held[held.length - 1];
    // RFC 3550 §5.1: the marker bit, the second byte's top bit (video: the frame's last packet).
    if (last !== undefined) this.open = (last[1]! & 0x80) === 0;
    this.check();
  }

  /**
   * Whether a frame of layer `rid` goes to the track's `frames()` readers (as
   * {@link ReceiveLayers.acceptRtp}, at the keyframe the jitter buffer releases), and the
   * timestamp the track's timeline gives it; undefined when it does not go.
   */
  acceptFrame(
    rid: string | undefined,
    frame: { readonly timestamp: number; readonly keyframe: boolean },
    clockRate: number,
    nowMs: number,
  ): number | undefined {
    if (!this.simulcast) return frame.timestamp;
    if (rid === undefined) return undefined;
    if (rid !== this.frameRid || rid !== this.target) {
      const switching = frame.keyframe && (rid === this.target || this.target === undefined);
      if (!switching)
        return rid === this.frameRid ? this.shifted(frame.timestamp, nowMs) : undefined;
      this.target ??= rid;
      const last = this.last;
      // The new layer's keyframe follows the last frame given out by the time between them.
      this.shift =
        last === undefined
          ? 0
          : (last.timestamp +
              Math.max(1, Math.round(((nowMs - last.atMs) * clockRate) / 1000)) -
              frame.timestamp) >>>
            0;
      this.frameRid = rid;
      this.check();
    }
    return this.shifted(frame.timestamp, nowMs);
  }

  /** The connection closed or the transceiver stopped: a waiting switch fails. */
  close(): void {
    this.settle(new DOMException('the receiver stopped', 'InvalidStateError'));
  }

  private shifted(timestamp: number, nowMs: number): number {
    const t = (timestamp + this.shift) >>> 0;
    this.last = { timestamp: t, atMs: nowMs };
    return t;
  }

  /** Resolves the waiting switch once both outputs carry its layer. */
  private check(): void {
    const p = this.pending;
    if (p === undefined || this.rtpRid !== p.rid || (this.framed && this.frameRid !== p.rid))
      return;
    this.pending = undefined;
    p.cleanup();
    p.resolve();
  }

  private settle(error: unknown): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    p.cleanup();
    p.reject(error);
  }

  private startsKeyframe(
    payloadType: number,
    payload: Uint8Array,
    codecs: readonly SdpCodec[],
  ): boolean {
    let d = this.depacketizers.get(payloadType);
    if (d === undefined) {
      const codec = codecs.find((c) => c.payloadType === payloadType);
      d = codec === undefined ? null : (depacketizerFor(`video/${codec.name}`) ?? null);
      this.depacketizers.set(payloadType, d);
    }
    return d?.isFrameStart(payload) === true && d.isKeyframe(payload);
  }
}
