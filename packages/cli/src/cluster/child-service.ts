/**
 * One service of a local cluster as a child process: spawned in its own process group (so only
 * the cluster signals it, never a terminal's Ctrl-C directly), ready when a line of its stdout
 * matches, its output forwarded line by line with a `[name]` prefix, and stopped by pid with
 * SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildServiceSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Variables set for this child on top of its base environment. */
  readonly env: Record<string, string>;
  /** The base environment; undefined = this process's own, inherited. */
  readonly baseEnv?: Record<string, string | undefined> | undefined;
  readonly cwd: string;
  /** The service is ready when a stdout line matches; the match is returned. */
  readonly ready: RegExp;
  readonly readyTimeoutMs: number;
  /** Still running after the ready timeout counts as ready (services that print no ready line). */
  readonly readyIfAlive?: boolean;
  /** Where prefixed output lines go (default: dropped). */
  readonly forward?: (line: string) => void;
}

export interface ChildService {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Settles when the process ended, with its exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  /** The last output lines (for error messages). */
  tail(): string;
  stop(graceMs: number): Promise<void>;
}

export class ChildServiceError extends Error {}

export async function startChildService(spec: ChildServiceSpec): Promise<{ service: ChildService; match: RegExpMatchArray }> {
  // Inheriting: `env K=V … command` adds the child's settings to the inherited environment (and
  // execs, so the pid is the service's), without this process reading its own environment.
  const [command, args, env] = spec.baseEnv === undefined
    ? ['env', [...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`), spec.command, ...spec.args], undefined]
    : [spec.command, [...spec.args], { ...spec.baseEnv, ...spec.env }];
  const child = spawn(command, args, { cwd: spec.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) throw new ChildServiceError(`${spec.name}: could not start ${spec.command}`);
  const recent: string[] = [];
  const remember = (line: string): void => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    spec.forward?.(`[${spec.name}] ${line}`);
  };
  let onStdoutLine: (line: string) => void = remember;
  createInterface({ input: child.stdout! }).on('line', (line) => onStdoutLine(line));
  createInterface({ input: child.stderr! }).on('line', remember);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const service: ChildService = {
    name: spec.name,
    pid: child.pid,
    process: child,
    exited,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    tail: () => recent.join('\n'),
    async stop(graceMs) {
      if (!service.alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (service.alive) child.kill('SIGKILL'); }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (spec.readyIfAlive === true && service.alive) resolve(Object.assign([''], { index: 0, input: '' }) as RegExpMatchArray);
      else reject(new ChildServiceError(`${spec.name} was not ready within ${spec.readyTimeoutMs} ms:\n${service.tail()}`));
    }, spec.readyTimeoutMs);
    onStdoutLine = (line) => {
      remember(line);
      const m = spec.ready.exec(line);
      if (m !== null) {
        clearTimeout(timer);
        onStdoutLine = remember;
        resolve(m);
      }
    };
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new ChildServiceError(`${spec.name} exited (${signal ?? `code ${String(code)}`}) before it was ready:\n${service.tail()}`));
    });
  }).catch(async (err: unknown) => {
    await service.stop(2_000);
    throw err;
  });
  return { service, match };
}
