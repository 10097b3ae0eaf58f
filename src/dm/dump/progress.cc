#include "dm/dump/progress.h"

#include <cstdio>

namespace dm::dump {

namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

std::string FormatProgress(double done, double total, bool finished) {
  double pct = 0;
  if (finished) {
    pct = 100;
  } else if (total > 0) {
    pct = done >= total ? 100 : done * 100.0 / total;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f %%", pct);
  return buf;
}

std::string FormatEta(double seconds) {
  if (seconds < 0) return "";
  auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm%02llds", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(s));
  }
  return buf;
}

void RunRate::Start(uint64_t done_before) {
  done_before_.store(done_before);
  start_ns_.store(NowNs());
}

double RunRate::Rate(uint64_t done_now) const {
  int64_t start = start_ns_.load();
  if (start == 0) return 0;
  double secs = static_cast<double>(NowNs() - start) / 1e9;
  uint64_t before = done_before_.load();
  if (secs < 0.05 || done_now < before) return 0;
  return static_cast<double>(done_now - before) / secs;
}

double RunRate::EtaSeconds(uint64_t done_now, uint64_t total) const {
  if (done_now >= total) return 0;
  double r = Rate(done_now);
  if (r <= 0) return -1;
  return static_cast<double>(total - done_now) / r;
}

}  // namespace dm::dump
