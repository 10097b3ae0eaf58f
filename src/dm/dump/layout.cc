#include "dm/dump/layout.h"

#include <cstdio>

namespace dm::dump {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string EncodeFileNamePart(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '%' || c == '.' || c == '/' || c < 0x20) {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string DecodeFileNamePart(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (size_t i = 0; i < part.size(); ++i) {
    if (part[i] == '%' && i + 2 < part.size()) {
      int hi = HexValue(part[i + 1]), lo = HexValue(part[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += part[i];
  }
  return out;
}

std::string SchemaCreateFileName(std::string_view db) {
  return EncodeFileNamePart(db) + "-schema-create.sql";
}

std::string TableSchemaFileName(std::string_view db, std::string_view table) {
  return EncodeFileNamePart(db) + "." + EncodeFileNamePart(table) + "-schema.sql";
}

std::string DataFileName(std::string_view db, std::string_view table, uint32_t index) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%05u", index);
  return EncodeFileNamePart(db) + "." + EncodeFileNamePart(table) + "." + buf + ".sql";
}

DumpFile ParseDumpFileName(std::string_view name) {
  DumpFile f;
  if (!EndsWith(name, ".sql")) return f;
  std::string_view base = name.substr(0, name.size() - 4);
  if (EndsWith(base, "-schema-create")) {
    std::string_view db = base.substr(0, base.size() - 14);
    if (db.empty() || db.find('.') != std::string_view::npos) return f;
    f.kind = DumpFile::Kind::kSchemaCreate;
    f.db = DecodeFileNamePart(db);
    return f;
  }
  if (EndsWith(base, "-schema-view") || EndsWith(base, "-schema-post") ||
      EndsWith(base, "-schema-triggers") || EndsWith(base, "-schema-sequence")) {
    return f;
  }
  bool schema = EndsWith(base, "-schema");
  if (schema) base = base.substr(0, base.size() - 7);
  size_t dot = base.find('.');
  if (dot == std::string_view::npos || dot == 0) return f;
  std::string_view db = base.substr(0, dot);
  std::string_view rest = base.substr(dot + 1);
  if (!schema) {
    // Optional numeric suffix ".NNNNN".
    size_t last = rest.rfind('.');
    if (last != std::string_view::npos && last + 1 < rest.size()) {
      std::string_view digits = rest.substr(last + 1);
      bool numeric = digits.size() <= 9;
      for (char c : digits) numeric = numeric && c >= '0' && c <= '9';
      if (numeric) {
        uint32_t v = 0;
        for (char c : digits) v = v * 10 + static_cast<uint32_t>(c - '0');
        f.index = v;
        rest = rest.substr(0, last);
      }
    }
  }
  if (rest.empty()) return f;
  f.kind = schema ? DumpFile::Kind::kTableSchema : DumpFile::Kind::kData;
  f.db = DecodeFileNamePart(db);
  f.table = DecodeFileNamePart(rest);
  return f;
}

std::string LoaderCheckpointTableName(std::string_view task) {
  return std::string(task) + "_loader_checkpoint";
}

}  // namespace dm::dump
