// SHA-256 against the FIPS 180-2 / NIST example vectors, and lengths around the padding
// boundaries (55/56/64 bytes) against digests computed with Python's hashlib.
#include "qopt/Runtime/Sha256.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

using qopt::rt::Sha256;
using qopt::rt::sha256Hex;

namespace {

std::string hexOf(const std::string &s) {
  return sha256Hex(reinterpret_cast<const uint8_t *>(s.data()), s.size());
}

TEST(Sha256, NistVectors) {
  EXPECT_EQ(hexOf(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hexOf("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hexOf("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                  "klmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(hexOf("The quick brown fox jumps over the lazy dog"),
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
  EXPECT_EQ(hexOf(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundaries) {
  const std::pair<size_t, const char *> cases[] = {
      {55, "8aa994584139d128848eeebc4e815639ba5ab6e6e39574195a63ac4f14f7c43b"},
      {56, "ad574708f75c044c9b85de64cb568ee7711ff4f36448c6242f053ba8f6cc2b63"},
      {57, "5b46e502092be01b1100193e089fdda95638c12e19a1d24f308eb2c3d3ae849d"},
      {63, "280ed3e8ff1df845b2e7dfe6ac6cee817bef20e783cc65abc41b818b4d2fe076"},
      {64, "c6ab9724ade5b6a7a1edfffb12f3aa9181351355af8fd08c919952ad211339dd"},
      {65, "788367c73c7ddf4c53f65e68cc0d943e6227ab55b0e78ba63ace822b1c6301c0"},
      {119, "3d610547d68216dedf7435a4fb6260353911f6b3fd3f18805ddb8be285d726fe"},
      {120, "1f80156a804cb7862ad113e8200e9d74499723e7c7854d5f48776d3148e09656"},
      {128, "cc548ca2dec1f6fe4f58b2e27aa9c7521607df1130d140b55a4dad0665302356"},
  };
  for (auto [n, hex] : cases) {
    std::vector<uint8_t> bytes(n);
    for (size_t i = 0; i < n; ++i)
      bytes[i] = uint8_t(i * 31 + 7);
    EXPECT_EQ(sha256Hex(bytes.data(), n), hex) << n << " bytes";
  }
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::vector<uint8_t> bytes(300);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = uint8_t(i * 131 + 3);
  std::string whole = sha256Hex(bytes.data(), bytes.size());
  for (size_t split : {0u, 1u, 55u, 63u, 64u, 65u, 200u, 300u}) {
    Sha256 h;
    h.update(bytes.data(), split);
    h.update(bytes.data() + split, bytes.size() - split);
    std::array<uint8_t, 32> d = h.digest();
    char hex[65];
    for (int i = 0; i < 32; ++i)
      std::snprintf(hex + 2 * i, 3, "%02x", d[i]);
    EXPECT_EQ(std::string(hex), whole) << "split at " << split;
  }
}

} // namespace

// The SHA-extension compression against the portable one, on every length up to 300 bytes and
// a megabyte (both the multi-block loop and the tails). On a CPU without the extensions both
// hashes run the portable code, which the vectors above check.
TEST(Sha256, HardwareEqualsPortable) {
  std::vector<uint8_t> bytes(1 << 20);
  uint32_t x = 12345;
  for (uint8_t &b : bytes) {
    x = x * 1664525u + 1013904223u;
    b = uint8_t(x >> 24);
  }
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 300; ++n)
    lengths.push_back(n);
  lengths.push_back(bytes.size());
  for (size_t n : lengths) {
    Sha256::setHardwareAllowed(true);
    std::string fast = sha256Hex(bytes.data(), n);
    Sha256::setHardwareAllowed(false);
    std::string portable = sha256Hex(bytes.data(), n);
    Sha256::setHardwareAllowed(true);
    ASSERT_EQ(fast, portable) << n << " bytes";
  }
  std::printf("SHA extensions on this CPU: %s\n", Sha256::hardwareAvailable() ? "yes" : "no");
}
