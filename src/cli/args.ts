/**
 * Argument helpers shared by CLI commands: one-line usage errors, never stack traces.
 * @module
 */

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses a positive integer option. */
export function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return Number(value);
}

/** Parses a comma-separated list of positive integers. */
export function intListOption(name: string, value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new UsageError(`--${name} must be a comma-separated list of party ids, got "${value}"`);
  return parts.map(Number);
}

/** Parses a hex option into bytes. */
export function hexOption(name: string, value: string): Uint8Array {
  const v = value.startsWith('0x') ? value.slice(2) : value;
  if (v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) throw new UsageError(`--${name} must be hex, got "${value}"`);
  return Uint8Array.from(v.match(/../g) ?? [], (b) => parseInt(b, 16));
}
