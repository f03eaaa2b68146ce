/** Child process for the torn-write test: rewrites one record forever with growing versions. */
import process from 'node:process';
import { createStorage } from 'unstorage';
import { atomicFs } from '../../src/node/storage/fs-atomic.ts';
import { EncryptedStore } from '../../src/node/storage/storage.ts';

const [base, keyHex] = process.argv.slice(2);
const store = await EncryptedStore.open(
  createStorage({ driver: atomicFs({ base: base! }) }),
  Uint8Array.from(Buffer.from(keyHex!, 'hex')),
);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const body = new Uint8Array(1 << 20).fill(i & 0xff);
  await store.put('share:k:secp256k1', 1, body);
}
