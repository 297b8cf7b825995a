import { describe, expect, it } from 'vitest';
import type { Candidate } from './candidate.js';
import { type LocalBase, PairState } from './candidate-pair.js';
import { Checklist } from './checklist.js';

const cand = (address: string, port: number, foundation = '1', priority = 100): Candidate => ({
  foundation,
  component: 1,
  transport: 'udp',
  priority,
  address,
  port,
  type: 'host',
});
const base = (address: string): LocalBase =>
  ({
    id: 0,
    address,
    port: 1,
    family: address.includes(':') ? 'IPv6' : 'IPv4',
    host: cand(address, 1),
  }) as LocalBase;

describe('Checklist', () => {
  it('pairs same-family candidates, keeps loopback apart unless the path was learned', () => {
    const list = new Checklist();
    const lo = base('127.0.0.1');
    expect(list.form(lo, lo.host, cand('::1', 5), '::1', true, false)).toBeUndefined();
    expect(list.form(lo, lo.host, cand('192.0.2.2', 5), '192.0.2.2', true, false)).toBeUndefined();
    // A check from 192.0.2.2 reached our 127.0.0.1 socket: that path works.
    expect(
      list.form(lo, lo.host, cand('192.0.2.2', 5), '192.0.2.2', true, false, true),
    ).toBeDefined();
    expect(list.form(lo, lo.host, cand('127.0.0.1', 6), '127.0.0.1', true, false)).toBeDefined();
    expect(list.pairs.length).toBe(2);
  });

  it('freezes pairs of a foundation being checked, orders checks, unfreezes on success', () => {
    const list = new Checklist();
    const b = base('10.0.0.1');
    const p1 = list.form(b, b.host, cand('10.0.0.2', 1, 'f', 100), '10.0.0.2', true, false)!;
    const p2 = list.form(b, b.host, cand('10.0.0.2', 2, 'f', 200), '10.0.0.2', true, false)!;
    const p3 = list.form(b, b.host, cand('10.0.0.3', 3, 'g', 50), '10.0.0.3', true, false)!;
    expect([p1.state, p2.state, p3.state]).toEqual([
      PairState.Waiting,
      PairState.Frozen,
      PairState.Waiting,
    ]);
    expect(list.next(undefined)).toBe(p1); // highest Waiting
    p1.state = PairState.InProgress;
    list.triggered.push(p3);
    expect(list.next(undefined)).toBe(p3); // triggered first
    p3.state = PairState.Succeeded;
    expect(list.next(undefined)).toBe(p2); // then a Frozen one
    list.unfreeze('1:f');
    expect(p2.state).toBe(PairState.Waiting);
    expect(list.running()).toBe(true);
    list.clear();
    expect(list.hasWork()).toBe(false);
  });
});
