#pragma once
// Password encryption compatible with DM's `dmctl encrypt` (tiflow dm/pkg/encrypt and
// dm/pkg/utils/encrypt.go):
//
//   text = base64.StdEncoding( iv[16] || '@' || AES-256-CFB(key, iv, plaintext) )
//
// CFB is Go's cipher.NewCFBEncrypter (full-block CFB-128, no padding), the IV is random.
// The key is 32 bytes: from the hex file given by `--secret-key-path` (64 hex digits,
// surrounding whitespace ignored) or, when none is configured, DM's historical built-in key
// (pingcap/dm and tiflow before v8.0), so passwords encrypted by older dmctl versions keep
// working. Verified against DM's documented vector: "abc!@#123" encrypts (with that key) to
// "MKxn0Qo3m3XOyjCnhEMtsUCm83EhGQDZ/T4=".
//
// Config structs keep passwords as written (plaintext or ciphertext); the code that
// connects calls DecryptOrPlaintext, exactly as DM's DBConfig.Adjust does.
//
// Thread-safe; no global state (the key is always passed in).

#include <array>
#include <string>
#include <string_view>

#include "dm/base/result.h"

namespace dm::config {

using SecretKey = std::array<unsigned char, 32>;

// DM's built-in key, hex a529b7665997f043a30ac8fadcb51d6aa032c226ab5b7750530b12b8c1a16a48.
const SecretKey& DefaultSecretKey();

// Parses 64 hex digits (surrounding whitespace ignored). Errors never echo the text.
Result<SecretKey> ParseSecretKeyHex(std::string_view hex);

// Reads `path` (DM's --secret-key-path) and parses it. kNotFound / kIOError if unreadable,
// kInvalidArgument if the content is not a 64-hex-digit key.
Result<SecretKey> LoadSecretKeyFile(const std::string& path);

// The key to use for a configured --secret-key-path: DefaultSecretKey() when the path is
// empty, else LoadSecretKeyFile(path).
Result<SecretKey> SecretKeyFor(const std::string& secret_key_path);

// Encrypts with a fresh random IV; different on every call. Fails only if the system
// random generator or OpenSSL fails (kInternal).
Result<std::string> EncryptPassword(std::string_view plain, const SecretKey& key);

// Decrypts `text` produced by EncryptPassword / `dmctl encrypt`. kInvalidArgument if it is
// not base64 of (16 bytes, '@', ...). CFB has no integrity check, so a wrong key yields
// garbage rather than an error -- exactly as in DM. The message never contains `text`.
Result<std::string> DecryptPassword(std::string_view text, const SecretKey& key);

// DM's utils.DecryptOrPlaintext: the decrypted password, or `text` itself when it does not
// decrypt (a plaintext password). Caveat shared with DM: a plaintext password that happens
// to be valid base64 of >= 17 bytes with '@' at byte 16 is taken for ciphertext.
std::string DecryptOrPlaintext(std::string_view text, const SecretKey& key);

// Standard base64 with padding (Go's base64.StdEncoding). Decode rejects anything else
// (but skips \r and \n, as Go does).
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

}  // namespace dm::config
