/** The one assertion every hostile-input test makes: a typed core error naming its culprits. */
import assert from 'node:assert/strict';
import { CoreError } from '../../src/core/index.ts';

/** Asserts that `e` is the typed core error `code` (or one of `code`) naming exactly `culprits`. */
export function isCoreError(
  e: unknown,
  code: string | readonly string[],
  culprits: readonly number[],
): true {
  assert.ok(e instanceof CoreError, `expected a CoreError ${String(code)}, got ${String(e)}`);
  assert.ok(
    ([] as string[]).concat(code).includes(e.code),
    `expected ${String(code)}, got ${e.code}: ${e.message}`,
  );
  assert.deepEqual([...e.culprits], [...culprits]);
  return true;
}

/** Asserts `fn` throws the typed core error `code` (or one of `code`) naming exactly `culprits`. */
export function rejects(
  fn: () => unknown,
  code: string | readonly string[],
  culprits: readonly number[],
): void {
  assert.throws(fn, (e: unknown) => isCoreError(e, code, culprits));
}
