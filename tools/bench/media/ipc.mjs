// Request and reply over the IPC channel between bench.mjs and its role processes: the parent
// calls an operation by name, the child answers with its result (or the error's message).
import { fork } from 'node:child_process';
import { once } from 'node:events';

/** In a role process: answers each `{ id, op, args }` with `handlers[op](...args)`. */
export function serve(handlers) {
  process.on('message', async ({ id, op, args }) => {
    try {
      const result = await handlers[op](...args);
      process.send({ id, result });
    } catch (error) {
      process.send({ id, error: `${op}: ${error?.stack ?? error}` });
    }
  });
  process.send({ ready: true });
}

/**
 * Starts `file` as a role process and resolves, once it is ready, with `call(op, ...args)`
 * (a promise of the child's result, failing after `ms`) and `stop()` (asks it to close, then
 * kills it if it has not exited within 5 s).
 */
export async function spawnRole(file, args, { ms = 60_000, execArgv = [] } = {}) {
  const proc = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const pending = new Map();
  let next = 0;
  const exited = once(proc, 'exit');
  const ready = new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code})`)));
    proc.on('message', (m) => {
      if (m.ready) resolve();
      const waiter = pending.get(m.id);
      if (waiter === undefined) return;
      pending.delete(m.id);
      if (m.error) waiter.reject(new Error(m.error));
      else waiter.resolve(m.result);
    });
  });
  proc.on('exit', () => {
    for (const w of pending.values()) w.reject(new Error(`${args.join(' ')} exited`));
    pending.clear();
  });
  const call = (op, ...callArgs) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${args.join(' ')}: no answer to ${op} in ${ms} ms`));
      }, ms);
      pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      proc.send({ id, op, args: callArgs });
    });
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await call('close').catch(() => {});
    await exited;
    clearTimeout(kill);
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return { call, stop, pid: proc.pid };
}
