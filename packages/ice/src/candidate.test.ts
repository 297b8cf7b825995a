import { describe, expect, it } from 'vitest';
import { parseCandidate, serializeCandidate } from './candidate.js';
import { CandidateParseError } from './errors.js';
import { parseIceServerUrl } from './ice-server.js';
import { candidatePriority, localPreference, pairPriority } from './priority.js';

describe('candidate: attribute (RFC 8839 §5.1)', () => {
  it.each([
    'candidate:1 1 udp 2130706431 192.0.2.1 54400 typ host generation 0 ufrag abcd network-id 1',
    'candidate:842163049 1 udp 1677729535 203.0.113.7 61000 typ srflx raddr 10.0.0.2 rport 54400 generation 0',
    'candidate:3 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active',
    'candidate:4 1 udp 16777215 198.51.100.9 3478 typ relay raddr 203.0.113.7 rport 61000',
    'candidate:5 1 udp 2122260223 2001:db8::1 50000 typ host',
    'candidate:6 1 udp 2113937151 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 53125 typ host generation 0 ufrag Hm3Q network-cost 999',
    'candidate:7 1 udp 1677729535 198.51.100.1 9 typ srflx raddr 0.0.0.0 rport 0',
    'candidate:8 1 udp 2122260223 fe80::1%eth0 50000 typ host',
    'candidate:9 1 udp 2122260223 turn-1.example.net 3478 typ host',
  ])('round-trips %s', (line) => {
    const c = parseCandidate(line);
    expect(serializeCandidate(c)).toBe(line);
    expect(parseCandidate(`a=${line}`)).toEqual(c);
  });

  it('reads every field', () => {
    const c = parseCandidate(
      'a=candidate:7 1 TCP 1518280447 192.0.2.1 9 typ srflx raddr 10.0.0.1 rport 1 tcptype passive generation 2 ufrag uf12',
    );
    expect(c).toMatchObject({
      foundation: '7',
      component: 1,
      transport: 'tcp',
      priority: 1518280447,
      type: 'srflx',
      relatedAddress: '10.0.0.1',
      relatedPort: 1,
      tcpType: 'passive',
      generation: 2,
      ufrag: 'uf12',
    });
  });

  it.each([
    'candidate:1 1 udp 1 192.0.2.1 5 typ',
    'candidate:1 1 sctp 1 192.0.2.1 5 typ host',
    'candidate:1 1 udp x 192.0.2.1 5 typ host',
    'candidate:1 1 udp 1 192.0.2.1 70000 typ host',
    'candidate:1 1 udp 1 192.0.2.1 5 typ bogus',
    'candidate:1 1 udp 1 192.0.2.1 5 typ host rport',
    'candidate:1 1 udp 1 192.0.2.1 5 typ host tcptype x',
    'candidate:1 0 udp 1 192.0.2.1 5 typ host',
    // RFC 8839 connection-address: an IPv4 decimal-uchar is 0-255, and a name's last label
    // is not all digits (RFC 3696 §2).
    'candidate:1 1 udp 1 999.1.1.1 5 typ host',
    'candidate:1 1 udp 1 192.0.2 5 typ host',
    'candidate:1 1 udp 1 192.0.2.256 5 typ host',
    'candidate:1 1 udp 1 2001:db8::g 5 typ host',
    'candidate:1 1 udp 1 bad_name.local 5 typ host',
    'candidate:1 1 udp 1 -x.local 5 typ host',
    'candidate:1 1 udp 1 192.0.2.1 5 typ srflx raddr 300.0.0.1 rport 9',
  ])('rejects %s with a typed error', (line) => {
    expect(() => parseCandidate(line)).toThrow(CandidateParseError);
  });
});

describe('priorities (RFC 8445 §5.1.2, §6.1.2.3; RFC 8421)', () => {
  it('computes candidate priorities with type and local preference', () => {
    expect(candidatePriority('host', 65535)).toBe(2130706431);
    expect(candidatePriority('srflx', 65535)).toBe(1694498815);
    expect(candidatePriority('relay', 0)).toBe(255);
    expect(candidatePriority('host', 65535)).toBeGreaterThan(candidatePriority('prflx', 65535));
  });

  it('prefers earlier interfaces and interleaves families IPv6 first', () => {
    const v6a = localPreference(0, true, 0);
    const v4a = localPreference(0, false, 0);
    const v6b = localPreference(0, true, 1);
    const other = localPreference(1, true, 0);
    expect(v6a).toBeGreaterThan(v4a);
    expect(v4a).toBeGreaterThan(v6b);
    expect(v6b).toBeGreaterThan(other);
  });

  it('computes pair priorities symmetric in role', () => {
    const g = candidatePriority('host', 65535);
    const d = candidatePriority('srflx', 100);
    expect(pairPriority(g, d)).toBe((BigInt(d) << 32n) + 2n * BigInt(g) + 1n);
    expect(pairPriority(d, g)).toBe((BigInt(d) << 32n) + 2n * BigInt(g));
  });
});

describe('ICE server URLs (RFC 7064, RFC 7065)', () => {
  it('parses stun and turn URLs with defaults', () => {
    expect(parseIceServerUrl('stun:stun.example.org')).toMatchObject({
      host: 'stun.example.org',
      port: 3478,
      transport: 'udp',
    });
    expect(parseIceServerUrl('turns:[2001:db8::1]:443?transport=tcp')).toMatchObject({
      host: '2001:db8::1',
      port: 443,
      transport: 'tcp',
    });
    expect(parseIceServerUrl('turn:10.0.0.1?transport=udp')).toMatchObject({ port: 3478 });
    expect(() => parseIceServerUrl('stun:x?transport=tcp')).toThrow();
    expect(() => parseIceServerUrl('stun:')).toThrow();
  });
});
