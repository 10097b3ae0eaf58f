#pragma once
// Watcher: one etcd watch (a key or a prefix) served by a background thread it owns.
//
// Created by EtcdClient::Watch(). The thread keeps a gRPC Watch stream open and delivers
// every change as a WatchBatch (all events of one etcd response, in revision order), either
// to WatchOptions::on_batch (called on the watcher thread) or, without a callback, into a
// bounded queue read with Next(). When the queue is full the thread waits, so a slow reader
// slows the stream down instead of growing memory.
//
// Resume: if the stream breaks (etcd killed, restarted, partitioned: the stream asks etcd
// to cancel it when the member has no leader), the thread reconnects, switching to the
// next endpoint, with backoff (100 ms doubling to 2 s), and re-creates the watch from the
// revision after the last one delivered: no event is lost or repeated.
//
// Terminal outcomes end the watch with a final batch whose `status` is not OK (in queue
// mode Next() then keeps returning it):
//   - compaction: kFailedPrecondition, `compact_revision` set. The history the watch needs is
//     gone: re-list (GetPrefix) and start a new watch from the listing's revision + 1.
//   - etcd cancelled the watch for another reason, or a non-retryable stream error.
//   - Cancel(): kCancelled.
//
// Thread-safety: Next() from one consumer thread; Cancel() and accessors from any thread.
// REQUIRES: the watcher is not destroyed from inside its own on_batch callback.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"
#include "dm/coord/etcd_client.h"

namespace dm::coord {

class Transport;

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;                      // kDelete: the key, with mod_revision = the deletion revision
  std::optional<KeyValue> prev_kv;  // only with WatchOptions::prev_kv (and not compacted)
};

struct WatchBatch {
  Status status;                 // non-OK: terminal, see above; no events then
  int64_t revision = 0;          // store revision of the response
  int64_t compact_revision = 0;  // set when status says the history was compacted
  std::vector<WatchEvent> events;
};

struct WatchOptions {
  std::string key;
  bool prefix = false;         // watch every key starting with `key`
  int64_t start_revision = 0;  // first revision delivered (inclusive); 0 = from now
  bool prev_kv = false;
  size_t queue_capacity = 64;  // batches buffered in queue mode
  // Callback mode when set: called on the watcher thread, one batch at a time, in order,
  // including the terminal batch. Exceptions it throws are logged and swallowed.
  std::function<void(WatchBatch)> on_batch;
};

class Watcher {
 public:
  ~Watcher();  // Cancel() and join the thread
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Queue mode: the next batch, waiting up to `timeout`; nullopt on timeout. After the
  // watch ended, returns the terminal batch (repeatedly). In callback mode: the terminal
  // batch once the watch ended, else waits and returns nullopt.
  std::optional<WatchBatch> Next(std::chrono::milliseconds timeout);

  // Ends the watch; the thread stops soon after (it is joined by the destructor).
  // Idempotent; never blocks on the network.
  void Cancel();

  // The revision the watch would resume from (last delivered revision + 1).
  int64_t next_revision() const;
  const std::string& key() const;

 private:
  friend class EtcdClient;
  struct State;
  static Result<std::unique_ptr<Watcher>> Start(std::shared_ptr<Transport> transport,
                                                WatchOptions options);
  explicit Watcher(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace dm::coord
