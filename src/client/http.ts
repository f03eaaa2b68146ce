/**
 * A typed client for the control API (fetch only: runs on Node, Bun, Deno and browsers). It signs
 * every request with an initiator key and, given the cluster manifest, verifies every node's
 * attestation and every signature before returning it.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/curves/utils.js';
import { signApproval, signHttp, type InitiatorSecret } from '../auth/signed-http.ts';
import type { Manifest } from '../node/manifest.ts';
import { verifyAttestation, type Curve, type NodeResult } from '../node/requests.ts';

/** A key's public record. `threshold` is the minimum number of signers. */
export interface KeyInfo {
  keyId: string;
  threshold: number;
  parties: string[];
  curves?: Curve[];
  publicKeys: Partial<Record<Curve, string>>;
  chainCode?: string;
  requestId?: string;
  attestations: NodeResult[];
}

/** A threshold signature. */
export interface SignatureResult {
  keyId: string;
  curve: Curve;
  /** r ‖ s (ECDSA, low-s) or R ‖ S (Ed25519), hex. */
  signature: string;
  r: string;
  s: string;
  recoveryId?: number;
  /** The (derived, for a derivation path) public key that verifies the signature. */
  publicKey: string;
  signers: string[];
  derivationPath?: number[];
  requestId: string;
  attestations: NodeResult[];
}

/** The API answered with an error. */
export class TesseraApiError extends Error {
  override name = 'TesseraApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly culprits: string[] = [],
  ) {
    super(message);
  }
}

/** A result failed verification: a forged attestation or a signature that does not verify. */
export class VerificationError extends Error {
  override name = 'VerificationError';
}

/** Client options. */
export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  initiator: InitiatorSecret;
  /** The cluster manifest: with it, attestations are verified against the nodes' keys. */
  manifest?: Manifest;
  fetch?: typeof fetch;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Authorizer keys whose approvals are attached to every operation (for m-of-k policies). */
  approvers?: InitiatorSecret[];
}

/** Per-call options. */
export interface CallOptions {
  /** Makes a retry return the first answer instead of running twice. */
  idempotencyKey?: string;
}

const toHex = (m: Uint8Array | string) => (typeof m === 'string' ? m.toLowerCase() : bytesToHex(m));

/** The Tessera control API client. */
export class TesseraClient {
  private readonly fetch: typeof fetch;
  constructor(readonly opts: ClientOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Sends one signed request and parses the JSON answer (TesseraApiError on an error status). */
  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, call: CallOptions = {}): Promise<T> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = { ...signHttp(this.opts.initiator, method, path, text), ...(text ? { 'content-type': 'application/json' } : {}) };
    if (this.opts.approvers?.length) headers['X-Tessera-Approvals'] = this.opts.approvers.map((a) => signApproval(a, method, path, text, headers)).join(' ');
    if (call.idempotencyKey) headers['Idempotency-Key'] = call.idempotencyKey;
    const res = await this.fetch(new URL(path, this.opts.url), { method, headers, body: text || undefined, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 180_000) });
    const json = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string; culprits?: string[] } } | undefined;
    if (!res.ok) throw new TesseraApiError(res.status, json?.error?.code ?? 'HTTP_ERROR', json?.error?.message ?? `HTTP ${res.status}`, json?.error?.culprits ?? []);
    return json as T;
  }

  private attested(results: NodeResult[], requestId: string | undefined, expect: string[]): void {
    const m = this.opts.manifest;
    if (!m) return;
    for (const r of results) {
      if (!verifyAttestation(m, r)) throw new VerificationError(`attestation by ${r.nodeId} does not verify`);
      if (!r.ok || (requestId && r.requestId !== requestId)) throw new VerificationError(`attestation by ${r.nodeId} is for another outcome`);
    }
    const by = new Set(results.map((r) => r.nodeId));
    const missing = expect.filter((p) => !by.has(p));
    if (missing.length) throw new VerificationError(`no attestation from ${missing.join(', ')}`);
  }

  /** Generates a key; `threshold` is the minimum number of signers. */
  async createKey(p: { threshold: number; parties?: string[]; curves?: Curve[] }, call?: CallOptions): Promise<KeyInfo> {
    const k = await this.request<KeyInfo>('POST', '/v1/keys', p, call);
    this.attested(k.attestations, k.requestId, k.parties);
    for (const a of k.attestations) {
      if (JSON.stringify((a.result as { publicKeys?: unknown }).publicKeys) !== JSON.stringify(k.publicKeys)) throw new VerificationError(`${a.nodeId} attested different public keys`);
    }
    return k;
  }

  /** A key's public record. */
  async getKey(keyId: string): Promise<KeyInfo> {
    return this.request<KeyInfo>('GET', `/v1/keys/${encodeURIComponent(keyId)}`);
  }

  /** Signs `message` (secp256k1: a 32-byte digest) and verifies the signature before returning it. */
  async sign(keyId: string, p: { curve: Curve; message: Uint8Array | string; derivationPath?: number[]; signers?: string[] }, call?: CallOptions): Promise<SignatureResult> {
    const message = toHex(p.message);
    const s = await this.request<SignatureResult>('POST', `/v1/keys/${encodeURIComponent(keyId)}/sign`, { curve: p.curve, message, ...(p.derivationPath ? { derivationPath: p.derivationPath } : {}), ...(p.signers ? { signers: p.signers } : {}) }, call);
    this.attested(s.attestations, s.requestId, s.signers);
    for (const a of s.attestations) {
      if ((a.result as { signature?: string }).signature !== s.signature) throw new VerificationError(`${a.nodeId} attested a different signature`);
    }
    const ok = p.curve === 'ed25519' ? ed25519.verify(hexToBytes(s.signature), hexToBytes(message), hexToBytes(s.publicKey)) : secp256k1.verify(hexToBytes(s.signature), hexToBytes(message), hexToBytes(s.publicKey), { prehash: false });
    if (!ok) throw new VerificationError('the returned signature does not verify');
    return s;
  }

  /** Moves a key to `parties` with `threshold` (minimum signers); public keys stay the same. */
  async reshare(keyId: string, p: { threshold: number; parties: string[] }, call?: CallOptions): Promise<KeyInfo> {
    const k = await this.request<KeyInfo>('POST', `/v1/keys/${encodeURIComponent(keyId)}/reshare`, p, call);
    this.attested(k.attestations, k.requestId, p.parties);
    return k;
  }

  /** Refreshes every share of a key; public keys stay the same. */
  async refresh(keyId: string, call?: CallOptions): Promise<KeyInfo> {
    const k = await this.request<KeyInfo>('POST', `/v1/keys/${encodeURIComponent(keyId)}/refresh`, undefined, call);
    this.attested(k.attestations, k.requestId, k.parties);
    return k;
  }

  /** `GET /readyz` (no signature needed). */
  async ready(): Promise<{ status: string; notReady?: string[] }> {
    const res = await this.fetch(new URL('/readyz', this.opts.url));
    return (await res.json()) as { status: string; notReady?: string[] };
  }
}
