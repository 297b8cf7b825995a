import { expect, it } from 'vitest';
import { resolveRoleConflict } from './role.js';

it.each([
  [true, 5n, 3n, undefined, 'reject'],
  [true, 5n, 5n, undefined, 'reject'],
  [true, 3n, 5n, undefined, 'switch'],
  [false, 5n, undefined, 3n, 'switch'],
  [false, 3n, undefined, 5n, 'reject'],
  [true, 3n, undefined, 5n, 'none'],
  [false, 3n, 5n, undefined, 'none'],
  [true, 3n, undefined, undefined, 'none'],
] as const)('controlling=%s ours=%s theirs=%s/%s: %s', (we, ours, ctl, ctd, expected) => {
  expect(resolveRoleConflict(we, ours, ctl, ctd)).toBe(expected);
});
