/**
 * Child processes for the recipe suite: start a server, wait until its
 * loopback port accepts connections (failing early, with its output, when
 * it exits), and stop it and everything it started.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

/** A running child process (its own process group, so that its children stop with it). */
export interface Proc {
  name: string;
  child: ChildProcess;
  /** stdout and stderr so far (the last 20,000 characters). */
  output(): string;
  /** Whether it has exited, and how. */
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  stop(): Promise<void>;
}

const running = new Set<Proc>();

/** Start `command args` in `cwd`, detached into its own process group. */
export function startProcess(name: string, command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Proc {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exited = { code, signal };
      resolve();
    });
    child.on('error', (e) => {
      out += `\n${String(e)}`;
      proc.exited = { code: -1, signal: null };
      resolve();
    });
  });
  const proc: Proc = {
    name,
    child,
    exited: null,
    output: () => out,
    stop: async () => {
      running.delete(proc);
      if (proc.exited === null && child.pid !== undefined) {
        signalGroup(child.pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(child.pid as number, 'SIGKILL'), 5000);
        await exitedPromise;
        clearTimeout(timer);
      }
      // Anything the process left behind in its group (workers) goes too.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    },
  };
  running.add(proc);
  return proc;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Stop every process this suite started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** A free loopback port (the kernel's pick; released just before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Wait until 127.0.0.1:port accepts connections; throw with the process output when it exits or takes too long. */
export async function waitForPort(proc: Proc, port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exited !== null) {
      throw new Error(`${proc.name} exited (code ${proc.exited.code}, signal ${proc.exited.signal}) before listening on 127.0.0.1:${port}:\n${proc.output()}`);
    }
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Run a command to completion; resolves with its exit code and output. */
export function runToEnd(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}\n${String(e)}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The tools the suite runs, where Debian puts them, and the package that has them. */
export const TOOLS = {
  nginx: { path: '/usr/sbin/nginx', pkg: 'nginx' },
  caddy: { path: '/usr/bin/caddy', pkg: 'caddy' },
  apache2: { path: '/usr/sbin/apache2', pkg: 'apache2-bin' },
  go: { path: '/usr/bin/go', pkg: 'golang-go' },
  rsCors: { path: '/usr/share/gocode/src/github.com/rs/cors/cors.go', pkg: 'golang-github-rs-cors-dev' },
  python3: { path: '/usr/bin/python3', pkg: 'python3' },
  flaskCors: { path: '/usr/lib/python3/dist-packages/flask_cors/__init__.py', pkg: 'python3-flask-cors' },
  djangoCors: { path: '/usr/lib/python3/dist-packages/corsheaders/__init__.py', pkg: 'python3-django-cors-headers' },
} as const;

/** The path of a tool; throws a clear error (never a skip) when it is not installed. */
export function requireTool(tool: keyof typeof TOOLS): string {
  const { path, pkg } = TOOLS[tool];
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the recipe suite runs this recipe for real and needs Debian's ${pkg}. ` +
        `Install it with 'apt-get install -y ${pkg}' (npm test does this when run as root).`,
    );
  }
  return path;
}

/** The built package, which the Node recipes import as `corsproof/...` (npm test builds first). */
export function requireBuilt(): void {
  for (const file of ['dist/adapters/express.js', 'dist/adapters/fastify.js', 'dist/adapters/koa.js', 'dist/adapters/hono.js', 'dist/adapters/fetch.js']) {
    if (!existsSync(join(root, file))) {
      throw new Error(`${file} is missing: the recipes import 'corsproof/...' from the built package. Run 'npm run build' first (npm test does).`);
    }
  }
}
