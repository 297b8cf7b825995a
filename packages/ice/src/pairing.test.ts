/**
 * The candidate sets and the pairs they form (RFC 8445 §6.1.2.2), peer-reflexive candidates
 * on both sides (§7.2.5.3.1, §7.3.1.3) and their replacement by signalled ones (RFC 8838 §11.1).
 */
import { describe, expect, it } from 'vitest';
import { ConnectivityChecks } from './checks.js';
import { Nomination } from './nomination.js';
import { Pairing } from './pairing.js';
import { candidate, recordingBase, testSession } from './testing-session.js';

function setup() {
  const t = testSession();
  const checks = new ConnectivityChecks(t.session, () => {});
  const pairing = new Pairing(
    t.session,
    checks,
    new Nomination(
      t.session,
      checks,
      () => {},
      () => {},
    ),
  );
  return { ...t, checks, pairing };
}

const from = (address: string, port: number) => ({ address, port, family: 'IPv4' as const });

describe('Pairing', () => {
  it('pairs every new base with every remote and back; reflexive candidates add no pair', () => {
    const { session, checks, pairing, seen } = setup();
    const b0 = recordingBase(0, '10.0.0.1', 4000);
    pairing.addLocal({ candidate: b0.host, base: b0 }, true);
    expect(seen.announced).toEqual([{ ...b0.host, ufrag: 'LOCA' }]);
    pairing.addRemote(candidate('10.0.0.2', 5000), '10.0.0.2');
    pairing.addRemote(candidate('2001:db8::2', 5000), '2001:db8::2'); // another family
    expect(session.list.pairs.map((p) => p.toString())).toEqual([
      'host udp 10.0.0.1:4000 <-> host udp 10.0.0.2:5000',
    ]);
    const b1 = recordingBase(1, '10.0.0.5', 4000);
    pairing.addLocal({ candidate: b1.host, base: b1 }, false);
    pairing.addLocal({ candidate: candidate('203.0.113.1', 4000, 'srflx'), base: b0 }, true);
    pairing.addLocal({ candidate: b1.host, base: b1 }, true); // known: ignored
    expect(session.list.pairs.map((p) => p.toString())).toEqual([
      'host udp 10.0.0.1:4000 <-> host udp 10.0.0.2:5000',
      'host udp 10.0.0.5:4000 <-> host udp 10.0.0.2:5000',
    ]);
    expect(pairing.locals.map((l) => l.candidate.type)).toEqual(['host', 'host', 'srflx']);
    expect(seen.announced.map((c) => c?.address)).toEqual(['10.0.0.1', '203.0.113.1']);
    checks.stop();
  });

  it('a signalled candidate replaces the peer-reflexive one learned from a check', () => {
    const { session, checks, pairing } = setup();
    const b0 = recordingBase(0, '10.0.0.1', 4000);
    pairing.addLocal({ candidate: b0.host, base: b0 }, false);
    const pair = pairing.learnRemote(b0, from('10.0.0.9', 7000), 1234)!;
    expect(pair.remote).toMatchObject({ type: 'prflx', priority: 1234, address: '10.0.0.9' });
    expect(pairing.learnRemote(b0, from('10.0.0.9', 7000), 1234)).toBe(pair);
    const before = pair.priority;
    const host = candidate('10.0.0.9', 7000);
    pairing.addRemote(host, '10.0.0.9');
    expect(pairing.remotes).toEqual([{ ...host, ip: '10.0.0.9' }]);
    expect(pair.remote).toBe(pairing.remotes[0]);
    expect(pair.priority).not.toBe(before);
    // A second signalled candidate at that address changes nothing.
    pairing.addRemote(candidate('10.0.0.9', 7000, 'srflx'), '10.0.0.9');
    expect(pairing.remotes.map((r) => r.type)).toEqual(['host']);
    expect(session.list.pairs).toEqual([pair]);
    checks.stop();
  });

  it('learns a peer-reflexive local candidate once, without announcing it', () => {
    const { checks, pairing, seen } = setup();
    const b0 = recordingBase(0, '10.0.0.1', 4000);
    pairing.addLocal({ candidate: b0.host, base: b0 }, true);
    pairing.addRemote(candidate('10.0.0.2', 5000), '10.0.0.2');
    const pair = pairing.learnRemote(b0, from('10.0.0.2', 5000), 1)!;
    pairing.learnLocal(pair, from('198.51.100.7', 9999));
    pairing.learnLocal(pair, from('198.51.100.7', 9999));
    pairing.learnLocal(pair, from('10.0.0.1', 4000)); // the host candidate itself
    expect(pairing.locals.map((l) => [l.candidate.type, l.candidate.address, l.base])).toEqual([
      ['host', '10.0.0.1', b0],
      ['prflx', '198.51.100.7', b0],
    ]);
    expect(pairing.locals[1]!.candidate).toMatchObject({
      relatedAddress: '10.0.0.1',
      relatedPort: 4000,
    });
    expect(seen.announced.length).toBe(1);
    checks.stop();
  });
});
