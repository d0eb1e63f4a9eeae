import type { ChildProcess } from 'node:child_process';

// Small pieces every benchmark script uses.

/** `--name=value` from argv, else the environment variable, else the fallback. */
export function option(name: string, envName: string, fallback: string): string {
  const flag = process.argv.slice(2).find((arg) => arg.startsWith(`--${name}=`));
  return flag ? flag.slice(name.length + 3) : (process.env[envName] ?? fallback);
}

export function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

/** SIGTERM, then SIGKILL if it hasn't exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
