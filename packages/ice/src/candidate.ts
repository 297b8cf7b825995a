/**
 * ICE candidates (RFC 8445 §5.1) and their `candidate:` attribute (RFC 8839 §5.1).
 */
import { isIP } from 'node:net';
import { CandidateParseError } from './errors.js';

/** Candidate types, RFC 8445 §5.1.1. Relay candidates come from a TURN client (RFC 8656). */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** Transport of a candidate. Only `udp` is used for checks by this agent. */
export type CandidateTransport = 'udp' | 'tcp';

/** TCP candidate type, RFC 6544 §4.5. */
export type TcpType = 'active' | 'passive' | 'so';

/** A candidate, local or remote. */
export interface Candidate {
  /** RFC 8445 §5.1.1.3: equal for candidates of the same type, base IP, server and transport. */
  readonly foundation: string;
  /** Component id (1 for RTP or, with rtcp-mux, everything). */
  readonly component: number;
  readonly transport: CandidateTransport;
  /** RFC 8445 §5.1.2. */
  readonly priority: number;
  /** An IP literal, or a `<uuid>.local` mDNS name (RFC 8839 §5.1, draft-ietf-mmusic-mdns-ice-candidates). */
  readonly address: string;
  readonly port: number;
  readonly type: CandidateType;
  /** `raddr` / `rport`: the base of a reflexive or relayed candidate. */
  readonly relatedAddress?: string;
  readonly relatedPort?: number;
  readonly tcpType?: TcpType;
  /** `generation` extension (incremented at each ICE restart by some peers). */
  readonly generation?: number;
  /** `ufrag` extension: the ICE username fragment the candidate belongs to. */
  readonly ufrag?: string;
  /** Other extension attributes (`network-id`, `network-cost`, ...) in order. */
  readonly extensions?: readonly (readonly [string, string])[];
}

const TYPES: ReadonlySet<string> = new Set(['host', 'srflx', 'prflx', 'relay']);

/**
 * Parses a `candidate:` attribute (with or without a leading `a=` and `candidate:`), RFC 8839
 * §5.1. Throws {@link CandidateParseError}.
 *
 * ```text
 * candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
 *   [raddr <addr>] [rport <port>] *(<extension name> <value>)
 * ```
 */
export function parseCandidate(text: string): Candidate {
  let s = text.trim();
  if (s.startsWith('a=')) s = s.slice(2);
  if (s.startsWith('candidate:')) s = s.slice('candidate:'.length);
  const f = s.split(/\s+/);
  if (f.length < 8) throw new CandidateParseError(text, 'too few fields');
  const [foundation, comp, transport, prio, address, port, typ, type] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^[A-Za-z0-9+/]{1,32}$/.test(foundation)) {
    throw new CandidateParseError(text, 'bad foundation');
  }
  const component = Number(comp);
  if (!/^\d{1,3}$/.test(comp) || component < 1 || component > 256) {
    throw new CandidateParseError(text, 'bad component id');
  }
  const t = transport.toLowerCase();
  if (t !== 'udp' && t !== 'tcp') throw new CandidateParseError(text, `transport ${transport}`);
  if (!/^\d{1,10}$/.test(prio) || Number(prio) > 0xffffffff) {
    throw new CandidateParseError(text, 'bad priority');
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new CandidateParseError(text, 'bad port');
  }
  if (typ !== 'typ' || !TYPES.has(type)) throw new CandidateParseError(text, 'bad type');
  if (!isConnectionAddress(address)) throw new CandidateParseError(text, `bad address ${address}`);
  const out: {
    -readonly [K in keyof Candidate]: Candidate[K];
  } = {
    foundation,
    component,
    transport: t,
    priority: Number(prio),
    address,
    port: Number(port),
    type: type as CandidateType,
  };
  const extensions: [string, string][] = [];
  for (let i = 8; i < f.length; i += 2) {
    const name = f[i]!;
    const value = f[i + 1];
    if (value === undefined) throw new CandidateParseError(text, `no value for ${name}`);
    switch (name) {
      case 'raddr':
        if (!isConnectionAddress(value)) throw new CandidateParseError(text, `bad raddr ${value}`);
        out.relatedAddress = value;
        break;
      case 'rport':
        if (!/^\d{1,5}$/.test(value)) throw new CandidateParseError(text, 'bad rport');
        out.relatedPort = Number(value);
        break;
      case 'tcptype':
        if (value !== 'active' && value !== 'passive' && value !== 'so') {
          throw new CandidateParseError(text, 'bad tcptype');
        }
        out.tcpType = value;
        break;
      case 'generation':
        if (!/^\d+$/.test(value)) throw new CandidateParseError(text, 'bad generation');
        out.generation = Number(value);
        break;
      case 'ufrag':
        out.ufrag = value;
        break;
      default:
        extensions.push([name, value]);
    }
  }
  if (extensions.length > 0) out.extensions = extensions;
  return out;
}

/**
 * RFC 8839 §5.1 `connection-address` (RFC 4566 `unicast-address`): an IPv4 address of four
 * decimal-uchar (0-255), an IPv6 address, or a name (an mDNS `.local` one, RFC 8839 §5.1).
 * A name is DNS labels of letters, digits and hyphens whose last label is not all digits
 * (RFC 3696 §2), so that `999.1.1.1` is neither an IPv4 address nor a name, as a WHATWG URL
 * host parser also refuses it.
 */
function isConnectionAddress(address: string): boolean {
  if (isIP(address) !== 0) return true;
  if (address.length === 0 || address.length > 253) return false;
  const labels = address.replace(/\.$/, '').split('.');
  if (/^\d+$/.test(labels.at(-1) ?? '')) return false;
  return labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** Serializes a candidate as `candidate:...` (no `a=`), RFC 8839 §5.1. */
export function serializeCandidate(c: Candidate): string {
  let s = `candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.relatedAddress !== undefined) s += ` raddr ${c.relatedAddress}`;
  if (c.relatedPort !== undefined) s += ` rport ${c.relatedPort}`;
  if (c.tcpType !== undefined) s += ` tcptype ${c.tcpType}`;
  if (c.generation !== undefined) s += ` generation ${c.generation}`;
  if (c.ufrag !== undefined) s += ` ufrag ${c.ufrag}`;
  for (const [k, v] of c.extensions ?? []) s += ` ${k} ${v}`;
  return s;
}

/** True when the address is an mDNS name (`<name>.local`) rather than an IP literal. */
export function isMdnsName(address: string): boolean {
  return address.toLowerCase().endsWith('.local');
}

/** A short label for logs: `host udp 192.0.2.1:5000`. */
export function describeCandidate(c: Candidate): string {
  const addr = c.address.includes(':') ? `[${c.address}]` : c.address;
  return `${c.type} ${c.transport} ${addr}:${c.port}`;
}
