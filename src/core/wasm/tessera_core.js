let wasm;

let cachedUint8ArrayMemory0 = null;

function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

cachedTextDecoder.decode();

const MAX_SAFARI_DECODE_BYTES = 2146435072;
let numBytesDecoded = 0;
function decodeText(ptr, len) {
    numBytesDecoded += len;
    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {
        cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
        cachedTextDecoder.decode();
        numBytesDecoded = len;
    }
    return cachedTextDecoder.decode(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(ptr, len);
}

function getArrayU8FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
}

let WASM_VECTOR_LEN = 0;

function passArray8ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 1, 1) >>> 0;
    getUint8ArrayMemory0().set(arg, ptr / 1);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function takeFromExternrefTable0(idx) {
    const value = wasm.__wbindgen_externrefs.get(idx);
    wasm.__externref_table_dealloc(idx);
    return value;
}
/**
 * Public facts of a presignature blob as JSON: `{"id","signers","epoch","publicKey","bigR"}`.
 * @param {Uint8Array} blob
 * @returns {string}
 */
export function ecdsaPresignatureInfo(blob) {
    let deferred3_0;
    let deferred3_1;
    try {
        const ptr0 = passArray8ToWasm0(blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsaPresignatureInfo(ptr0, len0);
        var ptr2 = ret[0];
        var len2 = ret[1];
        if (ret[3]) {
            ptr2 = 0; len2 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred3_0 = ptr2;
        deferred3_1 = len2;
        return getStringFromWasm0(ptr2, len2);
    } finally {
        wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
    }
}

/**
 * Public facts of an ECDSA key blob as JSON: `{"id","threshold","parties","publicKey","chainCode","epoch"}`.
 * @param {Uint8Array} key_blob
 * @returns {string}
 */
export function ecdsaKeyInfo(key_blob) {
    let deferred3_0;
    let deferred3_1;
    try {
        const ptr0 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsaKeyInfo(ptr0, len0);
        var ptr2 = ret[0];
        var len2 = ret[1];
        if (ret[3]) {
            ptr2 = 0; len2 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred3_0 = ptr2;
        deferred3_1 = len2;
        return getStringFromWasm0(ptr2, len2);
    } finally {
        wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
    }
}

/**
 * Public facts of a presignature blob as JSON: `{"id","signers","groupPublicKey"}`.
 * @param {Uint8Array} blob
 * @returns {string}
 */
export function frostPresignatureInfo(blob) {
    let deferred3_0;
    let deferred3_1;
    try {
        const ptr0 = passArray8ToWasm0(blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.frostPresignatureInfo(ptr0, len0);
        var ptr2 = ret[0];
        var len2 = ret[1];
        if (ret[3]) {
            ptr2 = 0; len2 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred3_0 = ptr2;
        deferred3_1 = len2;
        return getStringFromWasm0(ptr2, len2);
    } finally {
        wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
    }
}

/**
 * Public facts of a key blob as JSON: `{"id","threshold","parties","groupPublicKey"}`.
 * @param {Uint8Array} key_blob
 * @returns {string}
 */
export function frostKeyInfo(key_blob) {
    let deferred3_0;
    let deferred3_1;
    try {
        const ptr0 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.frostKeyInfo(ptr0, len0);
        var ptr2 = ret[0];
        var len2 = ret[1];
        if (ret[3]) {
            ptr2 = 0; len2 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred3_0 = ptr2;
        deferred3_1 = len2;
        return getStringFromWasm0(ptr2, len2);
    } finally {
        wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
    }
}

/**
 * Builds a key blob from externally produced shares (RFC 9591 Appendix C dealer output):
 * `verifying_shares` is every party's verifying share, 32 bytes each, in id order.
 * @param {number} threshold
 * @param {number} parties
 * @param {number} id
 * @param {Uint8Array} signing_share
 * @param {Uint8Array} verifying_shares
 * @param {Uint8Array} group_public_key
 * @returns {Uint8Array}
 */
export function frostKeyImport(threshold, parties, id, signing_share, verifying_shares, group_public_key) {
    const ptr0 = passArray8ToWasm0(signing_share, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray8ToWasm0(verifying_shares, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray8ToWasm0(group_public_key, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    const ret = wasm.frostKeyImport(threshold, parties, id, ptr0, len0, ptr1, len1, ptr2, len2);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}

/**
 * Ed25519 (RFC 8032 §5.1.6) signature of `msg` under the 32-byte secret seed: 64 bytes
 * `R ‖ S`. Takes the seed by value so that the wasm heap copy can be zeroized after use.
 * @param {Uint8Array} secret
 * @param {Uint8Array} msg
 * @returns {Uint8Array}
 */
export function identitySign(secret, msg) {
    const ptr0 = passArray8ToWasm0(secret, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ret = wasm.identitySign(ptr0, len0, ptr1, len1);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    var v3 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
    wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    return v3;
}

/**
 * Strict Ed25519 verification (RFC 8032 §5.1.7 with canonical, non-small-order `A` and `R`
 * and `S < ℓ`); false on any failure, including wrong lengths. Never throws.
 * @param {Uint8Array} public_key
 * @param {Uint8Array} msg
 * @param {Uint8Array} sig
 * @returns {boolean}
 */
export function identityVerify(public_key, msg, sig) {
    const ptr0 = passArray8ToWasm0(public_key, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray8ToWasm0(sig, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    const ret = wasm.identityVerify(ptr0, len0, ptr1, len1, ptr2, len2);
    return ret !== 0;
}

/**
 * The 32-byte Ed25519 public key of a 32-byte secret seed (RFC 8032 §5.1.5).
 * @param {Uint8Array} secret
 * @returns {Uint8Array}
 */
export function identityPublicKey(secret) {
    const ptr0 = passArray8ToWasm0(secret, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.identityPublicKey(ptr0, len0);
    if (ret[3]) {
        throw takeFromExternrefTable0(ret[2]);
    }
    var v2 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
    wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
    return v2;
}

let cachedUint16ArrayMemory0 = null;

function getUint16ArrayMemory0() {
    if (cachedUint16ArrayMemory0 === null || cachedUint16ArrayMemory0.byteLength === 0) {
        cachedUint16ArrayMemory0 = new Uint16Array(wasm.memory.buffer);
    }
    return cachedUint16ArrayMemory0;
}

function getArrayU16FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint16ArrayMemory0().subarray(ptr / 2, ptr / 2 + len);
}

function passArray16ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 2, 2) >>> 0;
    getUint16ArrayMemory0().set(arg, ptr / 2);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

let cachedUint32ArrayMemory0 = null;

function getUint32ArrayMemory0() {
    if (cachedUint32ArrayMemory0 === null || cachedUint32ArrayMemory0.byteLength === 0) {
        cachedUint32ArrayMemory0 = new Uint32Array(wasm.memory.buffer);
    }
    return cachedUint32ArrayMemory0;
}

function passArray32ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 4, 4) >>> 0;
    getUint32ArrayMemory0().set(arg, ptr / 4);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

const EcdsaDkgRound1Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsadkground1_free(ptr >>> 0, 1));
/**
 * r" DKLs23 key generation or refresh, round one (commitments and base OTs, direct).
 */
export class EcdsaDkgRound1 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(EcdsaDkgRound1.prototype);
        obj.__wbg_ptr = ptr;
        EcdsaDkgRound1Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaDkgRound1Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsadkground1_free(ptr, 0);
    }
    /**
     * Starts a DKLs23 key generation for `threshold` (minimum signers) of `parties` as `me`.
     * @param {Uint8Array} session
     * @param {number} threshold
     * @param {number} parties
     * @param {number} me
     * @param {Uint8Array} seed
     */
    constructor(session, threshold, parties, me, seed) {
        const ptr0 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsadkground1_new(ptr0, len0, threshold, parties, me, ptr1, len1);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        EcdsaDkgRound1Finalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * With every round-one message in, finishes the base OTs and produces round two.
     * @param {Uint8Array} seed
     * @returns {EcdsaDkgRound2}
     */
    advance(seed) {
        const ptr0 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsadkground1_advance(this.__wbg_ptr, ptr0, len0);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return EcdsaDkgRound2.__wrap(ret[0]);
    }
    /**
     * Starts a complete refresh of the key in `key_blob` (all parties take part; new session).
     * @param {Uint8Array} key_blob
     * @param {Uint8Array} session
     * @param {Uint8Array} seed
     * @returns {EcdsaDkgRound1}
     */
    static refresh(key_blob, session, seed) {
        const ptr0 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ptr2 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len2 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsadkground1_refresh(ptr0, len0, ptr1, len1, ptr2, len2);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return EcdsaDkgRound1.__wrap(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsadkground1_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsadkground1_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsadkground1_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) EcdsaDkgRound1.prototype[Symbol.dispose] = EcdsaDkgRound1.prototype.free;

const EcdsaDkgRound2Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsadkground2_free(ptr >>> 0, 1));
/**
 * r" DKLs23 key generation or refresh, round two (openings, proofs, encrypted shares, direct).
 */
export class EcdsaDkgRound2 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(EcdsaDkgRound2.prototype);
        obj.__wbg_ptr = ptr;
        EcdsaDkgRound2Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaDkgRound2Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsadkground2_free(ptr, 0);
    }
    /**
     * With every share verified, computes the key and the confirmation broadcast.
     * @returns {EcdsaDkgRound3}
     */
    advance() {
        const ret = wasm.ecdsadkground2_advance(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return EcdsaDkgRound3.__wrap(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsadkground2_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsadkground2_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsadkground2_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) EcdsaDkgRound2.prototype[Symbol.dispose] = EcdsaDkgRound2.prototype.free;

const EcdsaDkgRound3Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsadkground3_free(ptr >>> 0, 1));
/**
 * r" DKLs23 key generation or refresh, round three (transcript confirmation, broadcast).
 */
export class EcdsaDkgRound3 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(EcdsaDkgRound3.prototype);
        obj.__wbg_ptr = ptr;
        EcdsaDkgRound3Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaDkgRound3Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsadkground3_free(ptr, 0);
    }
    /**
     * With every confirmation matching, returns the key blob (for encrypted storage only).
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.ecdsadkground3_finish(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsadkground3_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsadkground3_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsadkground3_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) EcdsaDkgRound3.prototype[Symbol.dispose] = EcdsaDkgRound3.prototype.free;

const EcdsaPresignRound1Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsapresignround1_free(ptr >>> 0, 1));
/**
 * r" DKLs23 presigning round one (signing round one under the master key, direct).
 */
export class EcdsaPresignRound1 {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaPresignRound1Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsapresignround1_free(ptr, 0);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsapresignround1_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsapresignround1_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsapresignround1_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * Starts a presigning among `signers` (message-independent signing rounds one and two).
     * @param {Uint8Array} key_blob
     * @param {Uint8Array} session
     * @param {Uint16Array} signers
     * @param {Uint8Array} seed
     */
    constructor(key_blob, session, signers, seed) {
        const ptr0 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ptr2 = passArray16ToWasm0(signers, wasm.__wbindgen_malloc);
        const len2 = WASM_VECTOR_LEN;
        const ptr3 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len3 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsapresignround1_new(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        EcdsaPresignRound1Finalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * With every round-one message in, runs the multiplications as Alice.
     * @param {Uint8Array} seed
     * @returns {EcdsaPresignRound2}
     */
    advance(seed) {
        const ptr0 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsapresignround1_advance(this.__wbg_ptr, ptr0, len0);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return EcdsaPresignRound2.__wrap(ret[0]);
    }
}
if (Symbol.dispose) EcdsaPresignRound1.prototype[Symbol.dispose] = EcdsaPresignRound1.prototype.free;

const EcdsaPresignRound2Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsapresignround2_free(ptr >>> 0, 1));
/**
 * r" DKLs23 presigning round two (signing round two, direct); finishes into a presignature.
 */
export class EcdsaPresignRound2 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(EcdsaPresignRound2.prototype);
        obj.__wbg_ptr = ptr;
        EcdsaPresignRound2Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaPresignRound2Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsapresignround2_free(ptr, 0);
    }
    /**
     * With every round-two message in and checked, returns the presignature blob (secret:
     * store it encrypted and use it once).
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.ecdsapresignround2_finish(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsapresignround2_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsapresignround2_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsapresignround2_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) EcdsaPresignRound2.prototype[Symbol.dispose] = EcdsaPresignRound2.prototype.free;

const EcdsaPresignedRoundFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsapresignedround_free(ptr >>> 0, 1));
/**
 * r" DKLs23 online signing with a presignature (bind, u'_i, w_i; broadcast).
 */
export class EcdsaPresignedRound {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaPresignedRoundFinalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsapresignedround_free(ptr, 0);
    }
    /**
     * Starts the online signing of `digest` under the child key at `path`, consuming the
     * presignature in `presignature_blob` (the host must never use it again).
     * @param {Uint8Array} presignature_blob
     * @param {Uint8Array} session
     * @param {Uint8Array} digest
     * @param {Uint32Array} path
     */
    constructor(presignature_blob, session, digest, path) {
        const ptr0 = passArray8ToWasm0(presignature_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ptr2 = passArray8ToWasm0(digest, wasm.__wbindgen_malloc);
        const len2 = WASM_VECTOR_LEN;
        const ptr3 = passArray32ToWasm0(path, wasm.__wbindgen_malloc);
        const len3 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsapresignedround_new(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        EcdsaPresignedRoundFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * Returns `r ‖ s (64) | recovery id (1) | public key (33)`, verified before release.
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.ecdsapresignedround_finish(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsapresignedround_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsapresignedround_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsapresignedround_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) EcdsaPresignedRound.prototype[Symbol.dispose] = EcdsaPresignedRound.prototype.free;

const EcdsaSignRound1Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsasignround1_free(ptr >>> 0, 1));
/**
 * r" DKLs23 signing round one (nonce commitment and multiplication M1, direct).
 */
export class EcdsaSignRound1 {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaSignRound1Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsasignround1_free(ptr, 0);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsasignround1_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsasignround1_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsasignround1_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * Starts signing the 32-byte `digest` among `signers`, under the child key at `path`.
     * @param {Uint8Array} key_blob
     * @param {Uint8Array} session
     * @param {Uint16Array} signers
     * @param {Uint8Array} digest
     * @param {Uint32Array} path
     * @param {Uint8Array} seed
     */
    constructor(key_blob, session, signers, digest, path, seed) {
        const ptr0 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ptr2 = passArray16ToWasm0(signers, wasm.__wbindgen_malloc);
        const len2 = WASM_VECTOR_LEN;
        const ptr3 = passArray8ToWasm0(digest, wasm.__wbindgen_malloc);
        const len3 = WASM_VECTOR_LEN;
        const ptr4 = passArray32ToWasm0(path, wasm.__wbindgen_malloc);
        const len4 = WASM_VECTOR_LEN;
        const ptr5 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len5 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsasignround1_new(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        EcdsaSignRound1Finalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * With every round-one message in, runs the multiplications as Alice.
     * @param {Uint8Array} seed
     * @returns {EcdsaSignRound2}
     */
    advance(seed) {
        const ptr0 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsasignround1_advance(this.__wbg_ptr, ptr0, len0);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return EcdsaSignRound2.__wrap(ret[0]);
    }
}
if (Symbol.dispose) EcdsaSignRound1.prototype[Symbol.dispose] = EcdsaSignRound1.prototype.free;

const EcdsaSignRound2Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsasignround2_free(ptr >>> 0, 1));
/**
 * r" DKLs23 signing round two (multiplication M2 and consistency data, direct).
 */
export class EcdsaSignRound2 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(EcdsaSignRound2.prototype);
        obj.__wbg_ptr = ptr;
        EcdsaSignRound2Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaSignRound2Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsasignround2_free(ptr, 0);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsasignround2_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsasignround2_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsasignround2_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * With every round-two message in, runs all checks and produces (u_i, w_i).
     * @returns {EcdsaSignRound3}
     */
    advance() {
        const ret = wasm.ecdsasignround2_advance(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return EcdsaSignRound3.__wrap(ret[0]);
    }
}
if (Symbol.dispose) EcdsaSignRound2.prototype[Symbol.dispose] = EcdsaSignRound2.prototype.free;

const EcdsaSignRound3Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_ecdsasignround3_free(ptr >>> 0, 1));
/**
 * r" DKLs23 signing round three ((u_i, w_i), broadcast).
 */
export class EcdsaSignRound3 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(EcdsaSignRound3.prototype);
        obj.__wbg_ptr = ptr;
        EcdsaSignRound3Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        EcdsaSignRound3Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_ecdsasignround3_free(ptr, 0);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.ecdsasignround3_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.ecdsasignround3_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.ecdsasignround3_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * Returns `r ‖ s (64) | recovery id (1) | public key (33)`, verified before release.
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.ecdsasignround3_finish(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) EcdsaSignRound3.prototype[Symbol.dispose] = EcdsaSignRound3.prototype.free;

const FrostDkgRound1Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_frostdkground1_free(ptr >>> 0, 1));
/**
 * r" FROST DKG round one (commitments and proof of knowledge, broadcast).
 */
export class FrostDkgRound1 {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        FrostDkgRound1Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_frostdkground1_free(ptr, 0);
    }
    /**
     * Starts a DKG for `threshold` (minimum signers) of `parties` as party `me`.
     * @param {Uint8Array} session
     * @param {number} threshold
     * @param {number} parties
     * @param {number} me
     * @param {Uint8Array} seed
     */
    constructor(session, threshold, parties, me, seed) {
        const ptr0 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ret = wasm.frostdkground1_new(ptr0, len0, threshold, parties, me, ptr1, len1);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        FrostDkgRound1Finalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * With every broadcast in, produces round two; this object is consumed.
     * @returns {FrostDkgRound2}
     */
    advance() {
        const ret = wasm.frostdkground1_advance(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return FrostDkgRound2.__wrap(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.frostdkground1_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.frostdkground1_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.frostdkground1_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) FrostDkgRound1.prototype[Symbol.dispose] = FrostDkgRound1.prototype.free;

const FrostDkgRound2Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_frostdkground2_free(ptr >>> 0, 1));
/**
 * r" FROST DKG round two (encrypted shares, direct).
 */
export class FrostDkgRound2 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(FrostDkgRound2.prototype);
        obj.__wbg_ptr = ptr;
        FrostDkgRound2Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        FrostDkgRound2Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_frostdkground2_free(ptr, 0);
    }
    /**
     * With every share in, returns this party's key blob (for encrypted storage only).
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.frostdkground2_finish(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.frostdkground2_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.frostdkground2_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.frostdkground2_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) FrostDkgRound2.prototype[Symbol.dispose] = FrostDkgRound2.prototype.free;

const FrostPresignRound1Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_frostpresignround1_free(ptr >>> 0, 1));
/**
 * r" FROST presigning (nonce commitments ahead of the message, broadcast).
 */
export class FrostPresignRound1 {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        FrostPresignRound1Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_frostpresignround1_free(ptr, 0);
    }
    /**
     * Starts a presigning with the key in `key_blob` among `signers` (ascending ids).
     * @param {Uint8Array} key_blob
     * @param {Uint8Array} session
     * @param {Uint16Array} signers
     * @param {Uint8Array} seed
     */
    constructor(key_blob, session, signers, seed) {
        const ptr0 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ptr2 = passArray16ToWasm0(signers, wasm.__wbindgen_malloc);
        const len2 = WASM_VECTOR_LEN;
        const ptr3 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len3 = WASM_VECTOR_LEN;
        const ret = wasm.frostpresignround1_new(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        FrostPresignRound1Finalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * With every commitment in, returns the presignature blob (secret: store it encrypted and
     * use it once).
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.frostpresignround1_finish(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.frostpresignround1_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.frostpresignround1_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.frostpresignround1_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) FrostPresignRound1.prototype[Symbol.dispose] = FrostPresignRound1.prototype.free;

const FrostPresignedRoundFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_frostpresignedround_free(ptr >>> 0, 1));
/**
 * r" FROST online signing with a presignature (bind and signature share, broadcast).
 */
export class FrostPresignedRound {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        FrostPresignedRoundFinalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_frostpresignedround_free(ptr, 0);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.frostpresignedround_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.frostpresignedround_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.frostpresignedround_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * Starts the online signing of `message` with the key in `key_blob`, consuming the
     * presignature in `presignature_blob` (the host must never use it again).
     * @param {Uint8Array} key_blob
     * @param {Uint8Array} presignature_blob
     * @param {Uint8Array} session
     * @param {Uint8Array} message
     */
    constructor(key_blob, presignature_blob, session, message) {
        const ptr0 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(presignature_blob, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ptr2 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len2 = WASM_VECTOR_LEN;
        const ptr3 = passArray8ToWasm0(message, wasm.__wbindgen_malloc);
        const len3 = WASM_VECTOR_LEN;
        const ret = wasm.frostpresignedround_new(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        FrostPresignedRoundFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * With every share in and verified, returns the 64-byte Ed25519 signature.
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.frostpresignedround_finish(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) FrostPresignedRound.prototype[Symbol.dispose] = FrostPresignedRound.prototype.free;

const FrostSignRound1Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_frostsignround1_free(ptr >>> 0, 1));
/**
 * r" FROST signing round one (nonce commitments, broadcast).
 */
export class FrostSignRound1 {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        FrostSignRound1Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_frostsignround1_free(ptr, 0);
    }
    /**
     * Starts signing `message` with the key in `key_blob` among `signers` (ascending ids).
     * @param {Uint8Array} key_blob
     * @param {Uint8Array} session
     * @param {Uint16Array} signers
     * @param {Uint8Array} message
     * @param {Uint8Array} seed
     */
    constructor(key_blob, session, signers, message, seed) {
        const ptr0 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ptr2 = passArray16ToWasm0(signers, wasm.__wbindgen_malloc);
        const len2 = WASM_VECTOR_LEN;
        const ptr3 = passArray8ToWasm0(message, wasm.__wbindgen_malloc);
        const len3 = WASM_VECTOR_LEN;
        const ptr4 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len4 = WASM_VECTOR_LEN;
        const ret = wasm.frostsignround1_new(ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        FrostSignRound1Finalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * With every commitment in, consumes the nonces and produces this signer's share.
     * @returns {FrostSignRound2}
     */
    advance() {
        const ret = wasm.frostsignround1_advance(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return FrostSignRound2.__wrap(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.frostsignround1_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.frostsignround1_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.frostsignround1_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) FrostSignRound1.prototype[Symbol.dispose] = FrostSignRound1.prototype.free;

const FrostSignRound2Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_frostsignround2_free(ptr >>> 0, 1));
/**
 * r" FROST signing round two (signature shares, broadcast).
 */
export class FrostSignRound2 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(FrostSignRound2.prototype);
        obj.__wbg_ptr = ptr;
        FrostSignRound2Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        FrostSignRound2Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_frostsignround2_free(ptr, 0);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.frostsignround2_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.frostsignround2_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.frostsignround2_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * RFC 9591 §4.4 binding factors as `(id u16 | rho [32])*`, ascending by id (public values).
     * @returns {Uint8Array}
     */
    bindingFactors() {
        const ret = wasm.frostsignround2_bindingFactors(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * With every share in and verified, returns the 64-byte Ed25519 signature.
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.frostsignround2_finish(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) FrostSignRound2.prototype[Symbol.dispose] = FrostSignRound2.prototype.free;

const ReshareRound1Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_reshareround1_free(ptr >>> 0, 1));
/**
 * r" Resharing round one (ephemeral keys and dealer commitments, broadcast; spec §5).
 */
export class ReshareRound1 {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        ReshareRound1Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_reshareround1_free(ptr, 0);
    }
    /**
     * Starts a reshare over `curve` (0 = secp256k1, 1 = ed25519) as participant `me`; `roles`
     * holds one `(old_id, new_id)` pair per participant (0 = none); `key_blob` is empty without
     * an old share.
     * @param {number} curve
     * @param {Uint8Array} session
     * @param {number} me
     * @param {number} old_threshold
     * @param {number} new_threshold
     * @param {Uint16Array} roles
     * @param {Uint8Array} key_blob
     * @param {Uint8Array} seed
     */
    constructor(curve, session, me, old_threshold, new_threshold, roles, key_blob, seed) {
        const ptr0 = passArray8ToWasm0(session, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ptr1 = passArray16ToWasm0(roles, wasm.__wbindgen_malloc);
        const len1 = WASM_VECTOR_LEN;
        const ptr2 = passArray8ToWasm0(key_blob, wasm.__wbindgen_malloc);
        const len2 = WASM_VECTOR_LEN;
        const ptr3 = passArray8ToWasm0(seed, wasm.__wbindgen_malloc);
        const len3 = WASM_VECTOR_LEN;
        const ret = wasm.reshareround1_new(curve, ptr0, len0, me, old_threshold, new_threshold, ptr1, len1, ptr2, len2, ptr3, len3);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0] >>> 0;
        ReshareRound1Finalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * With every broadcast in, produces the dealers' openings and sealed sub-shares.
     * @returns {ReshareRound2}
     */
    advance() {
        const ret = wasm.reshareround1_advance(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return ReshareRound2.__wrap(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.reshareround1_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.reshareround1_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.reshareround1_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) ReshareRound1.prototype[Symbol.dispose] = ReshareRound1.prototype.free;

const ReshareRound2Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_reshareround2_free(ptr >>> 0, 1));
/**
 * r" Resharing round two (openings, key context and encrypted sub-shares, direct from dealers).
 */
export class ReshareRound2 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(ReshareRound2.prototype);
        obj.__wbg_ptr = ptr;
        ReshareRound2Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        ReshareRound2Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_reshareround2_free(ptr, 0);
    }
    /**
     * With every dealing verified, computes the new public shares and the confirmation.
     * @returns {ReshareRound3}
     */
    advance() {
        const ret = wasm.reshareround2_advance(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return ReshareRound3.__wrap(ret[0]);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.reshareround2_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.reshareround2_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.reshareround2_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
}
if (Symbol.dispose) ReshareRound2.prototype[Symbol.dispose] = ReshareRound2.prototype.free;

const ReshareRound3Finalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_reshareround3_free(ptr >>> 0, 1));
/**
 * r" Resharing round three (transcript confirmation, broadcast by receivers).
 */
export class ReshareRound3 {

    static __wrap(ptr) {
        ptr = ptr >>> 0;
        const obj = Object.create(ReshareRound3.prototype);
        obj.__wbg_ptr = ptr;
        ReshareRound3Finalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        ReshareRound3Finalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_reshareround3_free(ptr, 0);
    }
    /**
     * Party ids whose message for this round has not arrived yet.
     * @returns {Uint16Array}
     */
    missing() {
        const ret = wasm.reshareround3_missing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU16FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 2, 2);
        return v1;
    }
    /**
     * Validates and stores one incoming message; on error the state is unchanged.
     * @param {Uint8Array} msg
     */
    receive(msg) {
        const ptr0 = passArray8ToWasm0(msg, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.reshareround3_receive(this.__wbg_ptr, ptr0, len0);
        if (ret[1]) {
            throw takeFromExternrefTable0(ret[0]);
        }
    }
    /**
     * The framed outgoing messages: `count u16 | (len u32 | message)*`.
     * @returns {Uint8Array}
     */
    outgoing() {
        const ret = wasm.reshareround3_outgoing(this.__wbg_ptr);
        if (ret[3]) {
            throw takeFromExternrefTable0(ret[2]);
        }
        var v1 = getArrayU8FromWasm0(ret[0], ret[1]).slice();
        wasm.__wbindgen_free(ret[0], ret[1] * 1, 1);
        return v1;
    }
    /**
     * With every confirmation matching, returns the new key blob (empty for a dealer-only
     * participant); an ECDSA blob is pending until the new committee runs a complete refresh.
     * @returns {Uint8Array}
     */
    finish() {
        const ret = wasm.reshareround3_finish(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
}
if (Symbol.dispose) ReshareRound3.prototype[Symbol.dispose] = ReshareRound3.prototype.free;

const EXPECTED_RESPONSE_TYPES = new Set(['basic', 'cors', 'default']);

async function __wbg_load(module, imports) {
    if (typeof Response === 'function' && module instanceof Response) {
        if (typeof WebAssembly.instantiateStreaming === 'function') {
            try {
                return await WebAssembly.instantiateStreaming(module, imports);

            } catch (e) {
                const validResponse = module.ok && EXPECTED_RESPONSE_TYPES.has(module.type);

                if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
                    console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);

                } else {
                    throw e;
                }
            }
        }

        const bytes = await module.arrayBuffer();
        return await WebAssembly.instantiate(bytes, imports);

    } else {
        const instance = await WebAssembly.instantiate(module, imports);

        if (instance instanceof WebAssembly.Instance) {
            return { instance, module };

        } else {
            return instance;
        }
    }
}

function __wbg_get_imports() {
    const imports = {};
    imports.wbg = {};
    imports.wbg.__wbg_Error_e83987f665cf5504 = function(arg0, arg1) {
        const ret = Error(getStringFromWasm0(arg0, arg1));
        return ret;
    };
    imports.wbg.__wbg___wbindgen_throw_b855445ff6a94295 = function(arg0, arg1) {
        throw new Error(getStringFromWasm0(arg0, arg1));
    };
    imports.wbg.__wbg_new_from_slice_92f4d78ca282a2d2 = function(arg0, arg1) {
        const ret = new Uint8Array(getArrayU8FromWasm0(arg0, arg1));
        return ret;
    };
    imports.wbg.__wbindgen_init_externref_table = function() {
        const table = wasm.__wbindgen_externrefs;
        const offset = table.grow(4);
        table.set(0, undefined);
        table.set(offset + 0, undefined);
        table.set(offset + 1, null);
        table.set(offset + 2, true);
        table.set(offset + 3, false);
        ;
    };

    return imports;
}

function __wbg_finalize_init(instance, module) {
    wasm = instance.exports;
    __wbg_init.__wbindgen_wasm_module = module;
    cachedUint16ArrayMemory0 = null;
    cachedUint32ArrayMemory0 = null;
    cachedUint8ArrayMemory0 = null;


    wasm.__wbindgen_start();
    return wasm;
}

function initSync(module) {
    if (wasm !== undefined) return wasm;


    if (typeof module !== 'undefined') {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        } else {
            console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
        }
    }

    const imports = __wbg_get_imports();

    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }

    const instance = new WebAssembly.Instance(module, imports);

    return __wbg_finalize_init(instance, module);
}

async function __wbg_init(module_or_path) {
    if (wasm !== undefined) return wasm;


    if (typeof module_or_path !== 'undefined') {
        if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
            ({module_or_path} = module_or_path)
        } else {
            console.warn('using deprecated parameters for the initialization function; pass a single object instead')
        }
    }

    if (typeof module_or_path === 'undefined') {
        module_or_path = new URL('tessera_core_bg.wasm', import.meta.url);
    }
    const imports = __wbg_get_imports();

    if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
        module_or_path = fetch(module_or_path);
    }

    const { instance, module } = await __wbg_load(await module_or_path, imports);

    return __wbg_finalize_init(instance, module);
}

export { initSync };
export default __wbg_init;
