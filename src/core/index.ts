/**
 * Tessera's wasm core, typed. Session-level calls only; raw entry points live in `hazmat.ts`.
 * @module
 */
export { CoreError, errors, CORE_ERROR_CODES, type CoreErrorCode } from './errors.ts';
export {
  FrostDkgRound1,
  FrostDkgRound2,
  FrostSignRound1,
  FrostSignRound2,
  frostKeyShare,
  startFrostDkg,
  startFrostSign,
  randomSeed,
  type FrostDkgOptions,
  type FrostKeyShare,
  type FrostSignOptions,
} from './frost.ts';
export { BROADCAST, parseHeader, unframe, type MessageHeader, type OutgoingMessage } from './wire.ts';
