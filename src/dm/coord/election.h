#pragma once
// Election: leader election among processes sharing an etcd prefix, with the semantics of
// etcd's clientv3/concurrency.Election (v3.4):
//
//   - Each candidate holds a Session (lease). Its key is `<prefix>/<lease id in hex>`,
//     created with that lease, so it disappears when the candidate dies.
//   - The leader is the candidate whose key has the lowest create revision under
//     `<prefix>/`. Campaign() creates the key (Txn: create if absent) and then waits until
//     every key with a lower create revision is deleted.
//   - Leader writes are fenced: FencedTxn() runs a write only if the leader key still
//     exists with the create revision it had when leadership was won, so a deposed leader
//     (lease expired, key re-created by someone else) cannot overwrite newer state.
//
// Ownership: borrows the client and the session (both must outlive the Election).
// Thread-safety: Campaign(), Proclaim() and Resign() from one thread at a time; Leader(),
// IsLeader(), fence() and Observe() from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"
#include "dm/coord/etcd_client.h"
#include "dm/coord/watcher.h"

namespace dm::coord {

class Session;

// What a leader's writes are guarded by: its election key and that key's create revision.
struct LeaderFence {
  std::string key;
  int64_t create_revision = 0;
};

class Election {
 public:
  // `prefix` without a trailing "/", e.g. "/dm-master/leader".
  Election(EtcdClient* client, Session* session, std::string prefix);
  ~Election();  // does not resign: the key goes with the session
  Election(const Election&) = delete;
  Election& operator=(const Election&) = delete;

  // Blocks until this candidate is the leader and returns OK. Fails with kCancelled when
  // `stop` is requested (the key is then deleted), kFailedPrecondition when the session
  // is lost, or the etcd error of a non-retryable failure (retryable ones are retried until
  // the session ends). Campaigning again while a candidate keeps the key and updates its
  // value.
  Status Campaign(std::string_view value, std::stop_token stop = {});
  // Leader only: replaces the value of the leader key. kFailedPrecondition if not leader.
  Status Proclaim(std::string_view value);
  // Gives up leadership (or candidacy): deletes the key if it is still ours. Idempotent.
  Status Resign();

  // The current leader's key and value (lowest create revision), or nullopt if none.
  Result<std::optional<KeyValue>> Leader();
  // True if Campaign() succeeded, Resign() was not called since and the session is alive.
  // Local knowledge only: guard writes with FencedTxn, not with this.
  bool IsLeader() const;
  // The fence for this candidate's writes; nullopt unless IsLeader().
  std::optional<LeaderFence> fence() const;
  const std::string& prefix() const { return prefix_; }

  // Calls `on_change` with the current leader (nullopt: none), then again every time the
  // leader or its value changes, on the returned watcher's thread. Keep the watcher to
  // keep observing. The client must outlive the watcher.
  Result<std::unique_ptr<Watcher>> Observe(
      std::function<void(const std::optional<KeyValue>&)> on_change);

 private:
  Status WaitDeletes(int64_t max_create_revision, std::stop_token stop);

  EtcdClient* const client_;
  Session* const session_;
  const std::string prefix_;  // "<prefix>/"

  mutable std::mutex mu_;
  // Guarded by mu_:
  std::string key_;      // our candidate key, empty if not campaigning
  int64_t key_rev_ = 0;  // its create revision
  bool leader_ = false;
};

// Runs `If compares Then then_ops Else else_ops` only while `fence` holds (the leader key
// still exists with its create revision). Returns kFailedPrecondition, naming the key, if
// the fence failed: the caller is no longer leader and must not retry the write as leader.
// Otherwise returns the result of the guarded transaction.
Result<TxnResult> FencedTxn(EtcdClient* client, const LeaderFence& fence,
                            const std::vector<Compare>& compares,
                            const std::vector<TxnOp>& then_ops,
                            const std::vector<TxnOp>& else_ops = {});

}  // namespace dm::coord
