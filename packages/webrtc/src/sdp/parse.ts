/**
 * SDP parsing (RFC 8866 §5, §9) into the typed model. Accepts CRLF or LF line endings. Throws
 * {@link SdpSyntaxError} with the 1-based line number for text that is not SDP or a known
 * attribute that does not follow its grammar; see {@link tryParseSdp} for the non-throwing form.
 */

import {
  parseFingerprint,
  parseGroup,
  parseIceOptions,
  parseInteger,
  parseSctpMap,
  parseSetup,
} from './attributes.js';
import { SdpSyntaxError, type SdpSyntaxErrorCode } from './errors.js';
import type {
  SdpAttribute,
  SdpConnection,
  SdpDirection,
  SdpFingerprint,
  SdpGroup,
  SdpLine,
  SdpMediaSection,
  SdpOrigin,
  SdpSetup,
  SessionDescription,
} from './model.js';

/** Options of {@link parseSdp}. */
export interface ParseSdpOptions {
  /**
   * Checks one `candidate:...` value (the ICE layer's parser); returns a reason when it is
   * malformed, which becomes a syntax error on that line. Default: candidates are kept as text.
   */
  readonly checkCandidate?: (candidate: string) => string | undefined;
}

const mediaLines = new WeakMap<SdpMediaSection, number>();

/** The 1-based number of the `m=` line a parsed media section came from (0 if not parsed). */
export function mediaLineNumber(section: SdpMediaSection): number {
  return mediaLines.get(section) ?? 0;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface TransportDraft {
  iceUfrag?: string | undefined;
  icePwd?: string | undefined;
  iceOptions?: string[] | undefined;
  iceLite?: boolean | undefined;
  fingerprints?: SdpFingerprint[] | undefined;
  setup?: SdpSetup | undefined;
  endOfCandidates?: boolean | undefined;
}

interface MediaDraft extends TransportDraft {
  kind: string;
  port: number;
  numberOfPorts?: number | undefined;
  protocol: string;
  formats: string[];
  connection?: SdpConnection | undefined;
  mid?: string | undefined;
  direction?: SdpDirection | undefined;
  bundleOnly?: boolean | undefined;
  sctpPort?: number | undefined;
  maxMessageSize?: number | undefined;
  sctpMap?: Mutable<SdpMediaSection>['sctpMap'];
  candidates: string[];
  otherLines: SdpLine[];
  attributes: SdpAttribute[];
}

const LINE = /^([a-z])=(.*)$/;
const SESSION_ORDER = 'vosiuepcbtrzkam';

/** Parses a session description; throws {@link SdpSyntaxError}. */
export function parseSdp(text: string, options: ParseSdpOptions = {}): SessionDescription {
  const lines = text.split('\n');
  // A final line ending gives one empty last element.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new SdpSyntaxError('empty', 0, '', 'the description is empty');

  let lineNumber = 0;
  let line = '';
  const fail = (code: SdpSyntaxErrorCode, reason: string): never => {
    throw new SdpSyntaxError(code, lineNumber, line, reason);
  };

  let version: number | undefined;
  let origin: SdpOrigin | undefined;
  let sessionName: string | undefined;
  let timing: SessionDescription['timing'] | undefined;
  let sessionConnection: SdpConnection | undefined;
  const groups: SdpGroup[] = [];
  let extmapAllowMixed: boolean | undefined;
  const session: TransportDraft = {};
  const sessionOther: SdpLine[] = [];
  const sessionAttributes: SdpAttribute[] = [];
  const media: MediaDraft[] = [];
  let current: MediaDraft | undefined;
  let lastSessionType = -1;

  const transportAttribute = (
    target: TransportDraft,
    name: string,
    value: string | undefined,
  ): boolean => {
    const need = (): string =>
      value === undefined || value === ''
        ? fail('bad-attribute', `a=${name} needs a value`)
        : value;
    switch (name) {
      case 'ice-ufrag':
        if (target.iceUfrag !== undefined) fail('bad-attribute', 'a second a=ice-ufrag attribute');
        target.iceUfrag = need();
        return true;
      case 'ice-pwd':
        if (target.icePwd !== undefined) fail('bad-attribute', 'a second a=ice-pwd attribute');
        target.icePwd = need();
        return true;
      case 'ice-options': {
        const parsed = parseIceOptions(need());
        if (typeof parsed === 'string') fail('bad-attribute', parsed);
        target.iceOptions = [...(target.iceOptions ?? []), ...(parsed as string[])];
        return true;
      }
      case 'ice-lite':
        target.iceLite = true;
        return true;
      case 'fingerprint': {
        const parsed = parseFingerprint(need());
        if (typeof parsed === 'string') fail('bad-attribute', parsed);
        target.fingerprints = [...(target.fingerprints ?? []), parsed as SdpFingerprint];
        return true;
      }
      case 'setup': {
        const parsed = parseSetup(need());
        if (parsed === undefined) {
          fail(
            'bad-attribute',
            `setup must be actpass, active, passive or holdconn, not ${JSON.stringify(value)}`,
          );
        }
        if (target.setup !== undefined) fail('bad-attribute', 'a second a=setup attribute');
        target.setup = parsed as SdpSetup;
        return true;
      }
      case 'end-of-candidates':
        target.endOfCandidates = true;
        return true;
      default:
        return false;
    }
  };

  const mediaAttribute = (m: MediaDraft, name: string, value: string | undefined): boolean => {
    switch (name) {
      case 'mid':
        if (value === undefined || value === '') fail('bad-attribute', 'a=mid needs a value');
        if (m.mid !== undefined) fail('bad-attribute', 'a second a=mid attribute');
        m.mid = value;
        return true;
      case 'sendrecv':
      case 'sendonly':
      case 'recvonly':
      case 'inactive':
        if (m.direction !== undefined) fail('bad-attribute', 'a second direction attribute');
        m.direction = name;
        return true;
      case 'bundle-only':
        m.bundleOnly = true;
        return true;
      case 'sctp-port': {
        const n = parseInteger(value ?? '', 1, 65535, 'a=sctp-port');
        if (typeof n === 'string') fail('bad-attribute', n);
        if (m.sctpPort !== undefined) fail('bad-attribute', 'a second a=sctp-port attribute');
        m.sctpPort = n as number;
        return true;
      }
      case 'max-message-size': {
        const n = parseInteger(value ?? '', 0, Number.MAX_SAFE_INTEGER, 'a=max-message-size');
        if (typeof n === 'string') fail('bad-attribute', n);
        if (m.maxMessageSize !== undefined)
          fail('bad-attribute', 'a second a=max-message-size attribute');
        m.maxMessageSize = n as number;
        return true;
      }
      case 'sctpmap': {
        const parsed = parseSctpMap(value ?? '');
        if (typeof parsed === 'string') fail('bad-attribute', parsed);
        if (m.sctpMap !== undefined) fail('bad-attribute', 'a second a=sctpmap attribute');
        m.sctpMap = parsed as NonNullable<MediaDraft['sctpMap']>;
        return true;
      }
      case 'candidate': {
        if (value === undefined || value.trim() === '')
          fail('bad-attribute', 'a=candidate needs a value');
        const candidate = `candidate:${value}`;
        const problem = options.checkCandidate?.(candidate);
        if (problem !== undefined) fail('bad-attribute', problem);
        m.candidates.push(candidate);
        return true;
      }
      default:
        return false;
    }
  };

  for (let i = 0; i < lines.length; i++) {
    lineNumber = i + 1;
    line = (lines[i] as string).endsWith('\r')
      ? (lines[i] as string).slice(0, -1)
      : (lines[i] as string);
    const match = LINE.exec(line);
    if (match === null)
      fail('malformed-line', 'expected "<type>=<value>" with a lower-case type letter');
    const type = (match as RegExpExecArray)[1] as string;
    const value = (match as RegExpExecArray)[2] as string;

    if (i === 0) {
      if (type !== 'v') fail('missing-line', 'a description starts with v=0');
      if (value !== '0') fail('bad-version', `unsupported SDP version ${JSON.stringify(value)}`);
      version = 0;
      lastSessionType = 0;
      continue;
    }

    if (type === 'm') {
      if (origin === undefined) fail('missing-line', 'o= is missing before the first m=');
      if (sessionName === undefined) fail('missing-line', 's= is missing before the first m=');
      if (timing === undefined) fail('missing-line', 't= is missing before the first m=');
      const parts = value.split(' ');
      if (parts.length < 4 || parts.some((p) => p === '')) {
        fail('bad-media', 'expected "<media> <port> <proto> <fmt> ..."');
      }
      const [portText, countText] = (parts[1] as string).split('/') as [string, string | undefined];
      const port = parseInteger(portText, 0, 65535, 'the port');
      if (typeof port === 'string') fail('bad-media', port);
      let numberOfPorts: number | undefined;
      if (countText !== undefined) {
        const n = parseInteger(countText, 1, 65535, 'the number of ports');
        if (typeof n === 'string') fail('bad-media', n);
        numberOfPorts = n as number;
      }
      current = {
        kind: parts[0] as string,
        port: port as number,
        numberOfPorts,
        protocol: parts[2] as string,
        formats: parts.slice(3),
        candidates: [],
        otherLines: [],
        attributes: [],
      };
      media.push(current);
      mediaLines.set(current as SdpMediaSection, lineNumber);
      continue;
    }

    if (current !== undefined) {
      // RFC 8866 §5: in a media section only i, c, b, k and a lines may appear.
      switch (type) {
        case 'c':
          if (current.connection !== undefined)
            fail('misplaced-line', 'a second c= line in the media section');
          current.connection = parseConnection(value, fail);
          break;
        case 'i':
        case 'b':
        case 'k':
          current.otherLines.push({ type, value });
          break;
        case 'a': {
          const [name, attrValue] = splitAttribute(value);
          if (
            !mediaAttribute(current, name, attrValue) &&
            !transportAttribute(current, name, attrValue)
          ) {
            current.attributes.push({ name, value: attrValue });
          }
          break;
        }
        default:
          fail('misplaced-line', `a ${type}= line cannot appear in a media section`);
      }
      continue;
    }

    // Session level, in the order of RFC 8866 §5 (repeatable lines may repeat).
    const rank = SESSION_ORDER.indexOf(type);
    if (
      rank >= 0 &&
      rank < lastSessionType &&
      !(type === 't' && lastSessionType <= SESSION_ORDER.indexOf('r'))
    ) {
      fail('misplaced-line', `${type}= is out of the order v o s i u e p c b t r z k a m`);
    }
    if (rank >= 0) lastSessionType = rank;
    switch (type) {
      case 'v':
        fail('misplaced-line', 'a second v= line');
        break;
      case 'o':
        if (origin !== undefined) fail('misplaced-line', 'a second o= line');
        origin = parseOrigin(value, fail);
        break;
      case 's':
        if (sessionName !== undefined) fail('misplaced-line', 'a second s= line');
        sessionName = value;
        break;
      case 'c':
        if (sessionConnection !== undefined) fail('misplaced-line', 'a second session c= line');
        sessionConnection = parseConnection(value, fail);
        break;
      case 't': {
        const parts = value.split(' ');
        if (parts.length !== 2 || !parts.every((p) => /^[0-9]+$/.test(p))) {
          fail('bad-timing', 'expected "t=<start> <stop>" in decimal');
        }
        if (timing === undefined) timing = { start: parts[0] as string, stop: parts[1] as string };
        else sessionOther.push({ type, value });
        break;
      }
      case 'a': {
        const [name, attrValue] = splitAttribute(value);
        if (name === 'group') {
          const parsed = parseGroup(attrValue ?? '');
          if (typeof parsed === 'string') fail('bad-attribute', parsed);
          groups.push(parsed as SdpGroup);
        } else if (name === 'extmap-allow-mixed') {
          extmapAllowMixed = true;
        } else if (!transportAttribute(session, name, attrValue)) {
          sessionAttributes.push({ name, value: attrValue });
        }
        break;
      }
      default:
        // i u e p b r z k, and letters RFC 8866 does not define: kept as they are.
        sessionOther.push({ type, value });
    }
  }

  lineNumber = 0;
  line = '';
  if (origin === undefined) fail('missing-line', 'the o= line is missing');
  if (sessionName === undefined) fail('missing-line', 'the s= line is missing');
  if (timing === undefined) fail('missing-line', 'the t= line is missing');

  return {
    version: version as number,
    origin: origin as SdpOrigin,
    sessionName: sessionName as string,
    timing: timing as SessionDescription['timing'],
    ...(sessionConnection === undefined ? {} : { connection: sessionConnection }),
    groups,
    ...(extmapAllowMixed === undefined ? {} : { extmapAllowMixed }),
    ...session,
    otherLines: sessionOther,
    attributes: sessionAttributes,
    media: media.map((m) => {
      const out = dropUndefined(m) as unknown as SdpMediaSection;
      mediaLines.set(out, mediaLines.get(m as SdpMediaSection) ?? 0);
      return out;
    }),
  };
}

/** The result of {@link tryParseSdp}. */
export type SdpParseResult =
  | { readonly ok: true; readonly description: SessionDescription }
  | { readonly ok: false; readonly error: SdpSyntaxError };

/** Parses a session description without throwing. */
export function tryParseSdp(text: string, options: ParseSdpOptions = {}): SdpParseResult {
  try {
    return { ok: true, description: parseSdp(text, options) };
  } catch (error) {
    if (error instanceof SdpSyntaxError) return { ok: false, error };
    throw error;
  }
}

function dropUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}

function splitAttribute(value: string): [string, string | undefined] {
  const colon = value.indexOf(':');
  return colon < 0 ? [value, undefined] : [value.slice(0, colon), value.slice(colon + 1)];
}

function parseOrigin(
  value: string,
  fail: (code: SdpSyntaxErrorCode, reason: string) => never,
): SdpOrigin {
  const parts = value.split(' ');
  if (parts.length !== 6 || parts.some((p) => p === '')) {
    fail(
      'bad-origin',
      'expected "o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>"',
    );
  }
  const [username, sessionId, sessionVersion, netType, addrType, address] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^[0-9]+$/.test(sessionId) || !/^[0-9]+$/.test(sessionVersion)) {
    fail('bad-origin', 'the session id and version must be decimal numbers');
  }
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

function parseConnection(
  value: string,
  fail: (code: SdpSyntaxErrorCode, reason: string) => never,
): SdpConnection {
  const parts = value.split(' ');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    fail('bad-connection', 'expected "c=<nettype> <addrtype> <address>"');
  }
  return { netType: parts[0] as string, addrType: parts[1] as string, address: parts[2] as string };
}
