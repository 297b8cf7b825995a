/**
 * webrtc-pc "validate an ICE server", run by the constructor and `setConfiguration()`: each
 * `urls` entry is parsed as a WHATWG URL, its host and port as those of an `https:` URL (so that
 * `stun:ex%61mple.net`, `stun:[2001::1]` or `stun:Ｇｏ.com` mean what a browser takes them to
 * mean), and the server becomes the canonical `scheme:host:port[?transport=]` form that
 * `@x/ice` parses. What a browser rejects throws the same error here (TypeError, SyntaxError,
 * InvalidAccessError); what this stack does not implement (`stuns:`, `turns:` over UDP) throws
 * NotSupportedError instead of being ignored.
 */
import type { ManagerConfig } from '@x/network';
import type { RTCIceServer } from './rtc-types.js';

/** TURN usernames longer than this many UTF-8 bytes are refused (RFC 8489 §14.3: < 513). */
const MAX_USERNAME_BYTES = 509;

const DEFAULT_PORT = { stun: 3478, turn: 3478, stuns: 5349, turns: 5349 } as const;
type Scheme = keyof typeof DEFAULT_PORT;

/** One checked URL: what `@x/ice` is given. */
interface CheckedUrl {
  readonly scheme: Scheme;
  readonly canonical: string;
}

const syntaxError = (url: string, why: string): DOMException =>
  new DOMException(`ICE server URL ${JSON.stringify(url)}: ${why}`, 'SyntaxError');

/** The port given in `authority` (host and optional port), or undefined when there is none. */
function explicitPort(authority: string): number | undefined {
  // Two special schemes with different default ports: a port equal to one default is
  // dropped by that parse only, so whichever reports a port has the one that was written.
  for (const scheme of ['https', 'http']) {
    const port = new URL(`${scheme}://${authority}`).port;
    if (port !== '') return Number(port);
  }
  return undefined;
}

function checkUrl(url: string): CheckedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw syntaxError(url, 'not a URL');
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (!(scheme in DEFAULT_PORT))
    throw syntaxError(url, 'the scheme is not stun, stuns, turn or turns');
  if (parsed.host !== '') throw syntaxError(url, 'write scheme:host[:port], without //');
  if (parsed.hash !== '') throw syntaxError(url, 'a fragment is not allowed');
  const s = scheme as Scheme;
  let transport: 'udp' | 'tcp' | undefined;
  if (parsed.search !== '') {
    if (s === 'stun' || s === 'stuns') throw syntaxError(url, 'a stun: URL has no query');
    const m = /^\?transport=([A-Za-z0-9\-._~]+)$/.exec(parsed.search);
    if (m === null) throw syntaxError(url, 'the only query is ?transport=');
    if (m[1] !== 'udp' && m[1] !== 'tcp') {
      throw new DOMException(`${url}: transport ${m[1]} is not supported`, 'NotSupportedError');
    }
    transport = m[1];
  }
  let host: string;
  let port: number | undefined;
  try {
    host = new URL(`https://${parsed.pathname}`).hostname;
    port = explicitPort(parsed.pathname);
  } catch {
    throw syntaxError(url, 'bad host or port');
  }
  if (host === '') throw syntaxError(url, 'no host');
  if (s === 'stuns') {
    throw new DOMException(`${url}: STUN over TLS is not supported`, 'NotSupportedError');
  }
  if (s === 'turns' && transport === 'udp') {
    throw new DOMException(`${url}: TURN over DTLS is not supported`, 'NotSupportedError');
  }
  if (port === 0) throw new DOMException(`${url}: port 0 cannot be reached`, 'NotSupportedError');
  const query = transport !== undefined ? `?transport=${transport}` : '';
  return { scheme: s, canonical: `${s}:${host}:${port ?? DEFAULT_PORT[s]}${query}` };
}

/** An ICE server as the Manager (and `@x/ice`) takes it. */
type IceServer = NonNullable<ManagerConfig['iceServers']>[number];

/** An `RTCIceServer` as the configuration keeps it (`urls` always a list), and as `@x/ice` takes it. */
export interface CheckedIceServer {
  readonly server: RTCIceServer & { urls: string[] };
  readonly ice: IceServer;
}

/**
 * Runs "validate an ICE server" on every entry of `iceServers` (undefined: none). Throws
 * TypeError for what WebIDL would not convert, SyntaxError for a URL that does not parse,
 * InvalidAccessError for a TURN server without username and credential, NotSupportedError for
 * what this stack does not implement.
 */
export function checkIceServers(iceServers: unknown): CheckedIceServer[] {
  if (iceServers === undefined) return [];
  if (iceServers === null || typeof iceServers !== 'object' || !(Symbol.iterator in iceServers)) {
    throw new TypeError('iceServers must be a sequence of RTCIceServer');
  }
  return Array.from(iceServers as Iterable<unknown>, (entry, i) => {
    if (entry === null || typeof entry !== 'object') {
      throw new TypeError(`iceServers[${i}] is not an RTCIceServer`);
    }
    const { urls, username, credential } = entry as Record<string, unknown>;
    if (urls === undefined) throw new TypeError(`iceServers[${i}].urls is required`);
    const list =
      typeof urls === 'object' && urls !== null && Symbol.iterator in urls
        ? Array.from(urls as Iterable<unknown>, String)
        : [String(urls)];
    if (list.length === 0) throw new DOMException(`iceServers[${i}].urls is empty`, 'SyntaxError');
    const checked = list.map(checkUrl);
    const user = username === undefined ? undefined : String(username);
    const pass = credential === undefined ? undefined : String(credential);
    if (checked.some((u) => u.scheme === 'turn' || u.scheme === 'turns')) {
      if (user === undefined || pass === undefined) {
        throw new DOMException(
          `iceServers[${i}]: a TURN server needs username and credential`,
          'InvalidAccessError',
        );
      }
      if (Buffer.byteLength(user) > MAX_USERNAME_BYTES) {
        throw new DOMException(
          `iceServers[${i}]: username is longer than ${MAX_USERNAME_BYTES} bytes`,
          'InvalidAccessError',
        );
      }
    }
    const credentials = {
      ...(user !== undefined ? { username: user } : {}),
      ...(pass !== undefined ? { credential: pass } : {}),
    };
    return {
      server: { urls: list, ...credentials },
      ice: { urls: checked.map((u) => u.canonical), ...credentials },
    };
  });
}
