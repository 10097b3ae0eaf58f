#pragma once
// Transport (internal to dm::coord; includes generated code, never include it from a
// public header): one gRPC channel + stubs per etcd endpoint, the "current" endpoint, and
// the single place gRPC status codes become dm::Status.
//
// Ownership: shared by EtcdClient and every Watcher it created (shared_ptr), so a watcher
// thread can outlive the client object.
// Thread-safety: all methods are thread-safe; the current endpoint is an atomic index.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"
#include "dm/coord/etcd_client.h"
#include "etcd/rpc.grpc.pb.h"

namespace dm::coord {

// Maps a gRPC status to a dm::Status (see etcd_client.h for the table). OK stays OK.
// The message names the endpoint, the method and the key (when not empty).
Status FromGrpc(const grpc::Status& status, std::string_view endpoint, std::string_view method,
                std::string_view key);

// Printable form of a key for messages: quoted, non-printable bytes escaped, long keys cut.
std::string PrintableKey(std::string_view key);

class Transport {
 public:
  struct Conn {
    size_t index = 0;
    std::string endpoint;  // as the user gave it
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  };

  enum class Retry { kNo, kOtherEndpoints };

  static Result<std::shared_ptr<Transport>> Dial(const std::vector<std::string>& endpoints,
                                                 const ClientOptions& options);

  // The connection to use now: the current one, unless its channel is in
  // TRANSIENT_FAILURE and another endpoint's channel is not.
  std::shared_ptr<const Conn> Current();
  // Called after `conn` failed with UNAVAILABLE (or its stream broke): moves the current
  // endpoint to the next one, if `conn` is still current.
  void ReportFailure(const Conn& conn);

  // Waits until `conn`'s channel is connected, at most until `deadline`. Needed because
  // with gRPC's synchronous API a channel only makes progress while some thread polls it:
  // without this, a reconnect after an etcd restart is noticed by gRPC's 5 s backup
  // poller only. kUnavailable (naming the endpoint, method and key) if not connected.
  // `abort` (optional) is checked every 100 ms; when it returns true the wait ends early.
  Status EnsureConnected(const Conn& conn, std::chrono::system_clock::time_point deadline,
                         std::string_view method, std::string_view key,
                         const std::function<bool()>& abort = nullptr);

  // Runs `fn(conn, ctx)` (a blocking gRPC call) with a fresh context whose deadline is
  // now + `timeout` (request_timeout if zero), after EnsureConnected. An endpoint that is
  // not connected is skipped for the next one (nothing was sent, so this is safe for
  // writes too). A call that fails with UNAVAILABLE switches endpoints and, with
  // kOtherEndpoints (reads), is retried on the next one. Each attempt has its own deadline.
  template <class Fn>
  Status Unary(std::string_view method, std::string_view key, Retry retry, Fn&& fn,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
    if (timeout.count() <= 0) timeout = options_.request_timeout;
    Status last;
    for (size_t i = 0; i < conns_.size(); ++i) {
      std::shared_ptr<const Conn> conn = Current();
      const auto deadline = std::chrono::system_clock::now() + timeout;
      last = EnsureConnected(*conn, deadline, method, key);
      if (!last.ok()) {
        ReportFailure(*conn);
        continue;
      }
      grpc::ClientContext ctx;
      ctx.set_deadline(deadline);
      grpc::Status gs = fn(*conn, &ctx);
      if (gs.ok()) return Status::OK();
      last = FromGrpc(gs, conn->endpoint, method, key);
      if (gs.error_code() != grpc::StatusCode::UNAVAILABLE) return last;
      ReportFailure(*conn);
      if (retry == Retry::kNo) return last;  // it may have been applied: the caller decides
    }
    return last;
  }

  const ClientOptions& options() const { return options_; }
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  size_t size() const { return conns_.size(); }

 private:
  Transport() = default;

  ClientOptions options_;
  std::vector<std::string> endpoints_;
  std::vector<std::shared_ptr<const Conn>> conns_;  // immutable after Dial
  std::atomic<size_t> current_{0};
};

}  // namespace dm::coord
