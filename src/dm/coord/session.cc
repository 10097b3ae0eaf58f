#include "dm/coord/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stop_token>
#include <system_error>
#include <thread>

#include "dm/base/log.h"
#include "dm/coord/etcd_client.h"

namespace dm::coord {
namespace {
using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kRetryInterval{500};
}  // namespace

struct Session::State {
  // Immutable after Create().
  EtcdClient* client = nullptr;
  SessionOptions options;
  int64_t lease = 0;
  int64_t ttl = 0;

  std::atomic<bool> alive{true};
  std::promise<Status> done_promise;
  std::shared_future<Status> done;

  std::mutex mu;
  std::condition_variable_any cv;  // wakes the thread early on stop
  // Guarded by mu:
  bool ended = false;  // done_promise has been set

  std::once_flag stop_once;
  std::jthread thread;  // last

  // Marks the session ended (first caller wins). Returns true if this call ended it; the
  // caller must then Fulfill().
  bool Claim() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (ended) return false;
      ended = true;
    }
    alive.store(false);
    return true;
  }
  void Fulfill(Status status) { done_promise.set_value(std::move(status)); }

  // Ends the session with `status` (first caller wins). Returns true if this call ended it.
  bool End(Status status) {
    if (!Claim()) return false;
    Fulfill(std::move(status));
    return true;
  }

  // Loss: on_lost runs before Done() becomes ready, so whoever waits on Done() sees the
  // callback's effects.
  void Lost(Status why) {
    LogWarn("{}", why.ToString());
    if (!Claim()) return;
    if (options.on_lost) {
      try {
        options.on_lost(why);
      } catch (const std::exception& e) {
        LogError("etcd session lease {:x}: on_lost threw: {}", lease, e.what());
      } catch (...) {
        LogError("etcd session lease {:x}: on_lost threw", lease);
      }
    }
    Fulfill(std::move(why));
  }

  // Sleeps until `t` or stop; returns false on stop.
  bool SleepUntil(std::stop_token stop, Clock::time_point t) {
    std::unique_lock<std::mutex> lock(mu);
    return !cv.wait_until(lock, stop, t, [] { return false; });
  }

  void Run(std::stop_token stop, Clock::time_point granted_at) {
    const auto ttl_d = std::chrono::seconds(ttl);
    Clock::time_point expiry = granted_at + ttl_d;
    Clock::time_point next = granted_at + ttl_d / 3;
    Status last_error;
    while (SleepUntil(stop, next)) {
      const Clock::time_point sent = Clock::now();
      if (sent >= expiry) {
        Lost(Status::Unavailable(fmt::format(
            "etcd session: lease {:x} (TTL {} s) could not be renewed before it expired: {}", lease,
            ttl, last_error.ok() ? "no answer" : last_error.ToString())));
        return;
      }
      // Never wait past the expiry: then the lease is lost whatever the answer.
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(expiry - sent);
      Result<int64_t> r = client->LeaseKeepAliveOnce(
          lease, std::min(left + std::chrono::milliseconds(1), client->options().request_timeout));
      if (stop.stop_requested()) return;
      if (r.ok() && *r > 0) {
        expiry = sent + std::chrono::seconds(*r);
        next = sent + std::chrono::seconds(*r) / 3;
        last_error = Status::OK();
        continue;
      }
      if (r.ok() || r.status().IsNotFound()) {
        Lost(Status::NotFound(
            fmt::format("etcd session: lease {:x} expired or was revoked (etcd no longer knows "
                        "it); its keys are gone",
                        lease)));
        return;
      }
      last_error = r.status();
      LogWarn("etcd session: renewing lease {:x} failed ({} ms left): {}", lease,
              std::chrono::duration_cast<std::chrono::milliseconds>(expiry - Clock::now()).count(),
              last_error.ToString());
      next = std::min(Clock::now() + kRetryInterval, expiry);
    }
  }

  // Stops and joins the thread once, whoever calls first (Close, Orphan, destructor).
  void StopThread() {
    std::call_once(stop_once, [this] {
      thread.request_stop();
      // From on_lost (REQUIRES violated): joining ourselves would deadlock; the thread
      // returns right after on_lost anyway.
      if (thread.get_id() == std::this_thread::get_id()) return;
      if (thread.joinable()) thread.join();
    });
  }
};

Result<std::unique_ptr<Session>> Session::Create(EtcdClient* client, SessionOptions options) {
  const auto granted_at = Clock::now();
  DM_ASSIGN_OR_RETURN(LeaseGrantResult g, client->LeaseGrant(options.ttl_seconds));
  auto state = std::make_unique<State>();
  state->client = client;
  state->options = std::move(options);
  state->lease = g.id;
  state->ttl = g.ttl;
  state->done = state->done_promise.get_future().share();
  State* s = state.get();
  try {
    s->thread = std::jthread([s, granted_at](std::stop_token stop) { s->Run(stop, granted_at); });
  } catch (const std::system_error& e) {
    (void)client->LeaseRevoke(g.id);
    return Status::Internal(fmt::format("etcd session: cannot start thread: {}", e.what()));
  }
  return std::unique_ptr<Session>(new Session(std::move(state)));
}

Session::Session(std::unique_ptr<State> state) : state_(std::move(state)) {}

Session::~Session() { (void)Close(); }

int64_t Session::lease_id() const { return state_->lease; }
int64_t Session::ttl_seconds() const { return state_->ttl; }
bool Session::Alive() const { return state_->alive.load(); }
std::shared_future<Status> Session::Done() const { return state_->done; }

Status Session::Close() {
  state_->StopThread();
  // Claim the end first so a concurrent loss report cannot race the revoke's outcome.
  if (!state_->End(Status::OK())) return Status::OK();
  Status st = state_->client->LeaseRevoke(state_->lease);
  if (st.IsNotFound()) return Status::OK();  // already expired: same outcome
  return st;
}

void Session::Orphan() {
  state_->StopThread();
  state_->End(Status::Cancelled(
      fmt::format("etcd session: lease {:x} orphaned (no longer kept alive)", state_->lease)));
}

}  // namespace dm::coord
