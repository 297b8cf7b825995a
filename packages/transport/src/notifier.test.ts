import { expect, it } from 'vitest';
import { SerialNotifier, StateMachine } from './notifier.js';

it('delivers 10 000 changes once each, in order, committed before the handler runs', () => {
  const seen: number[] = [];
  const m: StateMachine<number, string> = new StateMachine(
    0,
    (s, c) => {
      expect(m.state).toBe(s); // committed before notify
      expect(c).toBe(`c${s}`);
      seen.push(s);
    },
    () => {},
  );
  for (let i = 1; i <= 10_000; i++) {
    expect(m.set(i, `c${i}`)).toBe(true);
    expect(m.set(i, `c${i}`)).toBe(false); // same state: no call
  }
  expect(seen.length).toBe(10_000);
  expect(seen.every((s, i) => s === i + 1)).toBe(true);
});

it('queues re-entrant changes after the current one and survives a throwing handler', () => {
  const seen: string[] = [];
  const errors: unknown[] = [];
  const m: StateMachine<string, number> = new StateMachine(
    'a',
    (s) => {
      seen.push(`start ${s}`);
      if (s === 'b') m.set('c', 0);
      if (s === 'c') throw new Error('boom');
      seen.push(`end ${s}`);
    },
    (e) => errors.push(e),
  );
  m.set('b', 0);
  m.set('d', 0);
  expect(seen).toEqual(['start b', 'end b', 'start c', 'start d', 'end d']);
  expect(errors.length).toBe(1);
  expect(m.handlerErrors).toBe(1);
  const n = new SerialNotifier<[number]>(
    () => {},
    () => {},
  );
  n.push(1);
  expect(n.errors).toBe(0);
});
