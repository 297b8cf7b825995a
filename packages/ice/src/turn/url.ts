/**
 * `turn:` and `turns:` URIs, RFC 7065 §3:
 *
 *     turnURI   = scheme ":" host [ ":" port ] [ "?transport=" transport ]
 *     scheme    = "turn" / "turns"
 *     transport = "udp" / "tcp" / transport-ext
 *
 * Defaults (RFC 7065 §3, RFC 8656 §3.1): port 3478 for `turn:`, 5349 for `turns:`; transport
 * UDP for `turn:` and TCP (under TLS) for `turns:`. `turns:...?transport=udp` would be DTLS,
 * which this client does not speak: it is rejected as a configuration error.
 */
import { TurnConfigError } from './errors.js';

/** A parsed TURN server URI. */
export interface TurnServerUrl {
  /** The URI as given (reported back in candidate errors). */
  readonly url: string;
  readonly scheme: 'turn' | 'turns';
  /** Host name or IP literal (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** Transport to the server: UDP, TCP, or TLS over TCP (`turns:`). */
  readonly transport: 'udp' | 'tcp' | 'tls';
}

const URI =
  /^(turns?):(\[[0-9a-fA-F:.%]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(?::(\d{1,5}))?(?:\?transport=([A-Za-z0-9.-]+))?$/;

/** The transport to the TURN server of `url` (W3C `relayProtocol`), or undefined for no TURN URI. */
export function turnTransportOf(url: string): TurnServerUrl['transport'] | undefined {
  try {
    return parseTurnUrl(url).transport;
  } catch {
    return undefined;
  }
}

/** Parses a `turn:`/`turns:` URI; throws {@link TurnConfigError} when it is not one. */
export function parseTurnUrl(url: string): TurnServerUrl {
  const m = URI.exec(url.trim());
  if (m === null) throw new TurnConfigError(`not a turn:/turns: URI: ${JSON.stringify(url)}`);
  const scheme = m[1] as 'turn' | 'turns';
  const secure = scheme === 'turns';
  const port = m[3] === undefined ? (secure ? 5349 : 3478) : Number(m[3]);
  if (port < 1 || port > 65_535) throw new TurnConfigError(`bad port in ${url}`);
  const t = m[4]?.toLowerCase();
  if (t !== undefined && t !== 'udp' && t !== 'tcp') {
    throw new TurnConfigError(`unsupported transport ${JSON.stringify(t)} in ${url}`);
  }
  if (secure && t === 'udp') {
    throw new TurnConfigError(
      `${url}: turns: over UDP (DTLS) is not supported, use ?transport=tcp`,
    );
  }
  const rawHost = m[2]!;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const transport = secure ? 'tls' : (t ?? 'udp') === 'udp' ? 'udp' : 'tcp';
  return { url, scheme, host, port, transport };
}
