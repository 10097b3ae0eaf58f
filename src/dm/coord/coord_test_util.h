#pragma once
// Test helpers for dm::coord integration tests: a fixture with a throwaway etcd and a
// connected client, and small polling helpers. Test code only.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dm/coord/etcd_client.h"
#include "dm/coord/watcher.h"
#include "dm/testing/etcd_server.h"
#include "dm/testing/gtest_skip.h"

namespace dm::coord::testing {

// A loopback port nothing listens on (bound and released).
inline uint16_t UnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Polls `pred` every 50 ms until true or `timeout`; returns its last value.
inline bool WaitFor(std::chrono::milliseconds timeout, const std::function<bool()>& pred) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Reads batches until `n` events arrived, the watch ended, or `timeout`.
inline std::vector<WatchEvent> CollectEvents(Watcher& w, size_t n,
                                             std::chrono::milliseconds timeout) {
  std::vector<WatchEvent> out;
  auto end = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < end) {
    auto b = w.Next(std::chrono::milliseconds(100));
    if (!b) continue;
    if (!b->status.ok()) break;
    for (auto& e : b->events) out.push_back(std::move(e));
  }
  return out;
}

class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DM_REQUIRE_ETCD();
    auto s = dm::testing::EtcdServer::Start();
    DM_ASSERT_OK(s);
    server_ = std::move(s).value();
    auto c = EtcdClient::Connect({server_->endpoint()}, Options());
    DM_ASSERT_OK(c);
    client_ = std::move(c).value();
  }

  static ClientOptions Options() {
    ClientOptions o;
    o.dial_timeout = std::chrono::seconds(3);
    o.request_timeout = std::chrono::seconds(3);
    return o;
  }

  std::unique_ptr<dm::testing::EtcdServer> server_;
  std::unique_ptr<EtcdClient> client_;
};

}  // namespace dm::coord::testing
