#pragma once
// BoundedQueue<T>: a blocking FIFO with a capacity, for handing work from one pipeline
// stage to the next (backpressure: Push blocks while full). Close() wakes every waiter;
// after it Push fails and Pop drains what is left, then returns nullopt.
//
// Thread-safety: all methods are thread-safe.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>

namespace dm::sync {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // False if the queue was closed or `stop` was requested (the item is dropped).
  bool Push(T item, std::stop_token stop) {
    std::unique_lock l(mu_);
    not_full_.wait(l, stop, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_ || stop.stop_requested()) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Waits up to `timeout` for an item; nullopt on timeout, stop, or closed and empty.
  std::optional<T> Pop(std::stop_token stop, std::chrono::milliseconds timeout) {
    std::unique_lock l(mu_);
    not_empty_.wait_for(l, stop, timeout, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  void Close() {
    std::lock_guard l(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  bool empty() const {
    std::lock_guard l(mu_);
    return items_.empty();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable_any not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace dm::sync
