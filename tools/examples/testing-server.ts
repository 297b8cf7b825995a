// Test helper of the server examples (datachannel-server, voice-loop): starts `node
// server.mjs` in an example's folder on a free port, as a user would, and stops it.
import { type ChildProcess, spawn } from 'node:child_process';

export interface ExampleServer {
  /** The URL the server printed (`listening on http://…`). */
  readonly url: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM (once), then its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node server.mjs` in `dir` with `env` added; resolves once it listens. */
export async function startExampleServer(
  dir: string,
  env: Record<string, string>,
): Promise<ExampleServer> {
  const child: ChildProcess = spawn(process.execPath, ['server.mjs'], {
    cwd: dir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave the process behind: stop it, then report.
      void stop().then(() => reject(new Error(`the server did not start:\n${out}`)));
    }, 10_000);
    const look = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${out}`));
    });
  });
  return { url, output: () => out, stop };
}
