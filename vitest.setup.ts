// Every test of every package fails when it leaves a socket, server or timer open
// (real or virtual). See startLeakCheck in @x/transport/testing.
import { type LeakCheck, startLeakCheck, strictStateMachines } from '@x/transport/testing';
import { afterEach, beforeEach } from 'vitest';

// A state change after Closed is a bug: it throws in every test (it is logged in production).
strictStateMachines();

let check: LeakCheck | undefined;

beforeEach(() => {
  check = startLeakCheck();
});

afterEach(async () => {
  const current = check;
  check = undefined;
  await current?.assertNoLeaks();
});
