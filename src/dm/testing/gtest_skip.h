#pragma once
// Skip rules for tests that need real servers. Include only from gtest test code.
//
//   TEST(BinlogIT, DecodesInserts) {
//     DM_REQUIRE_MARIADB();   // skips, naming scripts/deps.sh, if mariadbd is missing
//     ...
//   }
//
// With DM_TEST_REQUIRE_SERVERS=1 (scripts/test.sh, CI) a missing binary is a failure,
// so a CI machine without servers can never pass by skipping.

#include <gtest/gtest.h>

#include "dm/testing/etcd_server.h"
#include "dm/testing/mariadb_server.h"
#include "dm/testing/temp_dir.h"

#define DM_TESTING_REQUIRE_(reason_expr)                                        \
  do {                                                                          \
    if (std::string dm_why_ = (reason_expr); !dm_why_.empty()) {                \
      if (::dm::testing::ServersRequired()) {                                   \
        FAIL() << dm_why_ << " (DM_TEST_REQUIRE_SERVERS=1, so not skipping)";   \
      } else {                                                                  \
        GTEST_SKIP() << dm_why_;                                                \
      }                                                                         \
    }                                                                           \
  } while (0)

#define DM_REQUIRE_MARIADB() DM_TESTING_REQUIRE_(::dm::testing::MariaDbUnavailableReason())
#define DM_REQUIRE_ETCD() DM_TESTING_REQUIRE_(::dm::testing::EtcdUnavailableReason())

// ASSERTs that a Status / Result is OK, printing its message (which names the log file).
#define DM_ASSERT_OK(expr)                                    \
  do {                                                        \
    const auto& dm_st_ = (expr);                              \
    ASSERT_TRUE(dm_st_.ok()) << ::dm::testing::internal::StatusOf(dm_st_).ToString(); \
  } while (0)

namespace dm::testing::internal {
inline const Status& StatusOf(const Status& s) { return s; }
template <class T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}
}  // namespace dm::testing::internal
