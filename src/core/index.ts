/**
 * Tessera's wasm core, typed. Session-level calls only; raw entry points live in `hazmat.ts`.
 * @module
 */
export { CoreError, errors, CORE_ERROR_CODES, type CoreErrorCode } from './errors.ts';
export {
  FrostDkgRound1,
  FrostDkgRound2,
  FrostPresignRound1,
  FrostPresignedRound,
  FrostSignRound1,
  FrostSignRound2,
  frostKeyShare,
  frostPresignatureInfo,
  startFrostDkg,
  startFrostPresign,
  startFrostPresigned,
  startFrostSign,
  type FrostDkgOptions,
  type FrostKeyShare,
  type FrostSignOptions,
} from './frost.ts';
export { randomSeed } from './round.ts';
export { ed25519PublicKey, ed25519Sign, ed25519Verify } from './identity.ts';
export {
  EcdsaDkgRound1,
  EcdsaDkgRound2,
  EcdsaDkgRound3,
  EcdsaPresignedRound,
  EcdsaPresignRound1,
  EcdsaPresignRound2,
  EcdsaSignRound1,
  EcdsaSignRound2,
  EcdsaSignRound3,
  ecdsaKeyShare,
  ecdsaPresignatureInfo,
  startEcdsaDkg,
  startEcdsaPresign,
  startEcdsaPresigned,
  startEcdsaRefresh,
  startEcdsaSign,
  type EcdsaDkgOptions,
  type EcdsaKeyShare,
  type EcdsaSignature,
  type EcdsaSignOptions,
} from './ecdsa.ts';
export {
  ReshareRound1,
  ReshareRound2,
  ReshareRound3,
  startReshare,
  type ReshareCurve,
  type ReshareKey,
  type ReshareOptions,
  type ReshareRole,
} from './reshare.ts';
export {
  BROADCAST,
  parseHeader,
  unframe,
  type MessageHeader,
  type OutgoingMessage,
} from './wire.ts';
