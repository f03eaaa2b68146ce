/**
 * Argument helpers shared by CLI commands: one-line usage errors, never stack traces.
 * @module
 */
import { parseArgs } from 'node:util';

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

/** Parses named options strictly (no positionals); a bad command line is a UsageError. */
export function options(
  argv: string[],
  spec: Options,
): Record<string, string | boolean | string[] | undefined> {
  try {
    return parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false })
      .values as Record<string, string | boolean | string[] | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
}

/** Parses a positive integer option. */
export function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value))
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return Number(value);
}

/** Parses a comma-separated list of positive integers. */
export function intListOption(name: string, value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p)))
    throw new UsageError(`--${name} must be a comma-separated list of party ids, got "${value}"`);
  return parts.map(Number);
}

/** Parses a hex option into bytes. */
export function hexOption(name: string, value: string): Uint8Array {
  const v = value.startsWith('0x') ? value.slice(2) : value;
  if (v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v))
    throw new UsageError(`--${name} must be hex, got "${value}"`);
  return Uint8Array.from(v.match(/../g) ?? [], (b) => parseInt(b, 16));
}
