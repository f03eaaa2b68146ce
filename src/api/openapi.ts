/**
 * The OpenAPI 3.1 description of the control API, and a plain HTML page that renders it.
 * @module
 */

const error = { $ref: '#/components/schemas/Error' };
const auth = [{ TesseraSignature: [] }];
const hex = (n?: number) => ({
  type: 'string',
  pattern: n ? `^[0-9a-f]{${n * 2}}$` : '^([0-9a-fA-F]{2})*$',
});
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      { description: String(c), content: { 'application/json': { schema: error } } },
    ]),
  );
const idempotency = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', maxLength: 255 },
  description:
    'A retried request with the same key returns the first answer instead of running twice.',
};
const keyIdParam = {
  name: 'keyId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
};
const keyRecord = {
  type: 'object',
  properties: {
    keyId: { type: 'string' },
    threshold: { type: 'integer', description: 'Minimum number of signers (t+1).' },
    parties: { type: 'array', items: { type: 'string' } },
    publicKeys: { type: 'object', properties: { secp256k1: hex(33), ed25519: hex(32) } },
    chainCode: hex(32),
    attestations: { type: 'array', items: { $ref: '#/components/schemas/Attestation' } },
  },
};

/** The OpenAPI document. */
export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'Tessera control API',
    version: '1',
    description:
      'Threshold ECDSA (secp256k1, DKLs23) and EdDSA (Ed25519, FROST) keys no single node holds. "threshold" is always the minimum number of signers (t+1).',
  },
  components: {
    securitySchemes: {
      TesseraSignature: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Tessera-Signature',
        description:
          'Base64 signature by an initiator key of the manifest over UTF-8 "tessera-http/v2\\nCLUSTER\\nKEY_ID\\nMETHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nhex(SHA-256(body))" (CLUSTER: the manifest cluster id), with X-Tessera-Key-Id, X-Tessera-Timestamp (Unix ms, ±60 s) and X-Tessera-Nonce (≥16 random bytes, hex, single use).',
      },
    },
    schemas: {
      Error: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              culprits: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
      Attestation: {
        type: 'object',
        description: "A node's Ed25519 signature (hex) over the canonical JSON of its result.",
        properties: {
          requestId: { type: 'string' },
          nodeId: { type: 'string' },
          ok: { type: 'boolean' },
          result: { type: 'object' },
          attestation: { type: 'string' },
        },
      },
      Key: keyRecord,
    },
  },
  security: auth,
  paths: {
    '/v1/keys': {
      post: {
        summary: 'Generate a key (both curves by default)',
        parameters: [idempotency],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['threshold'],
                additionalProperties: false,
                properties: {
                  threshold: { type: 'integer', minimum: 2 },
                  parties: { type: 'array', items: { type: 'string' } },
                  curves: { type: 'array', items: { enum: ['secp256k1', 'ed25519'] } },
                },
              },
            },
          },
        },
        responses: {
          '201': { description: 'Created', content: { 'application/json': { schema: keyRecord } } },
          ...errors(400, 401, 409, 413, 503, 504),
        },
      },
    },
    '/v1/keys/{keyId}': {
      get: {
        summary: "A key's public record (never a share)",
        parameters: [keyIdParam],
        responses: {
          '200': { description: 'The key', content: { 'application/json': { schema: keyRecord } } },
          ...errors(401, 404),
        },
      },
    },
    '/v1/keys/{keyId}/sign': {
      post: {
        summary: 'Sign a message (secp256k1: exactly a 32-byte digest)',
        parameters: [keyIdParam, idempotency],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['curve', 'message'],
                additionalProperties: false,
                properties: {
                  curve: { enum: ['secp256k1', 'ed25519'] },
                  message: hex(),
                  derivationPath: {
                    type: 'array',
                    items: { type: 'integer', minimum: 0, maximum: 2147483647 },
                  },
                  signers: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'Signature',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    signature: hex(64),
                    r: hex(32),
                    s: hex(32),
                    recoveryId: { type: 'integer' },
                    publicKey: { type: 'string' },
                    signers: { type: 'array', items: { type: 'string' } },
                    attestations: {
                      type: 'array',
                      items: { $ref: '#/components/schemas/Attestation' },
                    },
                  },
                },
              },
            },
          },
          ...errors(400, 401, 404, 409, 413, 503, 504),
        },
      },
    },
    '/v1/keys/{keyId}/reshare': {
      post: {
        summary:
          'Move the key to a new committee and/or threshold; public keys unchanged, old shares erased',
        parameters: [keyIdParam, idempotency],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['threshold', 'parties'],
                additionalProperties: false,
                properties: {
                  threshold: { type: 'integer', minimum: 2 },
                  parties: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'Reshared',
            content: { 'application/json': { schema: keyRecord } },
          },
          ...errors(400, 401, 404, 409, 503, 504),
        },
      },
    },
    '/v1/keys/{keyId}/refresh': {
      post: {
        summary: 'Proactively refresh every share; public keys unchanged',
        parameters: [keyIdParam, idempotency],
        responses: {
          '200': {
            description: 'Refreshed',
            content: { 'application/json': { schema: keyRecord } },
          },
          ...errors(401, 404, 409, 503, 504),
        },
      },
    },
    '/v1/keys/{keyId}/promote': {
      post: {
        summary:
          "Re-drive the key's promotion now: every node re-publishes its confirmation, activates what every party confirmed, restates its key statement, and reports where it stands",
        parameters: [keyIdParam, idempotency],
        responses: {
          '200': {
            description:
              'Where the promotion stands on each node holding the key (nodes that did not answer within 5 s are listed)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['keyId', 'requestId', 'nodes', 'unanswered', 'attestations'],
                  properties: {
                    keyId: { type: 'string' },
                    requestId: { type: 'string' },
                    nodes: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['nodeId'],
                        properties: {
                          nodeId: { type: 'string' },
                          held: { type: 'boolean' },
                          epoch: { type: 'string' },
                          behind: { type: 'array', items: { type: 'string' } },
                          pending: {
                            type: 'object',
                            properties: {
                              requestId: { type: 'string' },
                              waitingFor: { type: 'array', items: { type: 'string' } },
                            },
                          },
                          error: { type: 'object' },
                        },
                      },
                    },
                    unanswered: { type: 'array', items: { type: 'string' } },
                    attestations: { type: 'array', items: { type: 'object' } },
                  },
                },
              },
            },
          },
          ...errors(401, 404, 503),
        },
      },
    },
    '/healthz': {
      get: { security: [], summary: 'Liveness', responses: { '200': { description: 'alive' } } },
    },
    '/readyz': {
      get: {
        security: [],
        summary:
          "Readiness: NATS connected, this node's stream, consumer and buckets present (recreated when they disappear), and every node heartbeating",
        responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
      },
    },
    '/metrics': {
      get: {
        security: [],
        summary: 'Prometheus metrics',
        responses: { '200': { description: 'text exposition format' } },
      },
    },
  },
} as const;

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained HTML page listing every operation (no external scripts). */
export function docsPage(): string {
  const rows = Object.entries(openapi.paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, { summary: string }>).map(
        ([m, o]) =>
          `<tr><td><code>${m.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${escape(o.summary)}</td></tr>`,
      ),
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Tessera API</title><style>body{font:15px system-ui;margin:2em;max-width:60em}td{padding:.3em .8em;border-bottom:1px solid #ddd}</style></head><body>
<h1>Tessera control API</h1><p>${escape(openapi.info.description)}</p>
<h2>Authentication</h2><p>${escape(openapi.components.securitySchemes.TesseraSignature.description)}</p>
<h2>Operations</h2><table>${rows}</table>
<p>Errors are <code>{"error":{"code","message"}}</code>. Machine-readable description: <a href="/openapi.json">/openapi.json</a>.</p></body></html>`;
}
