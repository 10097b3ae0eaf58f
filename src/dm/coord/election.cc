#include "dm/coord/election.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <thread>

#include "dm/base/log.h"
#include "dm/coord/session.h"

namespace dm::coord {
namespace {

constexpr std::chrono::milliseconds kRetryInterval{200};

// Sleeps for `d` unless `stop` is requested first.
void SleepFor(std::chrono::milliseconds d, std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(m);
  cv.wait_for(lock, stop, d, [] { return false; });
}

GetOptions FirstCreated() {
  GetOptions o;
  o.sort_by = GetOptions::SortBy::kCreateRevision;
  o.limit = 1;
  return o;
}

void CallObserver(const std::function<void(const std::optional<KeyValue>&)>& fn,
                  const std::optional<KeyValue>& leader, const std::string& prefix) {
  try {
    fn(leader);
  } catch (const std::exception& e) {
    LogError("etcd election {}: observer threw: {}", prefix, e.what());
  } catch (...) {
    LogError("etcd election {}: observer threw", prefix);
  }
}

}  // namespace

Election::Election(EtcdClient* client, Session* session, std::string prefix)
    : client_(client), session_(session), prefix_(std::move(prefix) + "/") {}

Election::~Election() = default;

Status Election::Campaign(std::string_view value, std::stop_token stop) {
  const int64_t lease = session_->lease_id();
  const std::string key = fmt::format("{}{:x}", prefix_, lease);
  int64_t rev = 0;
  while (true) {
    if (stop.stop_requested()) {
      return Status::Cancelled(fmt::format("etcd election {}: campaign cancelled", prefix_));
    }
    if (!session_->Alive()) {
      return Status::FailedPrecondition(
          fmt::format("etcd election {}: session lease {:x} is gone", prefix_, lease));
    }
    // Create-if-absent is idempotent, so an unknown outcome (kUnavailable) can be retried.
    auto r = client_->Txn({Compare::Missing(key)}, {TxnOp::Put(key, std::string(value), lease)},
                          {TxnOp::Get(key)});
    if (!r.ok()) {
      if (!r.status().IsRetryable()) return r.status();
      LogWarn("etcd election {}: campaign retrying: {}", prefix_, r.status().ToString());
      SleepFor(kRetryInterval, stop);
      continue;
    }
    if (r->succeeded) {
      rev = r->revision;
      break;
    }
    if (r->responses.empty() || r->responses[0].kvs.empty()) continue;  // deleted meanwhile
    const KeyValue& existing = r->responses[0].kvs[0];
    rev = existing.create_revision;
    if (existing.value != value) {
      auto u = client_->Txn({Compare::CreateRevision(key, Compare::Op::kEqual, rev)},
                            {TxnOp::Put(key, std::string(value), lease)});
      if (!u.ok()) return u.status();
      if (!u->succeeded) continue;  // the key changed hands; start over
    }
    break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    key_ = key;
    key_rev_ = rev;
    leader_ = false;
  }
  Status st = WaitDeletes(rev - 1, stop);
  if (!st.ok()) {
    if (st.code() == Code::kCancelled) {
      Status r = Resign();
      if (!r.ok()) LogWarn("etcd election {}: resign after cancel: {}", prefix_, r.ToString());
    }
    return st;
  }
  std::lock_guard<std::mutex> lock(mu_);
  leader_ = true;
  LogInfo("etcd election {}: {} is leader (create revision {})", prefix_, key_, key_rev_);
  return Status::OK();
}

Status Election::WaitDeletes(int64_t max_create_revision, std::stop_token stop) {
  while (true) {
    if (stop.stop_requested()) {
      return Status::Cancelled(fmt::format("etcd election {}: campaign cancelled", prefix_));
    }
    if (!session_->Alive()) {
      return Status::FailedPrecondition(
          fmt::format("etcd election {}: session lease {:x} lost while campaigning", prefix_,
                      session_->lease_id()));
    }
    // The candidate created last before us: when it goes, look again.
    GetOptions o = FirstCreated();
    o.descending = true;
    o.max_create_revision = max_create_revision;
    auto r = client_->GetPrefix(prefix_, o);
    if (!r.ok()) {
      if (!r.status().IsRetryable()) return r.status();
      SleepFor(kRetryInterval, stop);
      continue;
    }
    if (r->kvs.empty()) return Status::OK();
    WatchOptions wo;
    wo.key = r->kvs[0].key;
    wo.start_revision = r->revision + 1;
    wo.queue_capacity = 16;
    auto w = client_->Watch(std::move(wo));
    if (!w.ok()) {
      if (!w.status().IsRetryable()) return w.status();
      SleepFor(kRetryInterval, stop);
      continue;
    }
    bool deleted = false;
    while (!deleted && !stop.stop_requested() && session_->Alive()) {
      std::optional<WatchBatch> b = (*w)->Next(kRetryInterval);
      if (!b) continue;
      if (!b->status.ok()) break;  // compacted or ended: look again
      for (const auto& ev : b->events) {
        if (ev.type == WatchEvent::Type::kDelete) deleted = true;
      }
    }
  }
}

Status Election::Proclaim(std::string_view value) {
  std::string key;
  int64_t rev = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!leader_) {
      return Status::FailedPrecondition(fmt::format("etcd election {}: not leader", prefix_));
    }
    key = key_;
    rev = key_rev_;
  }
  auto r = client_->Txn({Compare::CreateRevision(key, Compare::Op::kEqual, rev)},
                        {TxnOp::Put(key, std::string(value), session_->lease_id())});
  if (!r.ok()) return r.status();
  if (!r->succeeded) {
    std::lock_guard<std::mutex> lock(mu_);
    leader_ = false;
    return Status::FailedPrecondition(
        fmt::format("etcd election {}: leadership lost: key {} (create revision {}) is gone",
                    prefix_, key, rev));
  }
  return Status::OK();
}

Status Election::Resign() {
  std::string key;
  int64_t rev = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (key_.empty()) return Status::OK();
    key = key_;
    rev = key_rev_;
  }
  auto r =
      client_->Txn({Compare::CreateRevision(key, Compare::Op::kEqual, rev)}, {TxnOp::Delete(key)});
  if (!r.ok()) return r.status();
  std::lock_guard<std::mutex> lock(mu_);
  if (key_ == key && key_rev_ == rev) {
    key_.clear();
    key_rev_ = 0;
    leader_ = false;
  }
  return Status::OK();
}

Result<std::optional<KeyValue>> Election::Leader() {
  DM_ASSIGN_OR_RETURN(RangeResult r, client_->GetPrefix(prefix_, FirstCreated()));
  if (r.kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(r.kvs[0]));
}

bool Election::IsLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_ && session_->Alive();
}

std::optional<LeaderFence> Election::fence() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!leader_ || !session_->Alive()) return std::nullopt;
  return LeaderFence{key_, key_rev_};
}

Result<std::unique_ptr<Watcher>> Election::Observe(
    std::function<void(const std::optional<KeyValue>&)> on_change) {
  DM_ASSIGN_OR_RETURN(RangeResult first, client_->GetPrefix(prefix_, FirstCreated()));
  auto last = std::make_shared<std::optional<KeyValue>>();
  if (!first.kvs.empty()) *last = first.kvs[0];
  CallObserver(on_change, *last, prefix_);

  WatchOptions wo;
  wo.key = prefix_;
  wo.prefix = true;
  wo.start_revision = first.revision + 1;
  wo.on_batch = [client = client_, prefix = prefix_, last,
                 on_change = std::move(on_change)](WatchBatch batch) {
    if (!batch.status.ok()) {
      if (batch.status.code() != Code::kCancelled) {
        LogError("etcd election {}: observing stopped: {}", prefix, batch.status.ToString());
      }
      return;
    }
    // Any change under the prefix may change the leader: read it again (a few tries).
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto r = client->GetPrefix(prefix, FirstCreated());
      if (!r.ok()) {
        LogWarn("etcd election {}: observer cannot read the leader: {}", prefix,
                r.status().ToString());
        std::this_thread::sleep_for(kRetryInterval);
        continue;
      }
      std::optional<KeyValue> now;
      if (!r->kvs.empty()) now = r->kvs[0];
      if (now != *last) {
        *last = now;
        CallObserver(on_change, now, prefix);
      }
      return;
    }
  };
  return client_->Watch(std::move(wo));
}

Result<TxnResult> FencedTxn(EtcdClient* client, const LeaderFence& fence,
                            const std::vector<Compare>& compares,
                            const std::vector<TxnOp>& then_ops,
                            const std::vector<TxnOp>& else_ops) {
  const std::vector<Compare> guard = {
      Compare::CreateRevision(fence.key, Compare::Op::kEqual, fence.create_revision)};
  const bool nested = !compares.empty() || !else_ops.empty();
  Result<TxnResult> r = nested ? client->Txn(guard, {TxnOp::Txn(compares, then_ops, else_ops)})
                               : client->Txn(guard, then_ops);
  if (!r.ok()) return r;
  if (!r->succeeded) {
    return Status::FailedPrecondition(fmt::format(
        "etcd: fenced write rejected: leader key {} with create revision {} no longer exists; "
        "this member is not the leader any more",
        fence.key, fence.create_revision));
  }
  if (!nested) return r;
  TxnResult inner;
  inner.revision = r->revision;
  if (!r->responses.empty()) {
    inner.succeeded = r->responses[0].succeeded;
    inner.responses = std::move(r->responses[0].responses);
  }
  return inner;
}

}  // namespace dm::coord
