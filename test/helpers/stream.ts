/** Requests put straight on a cluster's request stream, past the API, as a compromised API node could. */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { signHttp, type InitiatorSecret, type SignedHttp } from '../../src/auth/signed-http.ts';
import { names } from '../../src/node/names.ts';

/** A POST as the API forwards it (`{ http }` on the stream), signed by `key` for `cluster`. */
export function signedPost(
  key: InitiatorSecret,
  cluster: string,
  path: string,
  body: string,
  now = Date.now(),
  nonce?: string,
): SignedHttp {
  const h = signHttp(key, cluster, 'POST', path, body, now, nonce);
  return {
    method: 'POST',
    path,
    keyId: key.id,
    timestamp: Number(h['X-Tessera-Timestamp']),
    nonce: h['X-Tessera-Nonce']!,
    signature: h['X-Tessera-Signature']!,
    body,
  };
}

/** Publishes `message` on `cluster`'s request stream (deduplicated by `msgID`). */
export const putOnStream = (
  nc: NatsConnection,
  cluster: string,
  message: unknown,
  msgID = `m-${Date.now()}-${Math.random()}`,
) => jetstream(nc).publish(names(cluster).requests, JSON.stringify(message), { msgID });
