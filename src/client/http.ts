/**
 * A typed client for the control API (fetch only: runs on Node, Bun, Deno and browsers). It signs
 * every request with an initiator key and believes nothing the API says on its own: it derives
 * the operation and its request id from what it signed (as every node does), requires an
 * attestation from every expected node and checks what they attested (verify.ts). There is no
 * unverified mode: the cluster manifest is required.
 * @module
 */
import { bytesToHex } from '@noble/curves/utils.js';
import {
  requestIdOf,
  signApproval,
  signHttp,
  type InitiatorSecret,
  type SignedHttp,
} from '../auth/signed-http.ts';
import { operationOf } from '../node/requests/http-requests.ts';
import { validateManifest, type Manifest } from '../node/identity/manifest.ts';
import type { PromotionStatus } from '../node/cluster/promotion.ts';
import {
  verifyAttestation,
  type Curve,
  type NodeResult,
  type OperationRequest,
} from '../node/requests/requests.ts';
import {
  answerMatchesKey,
  verifyKeyResults,
  verifyKeyStatements,
  verifySignature,
  VerificationError,
  type VerifiedKey,
} from './verify.ts';

export { VerificationError, type VerifiedKey } from './verify.ts';

/** A key's public record, as verified. `threshold` is the minimum number of signers. */
export interface KeyInfo {
  keyId: string;
  threshold: number;
  parties: string[];
  curves?: Curve[];
  publicKeys: Partial<Record<Curve, string>>;
  chainCode?: string;
  /** The request whose attestations vouch for this record (keygen, or the last refresh or reshare). */
  epoch?: string;
  requestId?: string;
  attestations: NodeResult[];
}

/** Where a key's promotion stands (`promote`): each answering node's attested status. */
export interface PromotionReport {
  keyId: string;
  requestId: string;
  /** Nodes holding the key: their status, or the error they attested. */
  nodes: (
    | (PromotionStatus & { nodeId: string })
    | { nodeId: string; error: { code: string; message: string; culprits: string[] } }
  )[];
  /** Nodes of the manifest that did not attest in time (down, partitioned). */
  unanswered: string[];
}

/** A threshold signature, as verified. */
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
  /** The presignature a one-round signing used (absent: the full protocol ran). Informational: single use is each signer's own duty. */
  presignature?: string;
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

/** Client options. */
export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  initiator: InitiatorSecret;
  /** The cluster manifest: every answer is verified against the nodes' keys in it (required). */
  manifest: Manifest;
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

/**
 * The request ids this process signed per (initiator, Idempotency-Key, request): a replayed
 * answer carries the first attempt's id, which is believed only if this process signed it.
 */
const signedRequests = new Map<string, Set<string>>();
const MAX_REMEMBERED = 10_000;

/** One sent request: the answer and what the client signed. */
interface Sent {
  body: Record<string, unknown>;
  signed: SignedHttp;
  /** Request ids the answer may be attested under (this one, or an earlier attempt's on a replay). */
  ids: Set<string>;
}

/** The Tessera control API client. */
export class TesseraClient {
  private readonly fetch: typeof fetch;
  private readonly manifest: Manifest;
  /** Verified key records (public keys never change; parties and threshold are re-read on doubt). */
  private readonly keys = new Map<string, VerifiedKey>();

  constructor(readonly opts: ClientOptions) {
    if (!opts?.manifest)
      throw new TypeError(
        "TesseraClient needs the cluster manifest (options.manifest) to verify the nodes' attestations; there is no unverified mode",
      );
    this.manifest = validateManifest(opts.manifest);
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Sends one signed request and parses the JSON answer (TesseraApiError on an error status). Nothing in it is verified. */
  async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    call: CallOptions = {},
  ): Promise<T> {
    return (await this.send(method, path, body, call)).body as T;
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    call: CallOptions = {},
  ): Promise<Sent> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      ...signHttp(this.opts.initiator, this.manifest.cluster, method, path, text),
      ...(text ? { 'content-type': 'application/json' } : {}),
    };
    if (this.opts.approvers?.length)
      headers['X-Tessera-Approvals'] = this.opts.approvers
        .map((a) => signApproval(a, this.manifest.cluster, method, path, text, headers))
        .join(' ');
    if (call.idempotencyKey) headers['Idempotency-Key'] = call.idempotencyKey;
    const signed: SignedHttp = {
      method,
      path,
      keyId: this.opts.initiator.id,
      timestamp: Number(headers['X-Tessera-Timestamp']),
      nonce: headers['X-Tessera-Nonce']!,
      signature: headers['X-Tessera-Signature']!,
      body: text,
    };
    const id = requestIdOf(signed);
    const ids = new Set([id]);
    if (call.idempotencyKey) {
      const slot = `${this.opts.initiator.id}\n${call.idempotencyKey}\n${method}\n${path}\n${text}`;
      const prior = signedRequests.get(slot) ?? new Set<string>();
      for (const p of prior) ids.add(p);
      prior.add(id);
      if (signedRequests.size >= MAX_REMEMBERED)
        signedRequests.delete(signedRequests.keys().next().value!);
      signedRequests.set(slot, prior);
    }
    const res = await this.fetch(new URL(path, this.opts.url), {
      method,
      headers,
      body: text || undefined,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 180_000),
    });
    const json = (await res.json().catch(() => undefined)) as
      { error?: { code: string; message: string; culprits?: string[] } } | undefined;
    if (!res.ok)
      throw new TesseraApiError(
        res.status,
        json?.error?.code ?? 'HTTP_ERROR',
        json?.error?.message ?? `HTTP ${res.status}`,
        json?.error?.culprits ?? [],
      );
    if (!json || typeof json !== 'object' || Array.isArray(json))
      throw new VerificationError(`${method} ${path}: the answer is not a JSON object`);
    return { body: json as Record<string, unknown>, signed, ids };
  }

  /** The operation every node derives from what this client signed, and the request id its attestations must carry. */
  private operation<T extends OperationRequest['op']>(
    sent: Sent,
    op: T,
  ): { op: Extract<OperationRequest, { op: T }>; requestId: string } {
    let parsed: OperationRequest;
    try {
      parsed = operationOf(this.manifest, sent.signed);
    } catch (e) {
      throw new VerificationError(
        `the API accepted a request the nodes refuse (${(e as Error).message})`,
      );
    }
    if (parsed.op !== op)
      throw new VerificationError(`expected a ${op} request, signed a ${parsed.op}`);
    // Ids of the attestations: this request's, or, on an Idempotency-Key replay, an earlier attempt this process signed.
    const claimed = Array.isArray(sent.body.attestations)
      ? (sent.body.attestations as { requestId?: unknown }[])[0]?.requestId
      : undefined;
    const requestId =
      typeof claimed === 'string' && sent.ids.has(claimed) ? claimed : parsed.requestId;
    if (sent.body.requestId !== undefined && sent.body.requestId !== requestId)
      throw new VerificationError(
        `${op}: the API says the request id is ${String(sent.body.requestId).slice(0, 64)}; this client signed ${requestId}`,
      );
    // A keygen's key id is derived from its request id.
    const derived =
      op === 'keygen' && requestId !== parsed.requestId
        ? { keyId: `key_${requestId.slice(1, 25)}` }
        : {};
    return {
      op: { ...parsed, ...derived, requestId } as Extract<OperationRequest, { op: T }>,
      requestId,
    };
  }

  private remember(key: VerifiedKey): VerifiedKey {
    this.keys.set(key.keyId, key);
    return key;
  }

  /** Generates a key; `threshold` is the minimum number of signers. Every party must attest the same public keys. */
  async createKey(
    p: { threshold: number; parties?: string[]; curves?: Curve[] },
    call?: CallOptions,
  ): Promise<KeyInfo> {
    const sent = await this.send('POST', '/v1/keys', p, call);
    const { op, requestId } = this.operation(sent, 'keygen');
    return this.keyAnswer(sent, requestId, op.parties, op, `keygen ${op.keyId}`);
  }

  /** A key's public record, verified: every party attested it in the request that made its current shares. */
  async getKey(keyId: string): Promise<KeyInfo> {
    const { body } = await this.send('GET', `/v1/keys/${encodeURIComponent(keyId)}`, undefined);
    const what = `key record ${keyId}`;
    if (body.keyId !== keyId)
      throw new VerificationError(
        `${what}: the API answered for key ${String(body.keyId).slice(0, 64)}`,
      );
    if (typeof body.epoch !== 'string')
      throw new VerificationError(`${what}: the record names no epoch, so nothing vouches for it`);
    const parties = body.parties as string[];
    if (
      !Array.isArray(parties) ||
      !Array.isArray(body.curves) ||
      typeof body.threshold !== 'number'
    )
      throw new VerificationError(`${what}: parties, curves and threshold are missing`);
    // The parties' signed statements vouch for the record for as long as the key exists; the
    // attested results of its epoch, while they are kept (24 h), serve where statements are absent.
    let key: VerifiedKey;
    try {
      key = verifyKeyStatements(this.manifest, body, what);
    } catch (byStatements) {
      try {
        key = verifyKeyResults(
          this.manifest,
          body.attestations,
          body.epoch,
          parties,
          { keyId, threshold: body.threshold, parties, curves: body.curves as Curve[] },
          what,
          "the record's epoch",
        );
      } catch (byResults) {
        throw new VerificationError(
          `${(byStatements as Error).message}; and ${(byResults as Error).message}`,
        );
      }
    }
    answerMatchesKey(body, key, what);
    this.remember(key);
    return body as unknown as KeyInfo;
  }

  /** The verified record of `keyId`: from this client's memory unless `fresh`. */
  private async key(keyId: string, fresh = false): Promise<VerifiedKey> {
    const known = !fresh && this.keys.get(keyId);
    if (known) return known;
    await this.getKey(keyId);
    return this.keys.get(keyId)!;
  }

  /** Signs `message` (secp256k1: a 32-byte digest); returns it once every signer's attestation and the signature (@noble) verify. */
  async sign(
    keyId: string,
    p: {
      curve: Curve;
      message: Uint8Array | string;
      derivationPath?: number[];
      signers?: string[];
    },
    call?: CallOptions,
  ): Promise<SignatureResult> {
    let key = await this.key(keyId);
    const message = toHex(p.message);
    const body = {
      curve: p.curve,
      message,
      ...(p.derivationPath ? { derivationPath: p.derivationPath } : {}),
      ...(p.signers ? { signers: p.signers } : {}),
    };
    const path = `/v1/keys/${encodeURIComponent(keyId)}/sign`;
    // A presignature a signer no longer held (restored, dropped) fails the signing (the others may
    // have sent their shares on it: each signer uses one once, so that is safe); it is retried once
    // as a new request (a fresh nonce, so a fresh session and a fresh presignature or none).
    const sent = await this.send('POST', path, body, call).catch((e: unknown) => {
      if (
        e instanceof TesseraApiError &&
        e.code === 'PRESIGNATURE_UNAVAILABLE' &&
        !call?.idempotencyKey
      )
        return this.send('POST', path, body, call);
      throw e;
    });
    const { op, requestId } = this.operation(sent, 'sign');
    try {
      verifySignature(this.manifest, sent.body, requestId, op, key);
    } catch (e) {
      // The remembered parties or threshold may be outdated by someone else's reshare: check once more against the current record.
      if (!(e instanceof VerificationError) || key !== this.keys.get(keyId)) throw e;
      const current = await this.key(keyId, true);
      if (
        current.threshold === key.threshold &&
        JSON.stringify(current.parties) === JSON.stringify(key.parties)
      )
        throw e;
      key = current;
      verifySignature(this.manifest, sent.body, requestId, op, key);
    }
    return { ...(sent.body as unknown as SignatureResult), requestId };
  }

  /** Moves a key to `parties` with `threshold` (minimum signers); every old and new party must attest the same public keys. */
  async reshare(
    keyId: string,
    p: { threshold: number; parties: string[] },
    call?: CallOptions,
  ): Promise<KeyInfo> {
    const before = await this.key(keyId, true);
    const sent = await this.send('POST', `/v1/keys/${encodeURIComponent(keyId)}/reshare`, p, call);
    const { op, requestId } = this.operation(sent, 'reshare');
    const committee = [...before.parties, ...op.parties.filter((x) => !before.parties.includes(x))];
    const expect = { keyId, threshold: op.threshold, parties: op.parties, curves: before.curves };
    return this.keyAnswer(
      sent,
      requestId,
      committee,
      { ...expect, known: before },
      `reshare ${keyId}`,
    );
  }

  /** Refreshes every share of a key; every party must attest unchanged public keys. */
  async refresh(keyId: string, call?: CallOptions): Promise<KeyInfo> {
    const before = await this.key(keyId, true);
    const sent = await this.send(
      'POST',
      `/v1/keys/${encodeURIComponent(keyId)}/refresh`,
      undefined,
      call,
    );
    const { requestId } = this.operation(sent, 'refresh');
    return this.keyAnswer(
      sent,
      requestId,
      before.parties,
      { ...before, known: before },
      `refresh ${keyId}`,
    );
  }

  /** The key a keygen, refresh or reshare made: every one of `committee` attested `expect`, and the API's answer says the same. */
  private keyAnswer(
    sent: Sent,
    requestId: string,
    committee: string[],
    expect: Parameters<typeof verifyKeyResults>[4],
    what: string,
  ): KeyInfo {
    const key = verifyKeyResults(
      this.manifest,
      sent.body.attestations,
      requestId,
      committee,
      expect,
      what,
    );
    answerMatchesKey(sent.body, key, what);
    this.remember(key);
    return {
      ...(sent.body as unknown as KeyInfo),
      curves: key.curves,
      epoch: key.epoch,
      requestId,
    };
  }

  /**
   * Re-drives a key's promotion now (`POST /v1/keys/{id}/promote`) and returns where it stands on
   * each node, from the nodes' own attestations only (the API's summary is not read); nodes that
   * did not attest in time are `unanswered`.
   */
  async promote(keyId: string, call?: CallOptions): Promise<PromotionReport> {
    const sent = await this.send(
      'POST',
      `/v1/keys/${encodeURIComponent(keyId)}/promote`,
      undefined,
      call,
    );
    const { requestId } = this.operation(sent, 'promote');
    const what = `promote ${keyId}`;
    const attested = new Map<string, NodeResult>();
    for (const a of Array.isArray(sent.body.attestations)
      ? (sent.body.attestations as NodeResult[])
      : []) {
      if (
        !a ||
        typeof a !== 'object' ||
        typeof a.nodeId !== 'string' ||
        !verifyAttestation(this.manifest, a)
      )
        throw new VerificationError(
          `${what}: an attestation does not verify under its node's key in the manifest`,
        );
      if (a.requestId !== requestId)
        throw new VerificationError(
          `${what}: ${a.nodeId} attested request ${String(a.requestId).slice(0, 64)}, not ${requestId}`,
        );
      if (attested.has(a.nodeId))
        throw new VerificationError(`${what}: ${a.nodeId} attested twice`);
      if (a.ok && (a.result as { keyId?: unknown })?.keyId !== keyId)
        throw new VerificationError(`${what}: ${a.nodeId} attested another key`);
      attested.set(a.nodeId, a);
    }
    const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
    const status = (a: NodeResult) => {
      const r = a.result as Record<string, unknown> | undefined;
      const pending = r?.pending as { requestId?: unknown; waitingFor?: unknown } | undefined;
      const shaped =
        r &&
        typeof r.held === 'boolean' &&
        strings(r.behind) &&
        (r.epoch === undefined || typeof r.epoch === 'string') &&
        (pending === undefined ||
          (typeof pending.requestId === 'string' && strings(pending.waitingFor)));
      if (!shaped)
        throw new VerificationError(`${what}: ${a.nodeId} attested a status of the wrong shape`);
      return { ...(r as unknown as PromotionStatus), nodeId: a.nodeId };
    };
    const failure = (a: NodeResult) => {
      const e = a.error;
      if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || !strings(e.culprits))
        throw new VerificationError(`${what}: ${a.nodeId} attested a failure of the wrong shape`);
      return { nodeId: a.nodeId, error: e };
    };
    const nodes = [...attested.values()]
      .filter((a) => !a.ok || (a.result as { held?: boolean })?.held)
      .map((a) => (a.ok ? status(a) : failure(a)));
    return {
      keyId,
      requestId,
      nodes,
      unanswered: this.manifest.nodes.map((n) => n.nodeId).filter((id) => !attested.has(id)),
    };
  }

  /** `GET /readyz` (no signature needed; not verified: readiness is advisory). */
  async ready(): Promise<{ status: string; notReady?: string[] }> {
    const res = await this.fetch(new URL('/readyz', this.opts.url));
    return (await res.json()) as { status: string; notReady?: string[] };
  }
}
