/**
 * What a request for one operation is on the wire, apart from how it is run: its name, its route,
 * how its fields are validated and who takes part. Each operation's `<op>/request.ts` provides
 * one; clients validate requests with it without loading any node code (run.ts has that).
 * @module
 */
import type { Manifest } from '../identity/manifest.ts';
import type { Fields } from '../requests/fields.ts';
import type { RequestEnvelope } from '../requests/request.ts';

/** The wire contract of one operation. `R` is its request. */
export interface OperationContract<R extends RequestEnvelope & { op: string }> {
  readonly op: R['op'];
  /** Addressed as POST /v1/keys/{keyId}/{op}; false: POST /v1/keys, which names a new key (and holds no lock yet). */
  readonly keyed: boolean;
  /** Validates and normalises the operation's own fields (both request forms; throws VALIDATION). */
  fields(manifest: Manifest, o: Record<string, unknown>): Fields<R>;
  /** Who must be ready before a node runs it (empty: nobody is waited for). */
  participants(r: R): string[];
}
