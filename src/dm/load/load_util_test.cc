#include <gtest/gtest.h>

#include "dm/load/checkpoint.h"
#include "dm/load/load.h"

namespace dm::load {
namespace {

TEST(LoaderSqlModeTest, PermissiveAndSafeForDumpFiles) {
  EXPECT_EQ(LoaderSqlMode(""), "NO_AUTO_VALUE_ON_ZERO");
  EXPECT_EQ(LoaderSqlMode("STRICT_TRANS_TABLES, ansi_quotes,NO_BACKSLASH_ESCAPES,NO_ZERO_DATE"),
            "STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_AUTO_VALUE_ON_ZERO");
  EXPECT_EQ(LoaderSqlMode("NO_AUTO_VALUE_ON_ZERO"), "NO_AUTO_VALUE_ON_ZERO");
}

TEST(LoaderCheckpointTest, UpdateStatementQuotes) {
  LoaderCheckpoint cp("dm_meta", "t`1", "src'1");
  EXPECT_EQ(cp.qualified_table(), "`dm_meta`.`t``1_loader_checkpoint`");
  EXPECT_EQ(cp.UpdateStatement("db.a'b.00001.sql", 42),
            "UPDATE `dm_meta`.`t``1_loader_checkpoint` SET `offset` = 42 WHERE `id` = 'src\\'1' AND "
            "`filename` = 'db.a\\'b.00001.sql'");
}

}  // namespace
}  // namespace dm::load
