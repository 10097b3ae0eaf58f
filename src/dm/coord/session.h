#pragma once
// Session: an etcd lease kept alive by a background thread (etcd's concurrency.Session).
//
// Create() grants a lease of `ttl_seconds`; the thread renews it every TTL/3 (retrying
// every 500 ms after a failed renewal). The session is LOST when etcd says the lease is
// gone (kNotFound) or when no renewal succeeded before the lease's expiry as seen from here
// (kUnavailable; measured from the moment the last successful renewal was sent, so this
// side never believes in a lease etcd has already expired). Loss is reported once: Alive()
// turns false, Done() becomes ready with the reason, and on_lost (if set) is called on the
// keep-alive thread. Keys put with lease_id() are deleted by etcd when the lease ends.
//
// Close() stops the thread and revokes the lease (its keys go at once); Done() then holds
// OK. Orphan() stops the thread without revoking (the lease and its keys expire after the
// TTL, as if this process had died); Done() then holds kCancelled.
//
// Ownership: borrows the EtcdClient, which must outlive the session; owns its thread.
// Thread-safety: all methods are thread-safe.
// REQUIRES: Close(), Orphan() and the destructor are not called from on_lost.

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>

#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::coord {

class EtcdClient;

struct SessionOptions {
  int64_t ttl_seconds = 60;  // DM's masters use 10, workers --keepalive-ttl (60)
  std::function<void(const Status&)> on_lost;
};

class Session {
 public:
  // Grants the lease and starts keeping it alive. Fails with the LeaseGrant error.
  static Result<std::unique_ptr<Session>> Create(EtcdClient* client, SessionOptions options = {});

  ~Session();  // Close(), ignoring its error
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int64_t lease_id() const;
  int64_t ttl_seconds() const;  // as granted
  bool Alive() const;           // neither lost, closed nor orphaned
  // Ready once the session ended: OK after Close(), kCancelled after Orphan(), else why it
  // was lost.
  std::shared_future<Status> Done() const;

  // Stops the keep-alive thread and revokes the lease. Idempotent. Returns the revoke
  // error (the lease then still expires after its TTL); OK if already lost.
  Status Close();
  // Stops the keep-alive thread, leaving the lease to expire. Idempotent.
  void Orphan();

 private:
  struct State;
  explicit Session(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace dm::coord
