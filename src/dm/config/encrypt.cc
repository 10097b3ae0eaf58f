#include "dm/config/encrypt.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "dm/base/text.h"

namespace dm::config {

namespace {

constexpr size_t kIvSize = 16;
constexpr char kIvSep = '@';

Status Invalid(std::string msg) {
  return Status(Code::kInvalidArgument, std::move(msg), Scope::kConfig);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// AES-256-CFB128 over `in` (encrypt when `enc`), like Go's NewCFB{En,De}crypter.
Result<std::string> Cfb(const SecretKey& key, const unsigned char* iv, std::string_view in,
                        bool enc) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Status::Internal("EVP_CIPHER_CTX_new failed");
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cfb128(), nullptr, key.data(), iv, enc ? 1 : 0) !=
      1) {
    return Status::Internal("AES-256-CFB initialisation failed");
  }
  std::string out(in.size(), '\0');
  int len = 0;
  if (!in.empty() &&
      EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                       reinterpret_cast<const unsigned char*>(in.data()),
                       static_cast<int>(in.size())) != 1) {
    return Status::Internal("AES-256-CFB failed");
  }
  int tail = 0;
  if (EVP_CipherFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &tail) !=
      1) {
    return Status::Internal("AES-256-CFB finalisation failed");
  }
  out.resize(static_cast<size_t>(len + tail));
  return out;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

const SecretKey& DefaultSecretKey() {
  static const SecretKey key = [] {
    SecretKey k{};
    auto parsed =
        ParseSecretKeyHex("a529b7665997f043a30ac8fadcb51d6aa032c226ab5b7750530b12b8c1a16a48");
    if (parsed.ok()) k = *parsed;
    return k;
  }();
  return key;
}

Result<SecretKey> ParseSecretKeyHex(std::string_view hex) {
  hex = TrimSpace(hex);
  if (hex.size() != 64) {
    return Invalid("the secret key must be a hex AES-256 key of 64 hex digits, got " +
                   std::to_string(hex.size()) + " characters");
  }
  SecretKey key{};
  for (size_t i = 0; i < 32; ++i) {
    int hi = HexDigit(hex[2 * i]);
    int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Invalid("the secret key must be a hex AES-256 key of 64 hex digits; found a "
                     "non-hex character at position " +
                     std::to_string(hi < 0 ? 2 * i + 1 : 2 * i + 2));
    }
    key[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return key;
}

Result<SecretKey> LoadSecretKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string msg = "cannot read secret key file `" + path + "`: " + std::strerror(err) +
                      "; check --secret-key-path and the file's permissions";
    return Status(err == ENOENT ? Code::kNotFound : Code::kIOError, std::move(msg),
                  Scope::kConfig);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto key = ParseSecretKeyHex(buf.str());
  if (!key.ok()) return key.status().WithContext("secret key file `" + path + "`");
  return key;
}

Result<SecretKey> SecretKeyFor(const std::string& secret_key_path) {
  if (secret_key_path.empty()) return DefaultSecretKey();
  return LoadSecretKeyFile(secret_key_path);
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto b = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = b(i) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = (b(i) << 16) | (b(i + 1) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c != '\r' && c != '\n') clean += c;
  }
  if (clean.size() % 4 != 0) return Invalid("not base64: length is not a multiple of 4");
  std::string out;
  out.reserve(clean.size() / 4 * 3);
  for (size_t i = 0; i < clean.size(); i += 4) {
    bool last = i + 4 == clean.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = clean[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return Invalid("not base64: data after padding");
      v[k] = B64Value(c);
      if (v[k] < 0) return Invalid("not base64: invalid character");
    }
    uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((w >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((w >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(w & 0xFF);
  }
  return out;
}

Result<std::string> EncryptPassword(std::string_view plain, const SecretKey& key) {
  unsigned char iv[kIvSize];
  if (RAND_bytes(iv, sizeof(iv)) != 1) {
    return Status::Internal("cannot generate a random IV for password encryption");
  }
  DM_ASSIGN_OR_RETURN(std::string body, Cfb(key, iv, plain, /*enc=*/true));
  std::string raw(reinterpret_cast<const char*>(iv), kIvSize);
  raw += kIvSep;
  raw += body;
  return Base64Encode(raw);
}

Result<std::string> DecryptPassword(std::string_view text, const SecretKey& key) {
  auto raw = Base64Decode(text);
  if (!raw.ok()) return Invalid("encrypted password is " + std::string(raw.status().message()));
  if (raw->size() < kIvSize + 1) {
    return Invalid("encrypted password is too short: needs at least " +
                   std::to_string(kIvSize + 1) + " bytes after base64 decoding, got " +
                   std::to_string(raw->size()));
  }
  if ((*raw)[kIvSize] != kIvSep) {
    return Invalid("encrypted password lacks the `@` separator after its 16-byte IV");
  }
  const auto* iv = reinterpret_cast<const unsigned char*>(raw->data());
  return Cfb(key, iv, std::string_view(*raw).substr(kIvSize + 1), /*enc=*/false);
}

std::string DecryptOrPlaintext(std::string_view text, const SecretKey& key) {
  auto plain = DecryptPassword(text, key);
  if (!plain.ok()) return std::string(text);
  return std::move(plain).value();
}

}  // namespace dm::config
