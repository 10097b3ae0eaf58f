#pragma once
// Progress arithmetic shared by the dump and load status blocks: speed since a start
// time, DM's "progress" text and an ETA.
//
// Thread-safety: Progress is thread-safe (atomics); the free functions are pure.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace dm::dump {

// "45.67 %" for done/total (DM's format); "0.00 %" when total is 0 and nothing is done,
// "100.00 %" when done >= total > 0 or `finished`.
std::string FormatProgress(double done, double total, bool finished);

// "1h02m03s", "4m05s", "7s"; "" when unknown (negative).
std::string FormatEta(double seconds);

// A monotonic stopwatch plus a units-per-second rate over the current run (resume starts
// a new run: units done before it count as done but not towards the rate).
class RunRate {
 public:
  void Start(uint64_t done_before);
  // Units per second of this run (0 before Start or in the first 50 ms).
  double Rate(uint64_t done_now) const;
  // Seconds left for `total` at the current rate; -1 if unknown.
  double EtaSeconds(uint64_t done_now, uint64_t total) const;

 private:
  std::atomic<int64_t> start_ns_{0};
  std::atomic<uint64_t> done_before_{0};
};

}  // namespace dm::dump
