/**
 * Checks that a parsed description can be applied (RFC 9429 §5.8 "Parsing a Session
 * Description", §5.10 "Applying a Remote Description"): ICE credentials (RFC 8839 §5.4), DTLS
 * fingerprint and setup role (RFC 8842 §5), mids and BUNDLE (RFC 8843 §7). Problems are
 * returned as {@link SdpInvalidError} values (W3C: InvalidAccessError), never thrown.
 */

import { FINGERPRINT_DIGEST_SIZES } from './attributes.js';
import { SdpInvalidError } from './errors.js';
import type { SdpFingerprint, SdpMediaSection, SdpSetup, SessionDescription } from './model.js';
import { mediaLineNumber } from './parse.js';

/** The W3C `RTCSdpType`s that carry a description. */
export type SdpType = 'offer' | 'answer' | 'pranswer';

const ICE_CHARS = /^[A-Za-z0-9+/]+$/;

/** True when the section is rejected: port 0 without `a=bundle-only` (RFC 8843 §6). */
export function isRejected(section: SdpMediaSection): boolean {
  return section.port === 0 && section.bundleOnly !== true;
}

/** The BUNDLE group containing `mid`, if any (RFC 8843). */
export function bundleGroupOf(description: SessionDescription, mid: string | undefined) {
  if (mid === undefined) return undefined;
  return description.groups.find((g) => g.semantics === 'BUNDLE' && g.mids.includes(mid));
}

/**
 * The transport attributes in effect for a section: its own, else (when it has no ICE
 * credentials of its own) those of the BUNDLE tagged section (the first mid of its group,
 * RFC 8843 §7.2.1), else the session level (RFC 8839 §5.4, RFC 8842 §5: session-level values are defaults).
 */
export function effectiveTransport(
  description: SessionDescription,
  section: SdpMediaSection,
): Required<Pick<SdpMediaSection, 'candidates'>> & {
  readonly iceUfrag: string | undefined;
  readonly icePwd: string | undefined;
  readonly iceOptions: readonly string[];
  readonly iceLite: boolean;
  readonly fingerprints: readonly SdpFingerprint[];
  readonly setup: SdpSetup | undefined;
  readonly endOfCandidates: boolean;
} {
  let source = section;
  // RFC 8843 §7.2.1 / §7.3.1: within a BUNDLE group only the tagged section (bundle-only or
  // later descriptions) has to carry the transport attributes.
  if (section.iceUfrag === undefined && section.icePwd === undefined) {
    const group = bundleGroupOf(description, section.mid);
    const tag = description.media.find((m) => m.mid !== undefined && m.mid === group?.mids[0]);
    if (tag !== undefined) source = tag;
  }
  const fingerprints = source.fingerprints ?? description.fingerprints ?? [];
  return {
    iceUfrag: source.iceUfrag ?? description.iceUfrag,
    icePwd: source.icePwd ?? description.icePwd,
    iceOptions: source.iceOptions ?? description.iceOptions ?? [],
    iceLite: source.iceLite === true || description.iceLite === true,
    fingerprints,
    setup: source.setup ?? description.setup,
    candidates: source.candidates,
    endOfCandidates: source.endOfCandidates === true || description.endOfCandidates === true,
  };
}

/**
 * Every reason the description cannot be applied as `type`, first problem first; empty when
 * it is valid. Rejected sections (port 0) are not checked beyond their mid.
 */
export function validateDescription(
  description: SessionDescription,
  type: SdpType,
): SdpInvalidError[] {
  const errors: SdpInvalidError[] = [];
  const mids = new Set<string>();
  const bundled = description.groups.some((g) => g.semantics === 'BUNDLE');

  description.media.forEach((section, index) => {
    const line = mediaLineNumber(section);
    const err = (code: SdpInvalidError['code'], reason: string): void => {
      errors.push(new SdpInvalidError(code, section.mid, index, line, reason));
    };
    // RFC 9429 §5.8: each m= section has a unique mid (required with BUNDLE, RFC 8843 §7.2).
    if (section.mid === undefined) {
      if (bundled) err('missing-mid', 'a media section without a=mid in a BUNDLE session');
    } else if (mids.has(section.mid)) {
      err('duplicate-mid', `mid ${JSON.stringify(section.mid)} is used twice`);
    } else {
      mids.add(section.mid);
    }
    if (isRejected(section)) return;

    const t = effectiveTransport(description, section);
    // RFC 8839 §5.4: ufrag 4..256 ice-chars, pwd 22..256 ice-chars.
    if (t.iceUfrag === undefined)
      err('missing-ice-ufrag', 'no a=ice-ufrag in the section or the session');
    else if (!ICE_CHARS.test(t.iceUfrag) || t.iceUfrag.length < 4 || t.iceUfrag.length > 256) {
      err('bad-ice-ufrag', 'a=ice-ufrag must be 4 to 256 characters of [A-Za-z0-9+/]');
    }
    if (t.icePwd === undefined)
      err('missing-ice-pwd', 'no a=ice-pwd in the section or the session');
    else if (!ICE_CHARS.test(t.icePwd) || t.icePwd.length < 22 || t.icePwd.length > 256) {
      err('bad-ice-pwd', 'a=ice-pwd must be 22 to 256 characters of [A-Za-z0-9+/]');
    }
    // RFC 8842 §5 / RFC 8122 §5: at least one fingerprint, with a hash function we can check.
    if (t.fingerprints.length === 0) {
      err('missing-fingerprint', 'no a=fingerprint in the section or the session');
    } else if (
      !t.fingerprints.some(
        (f) =>
          f.algorithm !== 'md2' &&
          f.algorithm !== 'md5' &&
          FINGERPRINT_DIGEST_SIZES[f.algorithm] !== undefined,
      )
    ) {
      err(
        'invalid-fingerprint',
        `no usable hash function among ${t.fingerprints.map((f) => f.algorithm).join(', ')}`,
      );
    }
    // RFC 8842 §5.2/5.3: an offer says actpass (active or passive are tolerated), an answer
    // active or passive; holdconn is never usable.
    if (t.setup === 'holdconn') err('bad-setup', 'a=setup:holdconn cannot establish DTLS');
    else if (type !== 'offer' && t.setup === 'actpass') {
      err('bad-setup', 'an answer must say a=setup:active or a=setup:passive, not actpass');
    }
  });

  for (const group of description.groups) {
    if (group.semantics !== 'BUNDLE') continue;
    for (const mid of group.mids) {
      if (!mids.has(mid)) {
        errors.push(
          new SdpInvalidError(
            'bad-bundle',
            mid,
            -1,
            0,
            `BUNDLE names mid ${JSON.stringify(mid)}, which no media section has`,
          ),
        );
      }
    }
  }
  return errors;
}

/**
 * Checks an answer against the offer it answers (RFC 9429 §5.3.1, RFC 3264 §6): the same
 * number of m= sections, in the same order, with the same kinds and mids.
 */
export function validateAnswerAgainstOffer(
  answer: SessionDescription,
  offer: SessionDescription,
): SdpInvalidError[] {
  const errors: SdpInvalidError[] = [];
  if (answer.media.length !== offer.media.length) {
    errors.push(
      new SdpInvalidError(
        'answer-mismatch',
        undefined,
        -1,
        0,
        `the answer has ${answer.media.length} media sections, the offer ${offer.media.length}`,
      ),
    );
    return errors;
  }
  answer.media.forEach((a, i) => {
    const o = offer.media[i] as SdpMediaSection;
    if (a.kind !== o.kind || a.mid !== o.mid) {
      errors.push(
        new SdpInvalidError(
          'answer-mismatch',
          a.mid,
          i,
          mediaLineNumber(a),
          `answers m=${o.kind} mid ${o.mid ?? '(none)'} with m=${a.kind} mid ${a.mid ?? '(none)'}`,
        ),
      );
    }
  });
  return errors;
}
