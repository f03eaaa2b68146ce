/**
 * The field rules every operation's parser uses (both request forms, so one set of VALIDATION
 * messages): node lists, thresholds, curves, and no unknown field.
 * @module
 */
import type { Manifest } from '../identity/manifest.ts';
import { RequestError, type Curve, type RequestEnvelope } from './request.ts';

/** Key ids: the same rule in a path, a direct request and a derived id. */
export const KEY_ID = /^[a-zA-Z0-9_-]{1,64}$/;
export const CURVES: readonly Curve[] = ['secp256k1', 'ed25519'];

/** What an operation's own fields may hold (its request minus the envelope and `op`). */
export type Fields<T> = T extends unknown ? Omit<T, 'op' | keyof RequestEnvelope> : never;

export const invalid = (message: string) => new RequestError('VALIDATION', message);

export function onlyFields(o: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length)
    throw invalid(
      `unknown field(s): ${extra.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; allowed: ${allowed.join(', ')}`,
    );
}

/** The field rule of an operation that takes none: any field is refused. */
export function noFields(_manifest: unknown, o: Record<string, unknown>): Record<string, never> {
  onlyFields(o, []);
  return {};
}

export function nodeList(v: unknown, field: string, manifest: Manifest): string[] {
  const known = new Set(manifest.nodes.map((n) => n.nodeId));
  if (!Array.isArray(v) || v.some((p) => typeof p !== 'string'))
    throw invalid(`${field} must be an array of node ids`);
  const list = v as string[];
  if (new Set(list).size !== list.length) throw invalid(`${field} must not repeat a node`);
  const unknown = list.filter((p) => !known.has(p));
  if (unknown.length)
    throw invalid(
      `${field}: unknown node(s) ${unknown
        .slice(0, 5)
        .map((p) => JSON.stringify(p.slice(0, 64)))
        .join(', ')}`,
    );
  return list;
}

export function thresholdOf(v: unknown, parties: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw invalid('threshold (the minimum number of signers) must be an integer');
  if (v < 2 || v > parties)
    throw invalid(
      `threshold (the minimum number of signers) must be between 2 and the number of parties (${parties})`,
    );
  return v;
}

export function curveOf(v: unknown): Curve {
  if (!CURVES.includes(v as Curve)) throw invalid(`curve must be one of ${CURVES.join(', ')}`);
  return v as Curve;
}

/** The largest Ed25519 message accepted (bytes). */
export const MAX_MESSAGE_BYTES = 16 * 1024;
