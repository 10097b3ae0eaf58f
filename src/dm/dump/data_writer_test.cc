#include "dm/dump/data_writer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dm/testing/temp_dir.h"

namespace dm::dump {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DataWriterTest, WritesMydumperStyleStatements) {
  auto dir = testing::MakeTempSubdir("writer");
  ASSERT_TRUE(dir.ok());
  std::atomic<uint32_t> next{0};
  DataWriterOptions o;
  o.dir = *dir;
  o.db = "db";
  o.table = "t`1";
  o.columns = {"id", "s", "b"};
  o.kinds = {ValueKind::kNumber, ValueKind::kString, ValueKind::kBinary};
  o.next_index = &next;
  DataWriter w(o);
  const char* r1[] = {"1", "it's", "\x01"};
  unsigned long l1[] = {1, 4, 1};
  const char* r2[] = {"2", nullptr, nullptr};
  unsigned long l2[] = {1, 0, 0};
  ASSERT_TRUE(w.AddRow(r1, l1).ok());
  ASSERT_TRUE(w.AddRow(r2, l2).ok());
  ASSERT_TRUE(w.Close().ok());
  ASSERT_EQ(w.files(), std::vector<std::string>{"db.t`1.00000.sql"});
  EXPECT_EQ(w.rows(), 2u);
  std::string text = Slurp(*dir + "/db.t`1.00000.sql");
  EXPECT_EQ(text,
            "/*!40101 SET NAMES binary*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
            "/*!40103 SET TIME_ZONE='+00:00' */;\n"
            "INSERT INTO `t``1` (`id`,`s`,`b`) VALUES\n(1,'it\\'s',0x01),\n(2,NULL,NULL);\n");
  EXPECT_EQ(w.bytes_written(), text.size());
}

TEST(DataWriterTest, SplitsStatementsAndFiles) {
  auto dir = testing::MakeTempSubdir("writer");
  ASSERT_TRUE(dir.ok());
  std::atomic<uint32_t> next{5};
  DataWriterOptions o;
  o.dir = *dir;
  o.db = "db";
  o.table = "t";
  o.columns = {"v"};
  o.kinds = {ValueKind::kString};
  o.statement_size = 100;
  o.file_size = 1000;
  o.next_index = &next;
  DataWriter w(o);
  std::string v(40, 'x');
  const char* row[] = {v.c_str()};
  unsigned long len[] = {40};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(w.AddRow(row, len).ok());
  ASSERT_TRUE(w.Close().ok());
  ASSERT_GT(w.files().size(), 3u);
  EXPECT_EQ(w.files()[0], "db.t.00005.sql");
  uint64_t total = 0;
  size_t rows = 0, stmts = 0;
  for (const auto& f : w.files()) {
    std::string text = Slurp(*dir + "/" + f);
    total += text.size();
    EXPECT_LT(text.size(), 1000u + 200u) << f;
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text[text.size() - 2], ';');
    for (size_t p = text.find("'xxx"); p != std::string::npos; p = text.find("'xxx", p + 1)) ++rows;
    for (size_t p = text.find("INSERT"); p != std::string::npos; p = text.find("INSERT", p + 1)) ++stmts;
  }
  EXPECT_EQ(rows, 100u);
  // A statement ends once it reaches 100 bytes: two 44-byte rows after the header.
  EXPECT_EQ(stmts, 50u);
  EXPECT_EQ(total, w.bytes_written());
  EXPECT_EQ(next.load(), 5u + w.files().size());
}

TEST(DataWriterTest, NoRowsNoFile) {
  auto dir = testing::MakeTempSubdir("writer");
  ASSERT_TRUE(dir.ok());
  std::atomic<uint32_t> next{0};
  DataWriterOptions o;
  o.dir = *dir;
  o.db = "db";
  o.table = "t";
  o.next_index = &next;
  DataWriter w(o);
  ASSERT_TRUE(w.Close().ok());
  EXPECT_TRUE(w.files().empty());
  EXPECT_EQ(next.load(), 0u);
}

}  // namespace
}  // namespace dm::dump
