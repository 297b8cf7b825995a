import { codecTable } from './rtp-parameters.js';
import type { TransceiverState } from './rtp-state.js';
import {
  answerRtpSection,
  HEADER_EXTENSIONS,
  type LocalRtpSection,
  type RemoteRtpSection,
  type RtpSender,
} from './sdp/jsep-media.js';
import { isDataChannelSection, type OfferSection } from './sdp/jsep.js';
import type { SdpDirection, SessionDescription } from './sdp/model.js';
import { isRejected } from './sdp/validate.js';

/** What the plan reads: the transceivers, and the mids earlier offers chose for new ones. */
export interface PlanContext {
  readonly entries: readonly { readonly state: TransceiverState }[];
  /** Mids chosen by createOffer() for transceivers that have none yet (JSEP §5.2.1). */
  readonly offeredMids: Map<TransceiverState, string>;
}

const isRtx = (name: string): boolean => name.toLowerCase() === 'rtx';

/**
 * The m-line plan of an offer (JSEP §5.2.1, §5.2.2): the sections of `last` (our latest
 * description) in their order, each with its transceiver or the data channel; a section
 * rejected before and no longer used is recycled by a new transceiver (with a new mid) or
 * kept rejected; then the new transceivers, then a new data section if `wantData`.
 */
export function offerPlan(
  ctx: PlanContext,
  last: SessionDescription | undefined,
  remote: SessionDescription | undefined,
  wantData: boolean,
): OfferSection[] {
  const used = new Set<string>();
  for (const d of [last, remote])
    for (const m of d?.media ?? []) if (m.mid !== undefined) used.add(m.mid);
  for (const e of ctx.entries) if (e.state.mid !== null) used.add(e.state.mid);
  for (const [t, mid] of ctx.offeredMids) if (ctx.entries.some((e) => e.state === t)) used.add(mid);
  let next = 0;
  const newMid = (): string => {
    while (used.has(String(next))) next++;
    used.add(String(next));
    return String(next);
  };
  const fresh = ctx.entries.filter((e) => e.state.mid === null && !e.state.stopped);
  const take = (): { readonly state: TransceiverState } | undefined => fresh.shift();
  const midFor = (t: TransceiverState): string => {
    let mid = ctx.offeredMids.get(t);
    if (mid === undefined || (used.has(mid) && !isOfferedMidFree(ctx, t, mid, last))) {
      mid = newMid();
      ctx.offeredMids.set(t, mid);
    }
    return mid;
  };
  const plan: OfferSection[] = [];
  let hasData = false;
  for (const [index, section] of (last?.media ?? []).entries()) {
    const mid = section.mid ?? '';
    // JSEP §5.2.2: a section the remote answer rejected counts as rejected too.
    const answered = remote?.media[index];
    const rejected =
      isRejected(section) ||
      (answered?.mid === section.mid && answered !== undefined && isRejected(answered));
    if (isDataChannelSection(section) && !rejected) {
      plan.push({ kind: 'application', mid });
      hasData = true;
      continue;
    }
    const entry = ctx.entries.find((e) => e.state.mid === mid && mid !== '');
    if (entry && !entry.state.stopped) {
      plan.push(offerSection(entry.state, mid));
      continue;
    }
    // Rejected, its transceiver gone or stopped: recycle it (JSEP §5.2.2) or keep it off.
    const recycled = rejected || entry?.state.stopped ? take() : undefined;
    if (recycled) {
      plan.push(offerSection(recycled.state, midFor(recycled.state)));
      continue;
    }
    // A rejected data section comes back when channels are wanted again (with a new mid).
    if (section.kind === 'application' && wantData && !hasData) {
      plan.push({ kind: 'application', mid: newMid() });
      hasData = true;
      continue;
    }
    plan.push({
      kind: section.kind as 'audio' | 'video' | 'application',
      mid,
      stopped: true,
      formats: section.formats,
      protocol: section.protocol,
      inactive: section.kind !== 'application',
    });
  }
  for (let e = take(); e !== undefined; e = take()) {
    if (e.state.stopping) continue;
    plan.push(offerSection(e.state, midFor(e.state)));
  }
  if (wantData && !hasData) plan.push({ kind: 'application', mid: newMid() });
  return plan;
}

/** A mid chosen by an earlier createOffer() stays the transceiver's if nothing else took it. */
function isOfferedMidFree(
  ctx: PlanContext,
  t: TransceiverState,
  mid: string,
  last: SessionDescription | undefined,
): boolean {
  if (last?.media.some((m) => m.mid === mid)) return false;
  return !ctx.entries.some((e) => e.state !== t && e.state.mid === mid);
}

/** One transceiver's section in an offer. */
function offerSection(t: TransceiverState, mid: string): OfferSection {
  if (t.stopping) return { kind: t.kind, mid, stopped: true, inactive: true };
  const negotiated = t.receiver.codecs.length > 0 ? t.receiver.codecs : undefined;
  const codecs =
    t.preferredCodecs.length > 0 ? t.preferredCodecs : (negotiated ?? codecTable(t.kind));
  const headerExtensions =
    t.receiver.headerExtensions.length > 0
      ? t.receiver.headerExtensions
      : HEADER_EXTENSIONS[t.kind];
  const rids = t.sender.encodings.flatMap((e) => (e.rid === undefined ? [] : [e.rid]));
  const receiveRids = t.receiver.layers.layerRids;
  const section: LocalRtpSection = {
    kind: t.kind,
    mid,
    direction: t.direction as SdpDirection,
    codecs,
    headerExtensions,
    sender: rtpSenderOf(
      t,
      codecs.some((c) => isRtx(c.name)),
    ),
    ...(rids.length > 1 ? { sendRids: rids } : {}),
    // JSEP §5.2.2: a later offer keeps the simulcast layers we receive (RFC 8853 §5.3).
    ...(receiveRids.length > 1 && (t.direction === 'sendrecv' || t.direction === 'recvonly')
      ? {
          receiveRids: receiveRids.map((id) => ({
            id,
            direction: 'recv' as const,
            restrictions: {},
          })),
        }
      : {}),
  };
  return section;
}

function rtpSenderOf(t: TransceiverState, rtx: boolean): RtpSender {
  const s = t.sender;
  // The first encoding kept (a negotiation may have left one layer of a simulcast sender).
  const layer = s.layers[0] ?? s;
  return {
    streamIds: s.streamIds,
    trackId: s.track?.id ?? s.msidTrackId,
    cname: s.cname,
    ssrc: layer.ssrc,
    ...(rtx ? { rtxSsrc: layer.rtxSsrc } : {}),
  };
}

/**
 * What we answer for an offered audio or video section (JSEP §5.3.1): the transceiver the
 * remote offer associated with its mid, unless stopping; our direction, codec preferences
 * and sender. Undefined rejects the section.
 */
export function answerSection(
  ctx: PlanContext,
  offered: RemoteRtpSection,
): LocalRtpSection | undefined {
  const mid = offered.mid;
  const entry = ctx.entries.find((e) => e.state.mid === mid && mid !== undefined);
  if (entry === undefined || entry.state.stopping) return undefined;
  const t = entry.state;
  return answerRtpSection(offered, {
    mid: mid!,
    direction: t.direction as SdpDirection,
    sender: rtpSenderOf(t, true),
    ...(t.preferredCodecs.length > 0 ? { codecs: t.preferredCodecs } : {}),
    ...(t.sender.layers.length > 1
      ? { sendRids: t.sender.layers.flatMap((l) => (l.rid === undefined ? [] : [l.rid])) }
      : {}),
  });
}
