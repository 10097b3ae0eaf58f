#include "dm/testing/temp_dir.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>

#include <fmt/format.h>

namespace dm::testing {
namespace {

std::string g_root;
pid_t g_root_owner = 0;

void RemoveRootAtExit() {
  if (getpid() != g_root_owner || g_root.empty()) return;
  if (KeepTempFiles()) {
    std::fprintf(stderr, "dm::testing: keeping %s (DM_KEEP_TMP=1)\n", g_root.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(g_root, ec);
}

bool EnvIsOne(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::string_view(v) == "1";
}

}  // namespace

bool KeepTempFiles() { return EnvIsOne("DM_KEEP_TMP"); }
bool ServersRequired() { return EnvIsOne("DM_TEST_REQUIRE_SERVERS"); }

std::string TestTempParent() {
  const char* parent = std::getenv("DM_TEST_TMP");
  if (parent == nullptr || *parent == '\0') parent = std::getenv("TMPDIR");
  if (parent == nullptr || *parent == '\0') parent = "/tmp";
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  return std::filesystem::absolute(parent).string();
}

std::string TestTempDir() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::string templ = TestTempParent() + "/dm-test-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) {
      std::fprintf(stderr, "dm::testing: cannot create a temp dir %s: %s\n", templ.c_str(),
                   std::strerror(errno));
      std::abort();
    }
    g_root = templ;
    g_root_owner = getpid();
    std::atexit(RemoveRootAtExit);
  });
  return g_root;
}

Result<std::string> MakeTempSubdir(std::string_view prefix) {
  static std::atomic<int> seq{0};
  std::string root = TestTempDir();
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::string dir = fmt::format("{}/{}-{}", root, prefix, seq.fetch_add(1));
    std::error_code ec;
    if (std::filesystem::create_directory(dir, ec)) return dir;
    if (ec) return Status::IOError(fmt::format("cannot create {}: {}", dir, ec.message()));
  }
  return Status::IOError(fmt::format("cannot create a unique {}-N directory in {}", prefix, root));
}

Result<uint16_t> FreePort() {
  static std::mutex mu;
  static std::set<uint16_t> handed_out;
  static std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  std::lock_guard<std::mutex> lock(mu);
  std::uniform_int_distribution<int> dist(20000, 32767);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto port = static_cast<uint16_t>(dist(rng));
    if (handed_out.count(port) != 0) continue;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::IOError(fmt::format("socket: {}", std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) {
      handed_out.insert(port);
      return port;
    }
  }
  return Status::Unavailable("no free TCP port on 127.0.0.1 in 20000-32767 after 1000 tries");
}

}  // namespace dm::testing
