#pragma once
// The on-disk layout of a full dump, shared by dump (writes it) and load (reads it; also
// directories written by mydumper 0.10):
//
//   <dir>/metadata                      snapshot position (metadata.h)
//   <dir>/<db>-schema-create.sql        CREATE DATABASE
//   <dir>/<db>.<tbl>-schema.sql         CREATE TABLE
//   <dir>/<db>.<tbl>.<NNNNN>.sql        INSERT statements (mydumper also writes <db>.<tbl>.sql)
//
// Names in file names are percent-encoded where they would be ambiguous or invalid:
// '%', '.', '/', and bytes < 0x20 become %XX (uppercase hex). Everything else (including
// UTF-8) is kept, so ordinary names read exactly as mydumper writes them. Decoding
// accepts names mydumper wrote for tables without those characters.
//
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dm::dump {

std::string EncodeFileNamePart(std::string_view name);
// Inverse of EncodeFileNamePart; an invalid %XX sequence is kept literally.
std::string DecodeFileNamePart(std::string_view part);

std::string SchemaCreateFileName(std::string_view db);                    // db-schema-create.sql
std::string TableSchemaFileName(std::string_view db, std::string_view table);  // db.tbl-schema.sql
std::string DataFileName(std::string_view db, std::string_view table, uint32_t index);  // db.tbl.00007.sql

struct DumpFile {
  enum class Kind { kSchemaCreate, kTableSchema, kData, kOther };
  Kind kind = Kind::kOther;
  std::string db;     // decoded
  std::string table;  // decoded; empty for kSchemaCreate
  std::optional<uint32_t> index;  // kData with a numeric suffix
};

// Classifies a file name of a dump directory. Files that are not part of the layout
// (metadata, views "-schema-view.sql", triggers, "-schema-post.sql", compressed files)
// are kOther.
DumpFile ParseDumpFileName(std::string_view file_name);

// `<meta-schema>`.`<task>_loader_checkpoint` name parts (DM's legacy loader table).
std::string LoaderCheckpointTableName(std::string_view task);

}  // namespace dm::dump
