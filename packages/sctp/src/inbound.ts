/**
 * What arrives at an association: the packet walk (RFC 9260 §8.5 verification tags, §6.10
 * chunk bundling, §3.2 unknown chunk types by their two high bits, RFC 4820 PAD), each chunk
 * dispatched to the part it concerns, a packet arriving while one is processed queued behind
 * it, and the output flushed once the batch is done. Bad input is dropped and counted, never
 * thrown.
 */

import { debuglog } from 'node:util';
import { ChunkType, decodeChunkAt, type InitChunk, type KnownChunk } from './chunk.js';
import type { DataPath } from './data-path.js';
import type { Heartbeats } from './heartbeat.js';
import type { Initialization } from './initialization.js';
import type { Output } from './output.js';
import { COMMON_HEADER_SIZE, verifyChecksum } from './packet.js';
import { CauseCode, type Tlv } from './param.js';
import type { AssociationSession } from './session.js';
import type { Shutdown } from './shutdown.js';
import { AssociationState } from './state.js';

const log = debuglog('x:sctp');

/** The parts that received chunks act upon. */
export interface InboundTargets {
  readonly initialization: Initialization;
  readonly dataPath: DataPath;
  readonly heartbeats: Heartbeats;
  readonly shutdown: Shutdown;
  readonly output: Output;
}

/** The receiving side of one association. */
export class Inbound {
  /** Packets handed in while one was processed (a handler fed one back synchronously). */
  private readonly inbox: Uint8Array[] = [];

  constructor(
    private readonly session: AssociationSession,
    private readonly parts: InboundTargets,
  ) {
    session.onTeardown(() => {
      this.inbox.length = 0;
    });
  }

  /** `Association.handlePacket()`: never throws. */
  handlePacket(packet: Uint8Array): void {
    const session = this.session;
    if (session.state === AssociationState.Closed) return;
    if (session.processing) {
      this.inbox.push(packet);
      return;
    }
    session.processing = true;
    try {
      this.safeProcess(packet);
      while (this.inbox.length > 0) this.safeProcess(this.inbox.shift()!);
    } finally {
      session.processing = false;
    }
    this.parts.output.afterInput();
  }

  private safeProcess(packet: Uint8Array): void {
    try {
      this.process(packet);
    } catch (error) {
      this.session.counters.internalErrors++;
      log('internal error on input (packet dropped): %o', error);
    }
  }

  private process(p: Uint8Array): void {
    const session = this.session;
    const { dataPath } = this.parts;
    const len = p.length;
    if (len < COMMON_HEADER_SIZE + 4) {
      session.drop('short');
      return;
    }
    session.counters.packetsReceived++;
    session.counters.bytesReceived += len;
    if (
      ((p[0]! << 8) | p[1]!) !== session.remotePort ||
      ((p[2]! << 8) | p[3]!) !== session.localPort
    ) {
      session.drop('ports');
      return;
    }
    if (!verifyChecksum(p, session.zeroChecksumOffered)) {
      session.drop('checksum');
      return;
    }
    const tag = ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0;
    let tagOk = session.myTag !== 0 && tag === session.myTag;
    let off = COMMON_HEADER_SIZE;
    let sawData = false;
    let immediate = false;
    let unrecognized: Tlv[] | undefined;
    while (off + 4 <= len) {
      const type = p[off]!;
      const flags = p[off + 1]!;
      const clen = (p[off + 2]! << 8) | p[off + 3]!;
      if (clen < 4 || off + clen > len) {
        session.drop('chunk length');
        break;
      }
      if (type === ChunkType.Data) {
        if (!tagOk) {
          session.drop('verification tag');
          return;
        }
        if (clen < 17) session.dropChunk('DATA without user data');
        else if (dataPath.onData(p, off, clen, flags)) sawData = true;
        if (flags & 8) immediate = true;
      } else if (type === ChunkType.Sack) {
        if (!tagOk) {
          session.drop('verification tag');
          return;
        }
        dataPath.onSack(p, off, clen);
      } else {
        const c = decodeChunkAt(p, off, clen);
        if (c === undefined) {
          session.dropChunk(`malformed chunk type ${type}`);
          break;
        }
        if (type === ChunkType.Pad) {
          // RFC 4820 §3: discarded, and the rest of the packet processed (a PMTU probe's fill).
        } else if ('unknown' in c) {
          // RFC 9260 §3.2: the two high bits of the type say what to do.
          const action = type >>> 6;
          session.dropChunk(`unknown chunk type ${type}`);
          if (tagOk && (action === 1 || action === 3)) {
            unrecognized ??= [];
            unrecognized.push({
              type: CauseCode.UnrecognizedChunkType,
              value: p.subarray(off, off + clen),
            });
          }
          if (action < 2) break;
        } else if (
          !this.onControl(c, tag, tagOk, off === COMMON_HEADER_SIZE, off + ((clen + 3) & ~3) >= len)
        ) {
          break;
        }
        if (session.state === AssociationState.Closed) return;
        // A COOKIE-ECHO may have just set our tag: DATA bundled after it is ours (§6.10).
        tagOk = session.myTag !== 0 && tag === session.myTag;
      }
      off += (clen + 3) & ~3;
    }
    if (unrecognized !== undefined && session.peerTag !== 0) {
      session.control.push({ type: ChunkType.Error, reflected: false, causes: unrecognized });
    }
    if (sawData) dataPath.afterData(immediate, len);
  }

  /** A control chunk; returns false to stop processing the packet. */
  private onControl(
    c: KnownChunk,
    tag: number,
    tagOk: boolean,
    first: boolean,
    last: boolean,
  ): boolean {
    const session = this.session;
    const { initialization, dataPath, heartbeats, shutdown } = this.parts;
    switch (c.type) {
      case ChunkType.Init:
        // §8.5.1 A, §6.10: INIT has tag 0 and travels alone.
        if (tag !== 0 || !first || !last) {
          session.drop('INIT with a tag or bundled');
          return false;
        }
        initialization.onInit(c as InitChunk);
        return false;
      case ChunkType.Abort:
        // §8.5.1 B: our tag, or the peer's with the T bit.
        if ('reflected' in c && (c.reflected ? tag === session.peerTag && tag !== 0 : tagOk)) {
          shutdown.onAbort(c.causes);
        } else session.drop('ABORT with a wrong tag');
        return false;
      case ChunkType.ShutdownComplete:
        if ('reflected' in c && (c.reflected ? tag === session.peerTag && tag !== 0 : tagOk)) {
          shutdown.onShutdownComplete();
        } else session.drop('SHUTDOWN-COMPLETE with a wrong tag');
        return false;
      case ChunkType.CookieEcho:
        initialization.onCookieEcho(c.cookie, tag);
        return true;
      default:
        break;
    }
    if (!tagOk) {
      session.drop('verification tag');
      return false;
    }
    switch (c.type) {
      case ChunkType.InitAck:
        initialization.onInitAck(c as InitChunk);
        return false;
      case ChunkType.CookieAck:
        initialization.onCookieAck();
        return true;
      case ChunkType.Heartbeat:
        heartbeats.onHeartbeat(c.info);
        return true;
      case ChunkType.HeartbeatAck:
        heartbeats.onHeartbeatAck(c.info);
        return true;
      case ChunkType.Shutdown:
        shutdown.onShutdown(c.cumulativeTsnAck);
        return true;
      case ChunkType.ShutdownAck:
        return shutdown.onShutdownAck();
      case ChunkType.Error:
        for (const cause of c.causes) log('peer reported error cause %d', cause.type);
        return true;
      case ChunkType.ForwardTsn:
        dataPath.onForwardTsn(c.newCumulativeTsn, c.streams);
        return true;
      case ChunkType.Reconfig:
        dataPath.onReconfig(c.params);
        return true;
      default:
        session.dropChunk(`chunk type ${c.type} in state ${session.s}`);
        return true;
    }
  }
}
