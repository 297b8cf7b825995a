import { afterEach, expect, it } from 'vitest';
import { LateStateChangeError, StateMachine } from './notifier.js';
import { strictStateMachines } from './testing/index.js';

afterEach(() => strictStateMachines(true)); // the repository's test setup runs strict

it('ignores and reports a change after the terminal state, and throws it under strictStateMachines()', () => {
  const seen: string[] = [];
  const errors: unknown[] = [];
  const m = new StateMachine<string, string>(
    'new',
    (s) => seen.push(s),
    (e) => errors.push(e),
    'closed',
  );
  expect(m.set('open', 'x')).toBe(true);
  expect(m.set('closed', 'x')).toBe(true);
  expect(() => m.set('open', 'late')).toThrow(LateStateChangeError);
  strictStateMachines(false);
  expect(m.set('open', 'late')).toBe(false);
  expect(m.state).toBe('closed');
  expect(seen).toEqual(['open', 'closed']);
  expect(errors).toHaveLength(1);
  expect(String(errors[0])).toMatch(/open set after the terminal state closed/);
  expect(m.set('closed', 'again')).toBe(false); // the same state is no change, no report
  expect(errors).toHaveLength(1);
});
