#include "dm/coord/watcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <stop_token>
#include <system_error>
#include <thread>

#include "dm/base/log.h"
#include "dm/coord/internal/transport.h"

namespace dm::coord {
namespace {

KeyValue FromPb(const mvccpb::KeyValue& kv) {
  return KeyValue{kv.key(),          kv.value(),   kv.create_revision(),
                  kv.mod_revision(), kv.version(), kv.lease()};
}

constexpr std::chrono::milliseconds kMinBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};

}  // namespace

struct Watcher::State {
  // Immutable after construction.
  std::shared_ptr<Transport> transport;
  WatchOptions options;
  std::string range_end;  // empty for a single key

  std::atomic<int64_t> next_rev{0};  // written by the thread only

  std::mutex mu;
  std::condition_variable data_cv;   // a batch, the terminal batch, or "created" arrived
  std::condition_variable space_cv;  // queue has room, or cancelled
  // Guarded by mu:
  bool cancelled = false;
  bool created = false;  // the first stream was created
  grpc::ClientContext* active_ctx = nullptr;
  std::deque<WatchBatch> queue;
  std::optional<WatchBatch> terminal;
  Status last_error;  // of the last broken stream, for Start()'s error message

  std::jthread thread;  // last: started after everything above exists

  void Cancel() {
    std::lock_guard<std::mutex> lock(mu);
    cancelled = true;
    if (active_ctx) active_ctx->TryCancel();  // non-blocking
    data_cv.notify_all();
    space_cv.notify_all();
  }

  bool IsCancelled() {
    std::lock_guard<std::mutex> lock(mu);
    return cancelled;
  }

  void InvokeCallback(WatchBatch batch) {
    try {
      options.on_batch(std::move(batch));
    } catch (const std::exception& e) {
      LogError("etcd watch {}: callback threw: {}", PrintableKey(options.key), e.what());
    } catch (...) {
      LogError("etcd watch {}: callback threw a non-std exception", PrintableKey(options.key));
    }
  }

  // Returns false if cancelled while waiting for room.
  bool Deliver(WatchBatch batch) {
    if (options.on_batch) {
      if (IsCancelled()) return false;
      InvokeCallback(std::move(batch));
      return true;
    }
    std::unique_lock<std::mutex> lock(mu);
    space_cv.wait(lock, [&] { return cancelled || queue.size() < options.queue_capacity; });
    if (cancelled) return false;
    queue.push_back(std::move(batch));
    data_cv.notify_all();
    return true;
  }

  void Finish(Status status, int64_t compact_revision) {
    WatchBatch batch;
    batch.status = std::move(status);
    batch.compact_revision = compact_revision;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (terminal) return;
      terminal = batch;
      data_cv.notify_all();
    }
    if (options.on_batch) InvokeCallback(std::move(batch));
  }

  // One stream: returns true if the watch ended for good (terminal delivered or cancelled),
  // false if the stream broke and should be re-established.
  bool RunStream(const Transport::Conn& conn) {
    grpc::ClientContext ctx;
    // Ask etcd to cancel the stream if this member loses its leader (partition).
    ctx.AddMetadata("hasleader", "true");
    {
      std::lock_guard<std::mutex> lock(mu);
      if (cancelled) return true;
      active_ctx = &ctx;
    }
    bool done = StreamOnce(conn, &ctx);
    {
      std::lock_guard<std::mutex> lock(mu);
      active_ctx = nullptr;
    }
    return done;
  }

  bool StreamOnce(const Transport::Conn& conn, grpc::ClientContext* ctx) {
    Status connected = transport->EnsureConnected(
        conn, std::chrono::system_clock::now() + transport->options().dial_timeout, "Watch",
        options.key, [this] { return IsCancelled(); });
    if (!connected.ok()) return StreamBroke(conn, std::move(connected));
    auto stream = conn.watch->Watch(ctx);
    etcdserverpb::WatchRequest req;
    auto* create = req.mutable_create_request();
    create->set_key(options.key);
    create->set_range_end(range_end);
    create->set_start_revision(next_rev.load());
    create->set_prev_kv(options.prev_kv);
    create->set_progress_notify(true);
    const int64_t asked_from = next_rev.load();

    etcdserverpb::WatchResponse resp;
    bool ok = stream->Write(req);
    while (ok && stream->Read(&resp)) {
      if (resp.compact_revision() != 0) {
        Finish(Status::FailedPrecondition(fmt::format(
                   "etcd {}: watch {} from revision {}: history compacted at revision {}; "
                   "re-list and watch again from the listing's revision",
                   conn.endpoint, PrintableKey(options.key), asked_from, resp.compact_revision())),
               resp.compact_revision());
        ctx->TryCancel();
        stream->Finish().IgnoreError();
        return true;
      }
      if (resp.canceled()) {
        Finish(
            Status::FailedPrecondition(fmt::format(
                "etcd {}: watch {} cancelled by etcd: {}", conn.endpoint, PrintableKey(options.key),
                resp.cancel_reason().empty() ? "(no reason)" : resp.cancel_reason())),
            0);
        ctx->TryCancel();
        stream->Finish().IgnoreError();
        return true;
      }
      if (resp.created()) {
        if (next_rev.load() == 0) next_rev.store(resp.header().revision() + 1);
        std::lock_guard<std::mutex> lock(mu);
        created = true;
        data_cv.notify_all();
        continue;
      }
      if (resp.events_size() == 0) {  // progress notification
        next_rev.store(std::max(next_rev.load(), resp.header().revision() + 1));
        continue;
      }
      WatchBatch batch;
      batch.revision = resp.header().revision();
      batch.events.reserve(resp.events_size());
      int64_t last = 0;
      for (const auto& ev : resp.events()) {
        WatchEvent e;
        e.type =
            ev.type() == mvccpb::Event::DELETE ? WatchEvent::Type::kDelete : WatchEvent::Type::kPut;
        e.kv = FromPb(ev.kv());
        if (ev.has_prev_kv()) e.prev_kv = FromPb(ev.prev_kv());
        last = std::max(last, ev.kv().mod_revision());
        batch.events.push_back(std::move(e));
      }
      // Advance before delivering: a batch handed out is never delivered again.
      next_rev.store(std::max(next_rev.load(), last + 1));
      if (!Deliver(std::move(batch))) {
        ctx->TryCancel();
        stream->Finish().IgnoreError();
        return true;
      }
    }
    grpc::Status gs = stream->Finish();
    if (IsCancelled()) return true;
    Status st = gs.ok() ? Status::Unavailable(fmt::format("etcd {}: watch {}: stream ended",
                                                          conn.endpoint, PrintableKey(options.key)))
                        : FromGrpc(gs, conn.endpoint, "Watch", options.key);
    return StreamBroke(conn, std::move(st));
  }

  // The stream to `conn` failed with `st`: ends the watch if `st` is final, else logs and
  // switches endpoints for the next attempt. Returns RunStream's "done".
  bool StreamBroke(const Transport::Conn& conn, Status st) {
    if (IsCancelled()) return true;
    if (!st.IsRetryable() && st.code() != Code::kCancelled) {
      Finish(std::move(st), 0);
      return true;
    }
    LogWarn("{}; resuming from revision {}", st.ToString(), next_rev.load());
    transport->ReportFailure(conn);
    std::lock_guard<std::mutex> lock(mu);
    last_error = std::move(st);
    return false;
  }

  void Run() {
    std::chrono::milliseconds backoff = kMinBackoff;
    while (true) {
      std::shared_ptr<const Transport::Conn> conn = transport->Current();
      const int64_t before = next_rev.load();
      auto started = std::chrono::steady_clock::now();
      if (RunStream(*conn)) break;
      // A stream that lived a while (or made progress) was healthy: start backoff over.
      if (next_rev.load() != before || std::chrono::steady_clock::now() - started > kMaxBackoff) {
        backoff = kMinBackoff;
      }
      std::unique_lock<std::mutex> lock(mu);
      if (space_cv.wait_for(lock, backoff, [&] { return cancelled; })) break;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
    Finish(Status::Cancelled(fmt::format("etcd watch {} cancelled", PrintableKey(options.key))), 0);
  }
};

Result<std::unique_ptr<Watcher>> Watcher::Start(std::shared_ptr<Transport> transport,
                                                WatchOptions options) {
  if (options.key.empty() && !options.prefix) {
    return Status::InvalidArgument("etcd watch: empty key");
  }
  if (options.queue_capacity == 0) options.queue_capacity = 1;
  auto state = std::make_unique<State>();
  state->transport = std::move(transport);
  state->options = std::move(options);
  if (state->options.prefix) {
    state->range_end = PrefixRangeEnd(state->options.key);
    if (state->options.key.empty()) state->options.key = std::string(1, '\0');
  }
  state->next_rev.store(state->options.start_revision);
  State* s = state.get();
  try {
    s->thread = std::jthread([s] { s->Run(); });
  } catch (const std::system_error& e) {
    return Status::Internal(fmt::format("etcd watch: cannot start thread: {}", e.what()));
  }
  std::unique_ptr<Watcher> w(new Watcher(std::move(state)));

  const auto timeout = s->transport->options().request_timeout;
  std::unique_lock<std::mutex> lock(s->mu);
  s->data_cv.wait_for(lock, timeout, [&] { return s->created || s->terminal.has_value(); });
  // A watch that ended before creation (compacted start revision, refused by etcd) is
  // returned too: its terminal batch says why, with compact_revision for re-listing.
  if (s->created || s->terminal) return w;
  Status why = Status::Unavailable(fmt::format(
      "etcd watch {}: not created within {} ms (last error: {})", PrintableKey(s->options.key),
      timeout.count(), s->last_error.ok() ? "none" : s->last_error.ToString()));
  lock.unlock();
  return why;  // `w` cancels and joins
}

Watcher::Watcher(std::unique_ptr<State> state) : state_(std::move(state)) {}

Watcher::~Watcher() {
  state_->Cancel();
  if (state_->thread.joinable()) state_->thread.join();
}

std::optional<WatchBatch> Watcher::Next(std::chrono::milliseconds timeout) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.data_cv.wait_for(lock, timeout, [&] { return !s.queue.empty() || s.terminal.has_value(); });
  if (!s.queue.empty()) {
    WatchBatch b = std::move(s.queue.front());
    s.queue.pop_front();
    s.space_cv.notify_all();
    return b;
  }
  if (s.terminal) return *s.terminal;
  return std::nullopt;
}

void Watcher::Cancel() { state_->Cancel(); }
int64_t Watcher::next_revision() const { return state_->next_rev.load(); }
const std::string& Watcher::key() const { return state_->options.key; }

}  // namespace dm::coord
