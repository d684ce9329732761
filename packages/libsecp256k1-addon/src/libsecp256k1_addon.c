/*
 * Node-API binding of libsecp256k1 for the virtual node's hot paths: ECDH (one per HTLC peeled),
 * recoverable ECDSA signing (one per invoice), public-key recovery, key derivation and the
 * tweak-multiply BOLT 4 uses to blind ephemeral keys. Nothing else.
 *
 * Why our own binding: the npm `secp256k1` package's prebuilt binary carries a 2019 libsecp256k1.
 * Through this binding a current release ran ECDH ~1.5x and signing ~1.7x as fast on this kind of
 * machine (pnpm bench:protocol, same run), and ECDH is most of a peel. The library source comes from the `secp256k1-sys` crate on crates.io (the
 * upstream tree with its symbols prefixed rustsecp256k1_v0_14_), pinned by version and SHA-256 in
 * infra/scripts/build-libsecp256k1-addon.sh, which compiles this file against it.
 *
 * Conventions, mirrored by the TypeScript wrapper (lightning-protocol's addon-secp256k1.ts):
 *  - every argument is a Uint8Array of the exact length; anything else is a TypeError (the wrapper
 *    checks lengths first, so this only catches our own bugs);
 *  - an operation the library refuses (invalid point, scalar out of range, unrecoverable
 *    signature) returns null; the wrapper decides whether that is the caller's bug or bad input;
 *  - results are fresh Uint8Arrays; no input is modified and nothing is kept between calls.
 * Secrets (private keys, ECDH outputs) are never copied into C-side buffers that outlive a call,
 * and the context randomization seed is wiped after use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <node_api.h>

#include "secp256k1.h"
#include "secp256k1_ecdh.h"
#include "secp256k1_preallocated.h"
#include "secp256k1_recovery.h"

#define LIBSECP(name) rustsecp256k1_v0_14_##name

typedef LIBSECP(context) secp_context;

#ifndef LIBSECP256K1_DESCRIPTION
#define LIBSECP256K1_DESCRIPTION "libsecp256k1 (unknown revision)"
#endif

/* USE_EXTERNAL_DEFAULT_CALLBACKS: the library's defaults print and abort(). An illegal argument
 * can only come from a bug here (every input is length-checked first); the function then returns
 * 0 and the caller gets null, which is safer than killing the process that holds HTLCs. An
 * internal consistency failure means memory corruption: abort as upstream does. */
void LIBSECP(default_illegal_callback_fn)(const char *message, void *data) {
  (void)message;
  (void)data;
}

void LIBSECP(default_error_callback_fn)(const char *message, void *data) {
  (void)message;
  (void)data;
  abort();
}

/* ---- argument helpers --------------------------------------------------------------------- */

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value js_null(napi_env env) {
  napi_value result;
  napi_get_null(env, &result);
  return result;
}

/* Reads value as a Uint8Array of exactly `length` bytes. On failure a TypeError is pending and
 * NULL is returned. */
static const unsigned char *bytes_arg(napi_env env, napi_value value, size_t length, const char *message) {
  bool is_typed_array = false;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array) {
    throw_type_error(env, message);
    return NULL;
  }
  napi_typedarray_type type;
  size_t element_count;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &element_count, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array || element_count != length) {
    throw_type_error(env, message);
    return NULL;
  }
  /* A zero-length view may have a NULL data pointer; no caller asks for zero bytes. */
  return (const unsigned char *)data;
}

/* A new Uint8Array of `length` bytes; *out points at its storage. NULL (exception pending) on failure. */
static napi_value new_bytes(napi_env env, size_t length, unsigned char **out) {
  void *data;
  napi_value buffer, result;
  if (napi_create_arraybuffer(env, length, &data, &buffer) != napi_ok) return NULL;
  if (napi_create_typedarray(env, napi_uint8_array, length, buffer, 0, &result) != napi_ok) return NULL;
  *out = (unsigned char *)data;
  return result;
}

/* One byte argument: its exact length and the TypeError message for anything else. */
typedef struct {
  size_t length;
  const char *error;
} byte_arg;

/* Checks the call has exactly argc arguments, reads the first byte_count of them as specs[i]
 * says into bytes[i], and returns the context. NULL (TypeError pending) on any mismatch. */
static const secp_context *read_args(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, size_t byte_count,
                                     const byte_arg *specs, const unsigned char **bytes) {
  size_t got = argc;
  void *data;
  if (napi_get_cb_info(env, info, &got, argv, NULL, &data) != napi_ok) return NULL;
  if (got != argc) {
    throw_type_error(env, "wrong number of arguments");
    return NULL;
  }
  for (size_t i = 0; i < byte_count; i++) {
    bytes[i] = bytes_arg(env, argv[i], specs[i].length, specs[i].error);
    if (bytes[i] == NULL) return NULL;
  }
  return (const secp_context *)data;
}

static napi_value serialize_compressed(napi_env env, const secp_context *ctx, const LIBSECP(pubkey) *pubkey) {
  unsigned char *out;
  napi_value result = new_bytes(env, 33, &out);
  if (result == NULL) return NULL;
  size_t length = 33;
  if (!LIBSECP(ec_pubkey_serialize)(ctx, out, &length, pubkey, SECP256K1_EC_COMPRESSED) || length != 33) return js_null(env);
  return result;
}

/* ---- operations ----------------------------------------------------------------------------- */

/* ecdh(privateKey32, publicKey33) -> SHA256(compressed(privateKey * publicKey)) | null */
static napi_value ecdh(napi_env env, napi_callback_info info) {
  static const byte_arg specs[] = {{32, "ecdh: privateKey must be a 32-byte Uint8Array"}, {33, "ecdh: publicKey must be a 33-byte Uint8Array"}};
  napi_value argv[2];
  const unsigned char *in[2];
  const secp_context *ctx = read_args(env, info, 2, argv, 2, specs, in);
  if (ctx == NULL) return NULL;
  LIBSECP(pubkey) point;
  if (!LIBSECP(ec_pubkey_parse)(ctx, &point, in[1], 33)) return js_null(env);
  unsigned char *out;
  napi_value result = new_bytes(env, 32, &out);
  if (result == NULL) return NULL;
  /* NULL hash function = the library's default, SHA256(0x02|0x03 || x): BOLT 4's shared secret. */
  if (!LIBSECP(ecdh)(ctx, out, &point, in[0], NULL, NULL)) {
    memset(out, 0, 32);
    return js_null(env);
  }
  return result;
}

/* privateKeyVerify(privateKey32) -> boolean: 0 < key < n */
static napi_value private_key_verify(napi_env env, napi_callback_info info) {
  static const byte_arg specs[] = {{32, "privateKeyVerify: privateKey must be a 32-byte Uint8Array"}};
  napi_value argv[1];
  const unsigned char *in[1];
  const secp_context *ctx = read_args(env, info, 1, argv, 1, specs, in);
  if (ctx == NULL) return NULL;
  napi_value result;
  napi_get_boolean(env, LIBSECP(ec_seckey_verify)(ctx, in[0]) == 1, &result);
  return result;
}

/* publicKeyCreate(privateKey32) -> compressed public key | null */
static napi_value public_key_create(napi_env env, napi_callback_info info) {
  static const byte_arg specs[] = {{32, "publicKeyCreate: privateKey must be a 32-byte Uint8Array"}};
  napi_value argv[1];
  const unsigned char *in[1];
  const secp_context *ctx = read_args(env, info, 1, argv, 1, specs, in);
  if (ctx == NULL) return NULL;
  LIBSECP(pubkey) pubkey;
  if (!LIBSECP(ec_pubkey_create)(ctx, &pubkey, in[0])) return js_null(env);
  return serialize_compressed(env, ctx, &pubkey);
}

/* publicKeyTweakMul(publicKey33, tweak32) -> compressed tweak * publicKey | null */
static napi_value public_key_tweak_mul(napi_env env, napi_callback_info info) {
  static const byte_arg specs[] = {{33, "publicKeyTweakMul: publicKey must be a 33-byte Uint8Array"},
                                   {32, "publicKeyTweakMul: tweak must be a 32-byte Uint8Array"}};
  napi_value argv[2];
  const unsigned char *in[2];
  const secp_context *ctx = read_args(env, info, 2, argv, 2, specs, in);
  if (ctx == NULL) return NULL;
  LIBSECP(pubkey) point;
  if (!LIBSECP(ec_pubkey_parse)(ctx, &point, in[0], 33)) return js_null(env);
  if (!LIBSECP(ec_pubkey_tweak_mul)(ctx, &point, in[1])) return js_null(env);
  return serialize_compressed(env, ctx, &point);
}

/* signRecoverable(messageHash32, privateKey32) -> r || s || recoveryId (65 bytes, low-S, RFC 6979) | null */
static napi_value sign_recoverable(napi_env env, napi_callback_info info) {
  static const byte_arg specs[] = {{32, "signRecoverable: messageHash must be a 32-byte Uint8Array"},
                                   {32, "signRecoverable: privateKey must be a 32-byte Uint8Array"}};
  napi_value argv[2];
  const unsigned char *in[2];
  const secp_context *ctx = read_args(env, info, 2, argv, 2, specs, in);
  if (ctx == NULL) return NULL;
  LIBSECP(ecdsa_recoverable_signature) signature;
  /* NULL nonce function = RFC 6979 with no extra entropy: deterministic, as BOLT 11 examples expect. */
  if (!LIBSECP(ecdsa_sign_recoverable)(ctx, &signature, in[0], in[1], NULL, NULL)) return js_null(env);
  unsigned char *out;
  napi_value result = new_bytes(env, 65, &out);
  if (result == NULL) return NULL;
  int recovery_id = 0;
  if (!LIBSECP(ecdsa_recoverable_signature_serialize_compact)(ctx, out, &recovery_id, &signature)) return js_null(env);
  out[64] = (unsigned char)recovery_id;
  return result;
}

/* recoverPublicKey(messageHash32, signature64, recoveryId) -> compressed public key | null */
static napi_value recover_public_key(napi_env env, napi_callback_info info) {
  static const byte_arg specs[] = {{32, "recoverPublicKey: messageHash must be a 32-byte Uint8Array"},
                                   {64, "recoverPublicKey: signature must be a 64-byte Uint8Array"}};
  napi_value argv[3];
  const unsigned char *in[2];
  const secp_context *ctx = read_args(env, info, 3, argv, 2, specs, in);
  if (ctx == NULL) return NULL;
  int32_t recovery_id;
  if (napi_get_value_int32(env, argv[2], &recovery_id) != napi_ok) return throw_type_error(env, "recoverPublicKey: recoveryId must be a number");
  if (recovery_id < 0 || recovery_id > 3) return js_null(env);
  LIBSECP(ecdsa_recoverable_signature) signature;
  if (!LIBSECP(ecdsa_recoverable_signature_parse_compact)(ctx, &signature, in[1], recovery_id)) return js_null(env);
  LIBSECP(pubkey) pubkey;
  if (!LIBSECP(ecdsa_recover)(ctx, &pubkey, &signature, in[0])) return js_null(env);
  return serialize_compressed(env, ctx, &pubkey);
}

/* ---- module set-up -------------------------------------------------------------------------- */

/* One context per Node environment (main thread, each worker): created, randomized once (side-
 * channel blinding of signing and key generation), then only read; freed with the environment. */
static void free_context(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  LIBSECP(context_preallocated_destroy)((secp_context *)data);
  free(data);
}

static secp_context *create_context(void) {
  size_t size = LIBSECP(context_preallocated_size)(SECP256K1_CONTEXT_NONE);
  void *memory = malloc(size);
  if (memory == NULL) return NULL;
  secp_context *ctx = LIBSECP(context_preallocated_create)(memory, SECP256K1_CONTEXT_NONE);
  if (ctx == NULL) {
    free(memory);
    return NULL;
  }
  unsigned char seed[32];
  size_t filled = 0;
  while (filled < sizeof seed) {
    ssize_t got = getrandom(seed + filled, sizeof seed - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      break;
    }
    filled += (size_t)got;
  }
  int randomized = filled == sizeof seed && LIBSECP(context_randomize)(ctx, seed);
  /* volatile pointer: the compiler may not drop the wipe of a buffer that is dead afterwards. */
  volatile unsigned char *wipe = seed;
  for (size_t i = 0; i < sizeof seed; i++) wipe[i] = 0;
  if (!randomized) {
    LIBSECP(context_preallocated_destroy)(ctx);
    free(memory);
    return NULL;
  }
  return ctx;
}

static bool export_function(napi_env env, napi_value exports, const char *name, napi_callback callback, secp_context *ctx) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, ctx, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}

NAPI_MODULE_INIT() {
  secp_context *ctx = create_context();
  if (ctx == NULL) {
    napi_throw_error(env, NULL, "libsecp256k1 addon: cannot create or randomize a context");
    return NULL;
  }
  napi_value description;
  /* Instance data lives until the environment is torn down, so the exported functions (which get
   * ctx as their data pointer) can never outlive it. */
  if (napi_set_instance_data(env, ctx, free_context, NULL) != napi_ok) {
    free_context(env, ctx, NULL);
    napi_throw_error(env, NULL, "libsecp256k1 addon: cannot attach its context to the environment");
    return NULL;
  }
  bool ok = export_function(env, exports, "ecdh", ecdh, ctx) &&
            export_function(env, exports, "privateKeyVerify", private_key_verify, ctx) &&
            export_function(env, exports, "publicKeyCreate", public_key_create, ctx) &&
            export_function(env, exports, "publicKeyTweakMul", public_key_tweak_mul, ctx) &&
            export_function(env, exports, "signRecoverable", sign_recoverable, ctx) &&
            export_function(env, exports, "recoverPublicKey", recover_public_key, ctx) &&
            napi_create_string_utf8(env, LIBSECP256K1_DESCRIPTION, NAPI_AUTO_LENGTH, &description) == napi_ok &&
            napi_set_named_property(env, exports, "library", description) == napi_ok;
  if (!ok) {
    napi_throw_error(env, NULL, "libsecp256k1 addon: cannot build the module's exports");
    return NULL;
  }
  return exports;
}
