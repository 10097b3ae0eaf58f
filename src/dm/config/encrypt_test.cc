#include "dm/config/encrypt.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace dm::config {
namespace {

// From DM's docs (dm-manage-source.md): `dmctl encrypt 'abc!@#123'` printed this with the
// built-in key. Decrypting it proves format and key are DM's.
constexpr char kDmDocCiphertext[] = "MKxn0Qo3m3XOyjCnhEMtsUCm83EhGQDZ/T4=";
constexpr char kDmDocPlaintext[] = "abc!@#123";

TEST(EncryptTest, DecryptsDmDocumentedVector) {
  auto plain = DecryptPassword(kDmDocCiphertext, DefaultSecretKey());
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, kDmDocPlaintext);
}

TEST(EncryptTest, RoundTripWithRandomIv) {
  for (std::string plain : {std::string(""), std::string("a"), std::string("p@ss w0rd!"),
                            std::string(1000, 'x'), std::string("\0bin\xff", 5)}) {
    auto a = EncryptPassword(plain, DefaultSecretKey());
    auto b = EncryptPassword(plain, DefaultSecretKey());
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(*a, *b) << "IV must be random";
    EXPECT_EQ(*DecryptPassword(*a, DefaultSecretKey()), plain);
    EXPECT_EQ(*DecryptPassword(*b, DefaultSecretKey()), plain);
    // Layout: base64(16-byte IV, '@', ciphertext of the same length).
    auto raw = Base64Decode(*a);
    ASSERT_TRUE(raw.ok());
    ASSERT_EQ(raw->size(), 17 + plain.size());
    EXPECT_EQ((*raw)[16], '@');
  }
}

TEST(EncryptTest, CustomKeyFromFile) {
  std::string path = ::testing::TempDir() + "/dm_secret_key";
  {
    std::ofstream out(path);
    out << "  00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n";
  }
  auto key = LoadSecretKeyFile(path);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ((*key)[0], 0x00);
  EXPECT_EQ((*key)[31], 0xff);
  auto key2 = SecretKeyFor(path);
  ASSERT_TRUE(key2.ok());
  EXPECT_EQ(*key, *key2);
  EXPECT_EQ(*SecretKeyFor(""), DefaultSecretKey());

  auto enc = EncryptPassword("secret", *key);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(*DecryptPassword(*enc, *key), "secret");
  // The wrong key "decrypts" to garbage (CFB has no integrity check, as in DM).
  EXPECT_NE(*DecryptPassword(*enc, DefaultSecretKey()), "secret");
  std::remove(path.c_str());
}

TEST(EncryptTest, BadKeys) {
  auto short_key = ParseSecretKeyHex("abcd");
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.status().message().find("64 hex digits"), std::string::npos);
  auto not_hex = ParseSecretKeyHex(std::string(63, 'a') + "g");
  ASSERT_FALSE(not_hex.ok());
  EXPECT_EQ(not_hex.status().message().find(std::string(63, 'a')), std::string::npos)
      << "key material must not be echoed";
  auto missing = LoadSecretKeyFile("/nonexistent/dm-key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_EQ(missing.status().scope(), Scope::kConfig);
}

TEST(EncryptTest, DecryptOrPlaintextFollowsDm) {
  const SecretKey& key = DefaultSecretKey();
  EXPECT_EQ(DecryptOrPlaintext(kDmDocCiphertext, key), kDmDocPlaintext);
  // Not base64, too short, or no '@' separator: taken as a plaintext password.
  EXPECT_EQ(DecryptOrPlaintext("123456", key), "123456");
  EXPECT_EQ(DecryptOrPlaintext("abcd", key), "abcd");
  EXPECT_EQ(DecryptOrPlaintext("", key), "");
  std::string no_sep = Base64Encode(std::string(16, 'i') + "#payload");
  EXPECT_EQ(DecryptOrPlaintext(no_sep, key), no_sep);
  auto r = DecryptPassword("not*base64", key);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("not*base64"), std::string::npos);
}

TEST(EncryptTest, Base64MatchesStdEncoding) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_FALSE(Base64Decode("Zm9vYg=").ok());
  EXPECT_FALSE(Base64Decode("Zm=vYg==").ok());
}

}  // namespace
}  // namespace dm::config
