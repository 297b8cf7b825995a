/**
 * RFC 8843 §9.2 routing of incoming RTP, as the Manager's `setMediaRoutes()` takes it, read
 * from a remote description: the ids of the MID and RID header extensions, the SSRCs each
 * section signals, and the payload types only one section uses.
 */
import type { MediaRoutes } from '@x/network';
import type { RemoteDescriptionInfo } from './remote-description.js';

const EXT_MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const EXT_RID = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
const EXT_RRID = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';

/**
 * Where incoming RTP goes (RFC 8843 §9.2), from the remote description: the MID and RID
 * header extension ids, the signaled SSRCs of each section, and the payload types that
 * only one section uses.
 */
export function mediaRoutes(info: RemoteDescriptionInfo): MediaRoutes {
  const ids: { mid?: number; rid?: number; repairedRid?: number } = {};
  const ssrcs = new Map<number, string>();
  const byPt = new Map<number, string | null>();
  for (const r of info.rtp) {
    if (r.rejected || r.mid === undefined) continue;
    for (const e of r.media.headerExtensions) {
      if (e.uri === EXT_MID) ids.mid ??= e.id;
      else if (e.uri === EXT_RID) ids.rid ??= e.id;
      else if (e.uri === EXT_RRID) ids.repairedRid ??= e.id;
    }
    for (const s of r.media.ssrcs) ssrcs.set(s.ssrc, r.mid);
    for (const c of r.media.codecs)
      byPt.set(
        c.payloadType,
        byPt.has(c.payloadType) && byPt.get(c.payloadType) !== r.mid ? null : r.mid,
      );
  }
  const payloadTypes = new Map<number, string>();
  for (const [pt, mid] of byPt) if (mid !== null && mid !== undefined) payloadTypes.set(pt, mid);
  return { extensionIds: ids, ssrcs, payloadTypes };
}
