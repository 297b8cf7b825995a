/**
 * STUN and TURN server URLs: RFC 7064 (`stun:`, `stuns:`) and RFC 7065 (`turn:`, `turns:`,
 * `?transport=`).
 */
import { IceConfigError } from './errors.js';

/** An ICE server as given to the agent (the shape of W3C `RTCIceServer`). */
export interface IceServer {
  /** One URL or several: `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`. */
  readonly urls: string | readonly string[];
  /** TURN username (long-term credentials). */
  readonly username?: string;
  /** TURN password. */
  readonly credential?: string;
}

/** A parsed server URL. */
export interface IceServerUrl {
  readonly scheme: 'stun' | 'stuns' | 'turn' | 'turns';
  readonly host: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
  readonly username?: string;
  readonly credential?: string;
}

/** Parses one URL; throws {@link IceConfigError} with `field` naming where it came from. */
export function parseIceServerUrl(url: string, field = 'iceServers'): IceServerUrl {
  const m =
    /^(stuns?|turns?):(\[[0-9a-fA-F:.]+\]|[^:?[\]\s/]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/.exec(
      url,
    );
  if (m === null) throw new IceConfigError(field, `bad ICE server URL ${JSON.stringify(url)}`);
  const scheme = m[1] as IceServerUrl['scheme'];
  const secure = scheme === 'stuns' || scheme === 'turns';
  const port = m[3] !== undefined ? Number(m[3]) : secure ? 5349 : 3478;
  if (port < 1 || port > 65535) throw new IceConfigError(field, `bad port in ${url}`);
  if (m[4] !== undefined && scheme.startsWith('stun')) {
    throw new IceConfigError(field, `?transport is only for turn: URLs (${url})`);
  }
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  const transport = (m[4] as 'udp' | 'tcp' | undefined) ?? (secure ? 'tcp' : 'udp');
  return { scheme, host, port, transport };
}

/** Flattens and parses a server list; TURN URLs carry the server's credentials. */
export function parseIceServers(servers: readonly IceServer[]): IceServerUrl[] {
  const out: IceServerUrl[] = [];
  servers.forEach((s, i) => {
    const urls = typeof s.urls === 'string' ? [s.urls] : s.urls;
    for (const u of urls) {
      const parsed = parseIceServerUrl(u, `iceServers[${i}]`);
      if (parsed.scheme.startsWith('turn')) {
        if (s.username === undefined || s.credential === undefined) {
          throw new IceConfigError(`iceServers[${i}]`, `${u} needs username and credential`);
        }
        out.push({ ...parsed, username: s.username, credential: s.credential });
      } else {
        out.push(parsed);
      }
    }
  });
  return out;
}
