// lag_probe: measures replication lag end to end (issue 5, bench/lag_bench.sh).
//
//   lag_probe --up-port P --down-port Q [--table sbtest.lag_probe] [--interval-ms 50]
//             [--duration-s 60] [--warmup-s 5] [--drain-s 30] [--user root]
//             [--password-env VAR] [--samples FILE]
//
// A writer inserts (id, written_us) into the probe table on the upstream every
// --interval-ms, autocommit, where written_us is the upstream's NOW(6) as microseconds
// since the epoch. A poller selects the ids above the lowest one not seen yet from the same
// table on the downstream every ~2 ms (ids may commit out of order downstream: the sync
// unit spreads rows over its workers) and notes the local clock when each first shows up. Both servers run on this
// machine, so both timestamps come from the same clock: lag = arrival - written_us.
// The probe table must exist on both sides (created by the caller, replicated by the
// task under test). Probes written in the first --warmup-s seconds are left out of the
// statistics; after --duration-s the writer stops and the poller waits up to --drain-s for
// the last probes (the ones that never arrive are reported as missing).
//
// Output: one JSON line on stdout: probes, window_probes, missing, p50_ms, p90_ms, p99_ms,
// max_ms, mean_ms, and the worst lag per 5 s of the run (per_5s_max_ms).
// Exit status: 0, 1 on bad arguments or a connection/query error (on stderr).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dm/base/log.h"
#include "dm/mysql/connection.h"

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lag_probe: replication lag by probe rows written upstream and polled downstream"};
  std::string host = "127.0.0.1", user = "root", password_env, table = "sbtest.lag_probe",
              samples_path;
  uint16_t up_port = 0, down_port = 0;
  int interval_ms = 50, poll_ms = 2;
  double duration_s = 60, warmup_s = 5, drain_s = 30;
  app.add_option("--host", host, "host of both servers");
  app.add_option("--up-port", up_port, "upstream port")->required();
  app.add_option("--down-port", down_port, "downstream port")->required();
  app.add_option("--user", user, "user on both servers");
  app.add_option("--password-env", password_env, "environment variable holding the password");
  app.add_option("--table", table, "probe table as schema.table (must exist on both sides)");
  app.add_option("--interval-ms", interval_ms, "time between two probe writes");
  app.add_option("--poll-ms", poll_ms, "pause between two downstream polls");
  app.add_option("--duration-s", duration_s, "how long to write probes");
  app.add_option("--warmup-s", warmup_s, "probes written in the first N s are not counted");
  app.add_option("--drain-s", drain_s, "after the last write, wait this long for the last probes");
  app.add_option("--samples", samples_path, "write `id written_us arrival_us lag_ms` lines here");
  CLI11_PARSE(app, argc, argv);
  (void)dm::InitLogging(dm::LogLevel::kWarn, "");
  auto dot = table.find('.');
  if (dot == std::string::npos || interval_ms < 1 || poll_ms < 0) {
    fprintf(stderr, "lag_probe: --table must be schema.table and --interval-ms >= 1\n");
    return 1;
  }
  const std::string qtable = dm::mysql::QuoteTable(table.substr(0, dot), table.substr(dot + 1));

  dm::mysql::ConnectOptions up;
  up.host = host;
  up.port = up_port;
  up.user = user;
  if (!password_env.empty()) {
    const char* pw = std::getenv(password_env.c_str());
    if (pw == nullptr) {
      fprintf(stderr, "lag_probe: environment variable %s is not set\n", password_env.c_str());
      return 1;
    }
    up.password = pw;
  }
  dm::mysql::ConnectOptions down = up;
  down.port = down_port;
  down.scope = dm::Scope::kDownstream;
  auto upc = dm::mysql::Connection::Connect(up);
  auto downc = dm::mysql::Connection::Connect(down);
  if (!upc.ok() || !downc.ok()) {
    fprintf(stderr, "lag_probe: %s\n",
            (!upc.ok() ? upc.status() : downc.status()).ToString().c_str());
    return 1;
  }
  // Ids continue after what the table already holds, so a rerun on the same servers works.
  auto max_id = (*upc)->QueryValue("SELECT COALESCE(MAX(id), 0) FROM " + qtable);
  auto down_max = (*downc)->QueryValue("SELECT COALESCE(MAX(id), 0) FROM " + qtable);
  if (!max_id.ok() || !down_max.ok()) {
    fprintf(stderr, "lag_probe: reading %s: %s\n", qtable.c_str(),
            (!max_id.ok() ? max_id.status() : down_max.status()).ToString().c_str());
    return 1;
  }
  const int64_t first_id = std::stoll(max_id->value_or("0")) + 1;
  const int64_t start_us = NowMicros();
  const int64_t window_from_us = start_us + static_cast<int64_t>(warmup_s * 1e6);

  std::atomic<int64_t> last_written{first_id - 1};
  std::atomic<bool> writer_done{false};
  std::string error;
  std::mutex error_mu;
  auto fail = [&](const std::string& what, const dm::Status& s) {
    std::lock_guard l(error_mu);
    if (error.empty()) error = what + ": " + s.ToString();
  };

  std::thread writer([&] {
    auto next = std::chrono::steady_clock::now();
    auto end = next + std::chrono::microseconds(static_cast<int64_t>(duration_s * 1e6));
    for (int64_t id = first_id; std::chrono::steady_clock::now() < end; ++id) {
      dm::Status s = (*upc)->Execute("INSERT INTO " + qtable + " (id, written_us) VALUES (" +
                                     std::to_string(id) +
                                     ", CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED))");
      if (!s.ok()) {
        fail("writing probe " + std::to_string(id) + " upstream", s);
        break;
      }
      last_written = id;
      next += std::chrono::milliseconds(interval_ms);
      std::this_thread::sleep_until(next);
    }
    writer_done = true;
  });

  struct Sample {
    int64_t written_us, arrival_us;
  };
  // Probes can become visible downstream out of order (the sync unit spreads rows over
  // its workers by key), so the poller asks for everything above the lowest id not seen
  // yet and ignores the ids it already has.
  std::map<int64_t, Sample> seen;
  int64_t low = std::max<int64_t>(first_id - 1, std::stoll(down_max->value_or("0")));  // all ids <= low seen
  auto drain_deadline = std::chrono::steady_clock::time_point::max();
  while (true) {
    auto r = (*downc)->Query("SELECT id, written_us FROM " + qtable + " WHERE id > " +
                             std::to_string(low) + " ORDER BY id");
    int64_t now = NowMicros();
    if (!r.ok()) {
      fail("polling the downstream", r.status());
      break;
    }
    for (const auto& row : r->rows) {
      int64_t id = std::stoll(row[0].value_or("0"));
      if (id < first_id || seen.count(id)) continue;
      seen[id] = {std::stoll(row[1].value_or("0")), now};
    }
    while (seen.count(low + 1)) ++low;
    {
      std::lock_guard l(error_mu);
      if (!error.empty()) break;
    }
    if (writer_done) {
      if (low >= last_written) break;
      if (drain_deadline == std::chrono::steady_clock::time_point::max()) {
        drain_deadline = std::chrono::steady_clock::now() +
                         std::chrono::microseconds(static_cast<int64_t>(drain_s * 1e6));
      } else if (std::chrono::steady_clock::now() > drain_deadline) {
        break;
      }
    }
    if (poll_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  writer.join();
  if (!error.empty()) {
    fprintf(stderr, "lag_probe: %s\n", error.c_str());
    return 1;
  }

  std::vector<double> window;
  std::map<int64_t, double> per5;  // 5 s bucket since start -> worst lag
  std::ofstream samples;
  if (!samples_path.empty()) samples.open(samples_path);
  for (const auto& [id, s] : seen) {
    double lag_ms = static_cast<double>(s.arrival_us - s.written_us) / 1000.0;
    if (samples.is_open()) {
      samples << id << ' ' << s.written_us << ' ' << s.arrival_us << ' ' << lag_ms << '\n';
    }
    int64_t bucket = (s.written_us - start_us) / 5000000;
    per5[bucket] = std::max(per5[bucket], lag_ms);
    if (s.written_us >= window_from_us) window.push_back(lag_ms);
  }
  int64_t written = last_written - first_id + 1;
  double mean = 0;
  for (double v : window) mean += v;
  if (!window.empty()) mean /= static_cast<double>(window.size());
  nlohmann::json per5_json = nlohmann::json::array();
  for (const auto& [b, v] : per5) per5_json.push_back(std::round(v * 10) / 10);
  auto r1 = [](double v) { return std::round(v * 10) / 10; };
  nlohmann::json out = {{"probes", written},
                        {"arrived", static_cast<int64_t>(seen.size())},
                        {"missing", written - static_cast<int64_t>(seen.size())},
                        {"window_probes", window.size()},
                        {"p50_ms", r1(Percentile(window, 50))},
                        {"p90_ms", r1(Percentile(window, 90))},
                        {"p99_ms", r1(Percentile(window, 99))},
                        {"max_ms", r1(window.empty() ? 0 : *std::max_element(window.begin(), window.end()))},
                        {"mean_ms", r1(mean)},
                        {"per_5s_max_ms", per5_json}};
  printf("%s\n", out.dump().c_str());
  return 0;
}
