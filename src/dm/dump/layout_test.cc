#include "dm/dump/layout.h"

#include <gtest/gtest.h>

namespace dm::dump {
namespace {

TEST(LayoutTest, FileNamesMatchMydumper) {
  EXPECT_EQ(SchemaCreateFileName("db"), "db-schema-create.sql");
  EXPECT_EQ(TableSchemaFileName("db", "t1"), "db.t1-schema.sql");
  EXPECT_EQ(DataFileName("db", "t1", 0), "db.t1.00000.sql");
  EXPECT_EQ(DataFileName("db", "t1", 123456), "db.t1.123456.sql");
  EXPECT_EQ(DataFileName("sbtest", "表格 ñ", 7), "sbtest.表格 ñ.00007.sql");
}

TEST(LayoutTest, EncodesAmbiguousCharacters) {
  EXPECT_EQ(EncodeFileNamePart("a.b/c%d"), "a%2Eb%2Fc%25d");
  EXPECT_EQ(EncodeFileNamePart(std::string("x\0y\n", 4)), "x%00y%0A");
  EXPECT_EQ(DecodeFileNamePart("a%2Eb%2Fc%25d"), "a.b/c%d");
  EXPECT_EQ(DecodeFileNamePart("100%"), "100%");      // not an escape
  EXPECT_EQ(DecodeFileNamePart("%zz%4"), "%zz%4");    // invalid escapes kept
  for (std::string s : {"we`ird \"name' x", "dot.ted", "sl/ash", "per%cent", " lead", "..", "%2E"}) {
    EXPECT_EQ(DecodeFileNamePart(EncodeFileNamePart(s)), s);
    EXPECT_EQ(EncodeFileNamePart(s).find('/'), std::string::npos);
    EXPECT_EQ(EncodeFileNamePart(s).find('.'), std::string::npos);
  }
}

TEST(LayoutTest, ParsesEveryKind) {
  DumpFile f = ParseDumpFileName("db-schema-create.sql");
  EXPECT_EQ(f.kind, DumpFile::Kind::kSchemaCreate);
  EXPECT_EQ(f.db, "db");

  f = ParseDumpFileName("db.t%2E1-schema.sql");
  EXPECT_EQ(f.kind, DumpFile::Kind::kTableSchema);
  EXPECT_EQ(f.db, "db");
  EXPECT_EQ(f.table, "t.1");

  f = ParseDumpFileName("db.t1.00012.sql");
  EXPECT_EQ(f.kind, DumpFile::Kind::kData);
  EXPECT_EQ(f.table, "t1");
  ASSERT_TRUE(f.index.has_value());
  EXPECT_EQ(*f.index, 12u);

  // mydumper without chunks: db.tbl.sql
  f = ParseDumpFileName("db.t1.sql");
  EXPECT_EQ(f.kind, DumpFile::Kind::kData);
  EXPECT_EQ(f.table, "t1");
  EXPECT_FALSE(f.index.has_value());

  // Round trip through the encoder for a table with dots and digits.
  f = ParseDumpFileName(DataFileName("d.b", "1.2", 3));
  EXPECT_EQ(f.kind, DumpFile::Kind::kData);
  EXPECT_EQ(f.db, "d.b");
  EXPECT_EQ(f.table, "1.2");
  EXPECT_EQ(*f.index, 3u);

  for (const char* other : {"metadata", "metadata.partial", "db.v-schema-view.sql", "db.t-schema-post.sql",
                            "db.t-schema-triggers.sql", "db.t.00001.sql.gz", "notes.txt", ".sql", "db.sql"}) {
    EXPECT_EQ(ParseDumpFileName(other).kind, DumpFile::Kind::kOther) << other;
  }
}

TEST(LayoutTest, CheckpointTableName) {
  EXPECT_EQ(LoaderCheckpointTableName("task1"), "task1_loader_checkpoint");
}

}  // namespace
}  // namespace dm::dump
