#pragma once
// The load checkpoint: DM's legacy loader table `<meta-schema>`.`<task>_loader_checkpoint`
// in the downstream, one row per data file:
//
//   id CHAR(32) (source id), filename VARCHAR(255), cp_schema VARCHAR(128),
//   cp_table VARCHAR(128), offset BIGINT (bytes of the file whose rows are committed),
//   end_pos BIGINT (file size), create_time, update_time; UNIQUE(id, filename)
//
// A file is finished when offset == end_pos. The loader updates `offset` with
// UpdateStatement() inside the same transaction as the rows it covers, so the table and
// the loaded rows never disagree, whatever instant the process dies at.
//
// Thread-safety: the object is immutable after construction; each method uses the
// connection passed in (one thread per connection).

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/mysql/connection.h"

namespace dm::load {

struct FilePoint {
  uint64_t offset = 0;
  uint64_t end_pos = 0;
  std::string schema;  // upstream table of the file (cp_schema, cp_table)
  std::string table;
  bool finished() const { return offset >= end_pos; }
};

struct CheckpointFile {
  std::string filename;
  std::string schema;  // upstream schema of the file's table
  std::string table;
  uint64_t size = 0;
};

class LoaderCheckpoint {
 public:
  LoaderCheckpoint(std::string meta_schema, std::string task, std::string source_id);

  // CREATE SCHEMA/TABLE IF NOT EXISTS.
  Status EnsureTable(mysql::Connection& conn) const;
  // Every row of this source: filename -> point. Empty (not an error) if the table does
  // not exist.
  Result<std::map<std::string, FilePoint>> Read(mysql::Connection& conn) const;
  // Inserts rows (offset 0) for files not registered yet; existing rows are kept.
  Status Register(mysql::Connection& conn, const std::vector<CheckpointFile>& files) const;
  // "UPDATE ... SET offset = <offset> ... WHERE id = .. AND filename = .." for a batch
  // transaction.
  std::string UpdateStatement(const std::string& filename, uint64_t offset) const;
  // Deletes this source's rows.
  Status Clear(mysql::Connection& conn) const;
  // "DELETE ... WHERE id = <source>" for a transaction.
  std::string ClearStatement() const;
  // (source id, cp_schema, cp_table) of every OTHER source's rows (shard-merge check).
  Result<std::vector<std::array<std::string, 3>>> OtherSourcesTables(mysql::Connection& conn) const;

  const std::string& qualified_table() const { return table_; }

 private:
  std::string meta_schema_;
  std::string table_;  // `meta`.`task_loader_checkpoint`
  std::string source_literal_;  // 'source-id'
};

}  // namespace dm::load
