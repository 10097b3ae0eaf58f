#include "dm/sync/dml.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <unordered_map>

namespace dm::sync {

namespace {

void AppendUint(uint64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

uint64_t UnsignedFromSigned(int64_t v, binlog::ColumnType t) {
  switch (t) {
    case binlog::ColumnType::kTiny: return static_cast<uint8_t>(v);
    case binlog::ColumnType::kShort: return static_cast<uint16_t>(v);
    case binlog::ColumnType::kInt24: return static_cast<uint32_t>(v) & 0xffffffu;
    case binlog::ColumnType::kLong: return static_cast<uint32_t>(v);
    default: return static_cast<uint64_t>(v);
  }
}

bool IsUtf8Charset(std::string_view cs) {
  return cs == "utf8mb4" || cs == "utf8mb3" || cs == "utf8" || cs == "ascii";
}

void AppendHexLiteral(std::string_view bytes, uint32_t pad, std::string* out) {
  if (bytes.empty() && pad == 0) {
    *out += "''";
    return;
  }
  *out += "X'";
  binlog::AppendHex(bytes, out);
  for (size_t i = bytes.size(); i < pad; ++i) *out += "00";
  *out += '\'';
}

}  // namespace

void AppendEscaped(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '\0': *out += "\\0"; break;
      case '\'': *out += "\\'"; break;
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\x1a': *out += "\\Z"; break;
      default: *out += c;
    }
  }
}

Status RenderLiteral(const binlog::Value& v, const binlog::ColumnInfo& bc, const ColumnMeta& col,
                     Literal* out) {
  using binlog::ValueKind;
  out->text.clear();
  out->null = false;
  switch (v.kind) {
    case ValueKind::kMissing:
      return Status::NotSupported("column `" + col.name +
                                  "` is missing from the row image; set binlog_row_image=FULL "
                                  "on the upstream");
    case ValueKind::kJsonDiff:
      return Status::NotSupported("column `" + col.name +
                                  "` carries a partial JSON update; set "
                                  "binlog_row_value_options='' on the upstream");
    case ValueKind::kNull:
      out->null = true;
      out->text = "NULL";
      return Status::OK();
    case ValueKind::kInt:
      if (col.is_unsigned && v.i < 0) {
        AppendUint(UnsignedFromSigned(v.i, bc.type), &out->text);
        return Status::OK();
      }
      return binlog::AppendValueText(v, &out->text);
    case ValueKind::kUint: case ValueKind::kFloat: case ValueKind::kDouble:
    case ValueKind::kDecimal: case ValueKind::kYear: case ValueKind::kBit:
    case ValueKind::kEnum: case ValueKind::kSet:
      return binlog::AppendValueText(v, &out->text);
    case ValueKind::kDate: case ValueKind::kTime: case ValueKind::kDateTime:
    case ValueKind::kTimestamp: case ValueKind::kJson: case ValueKind::kVector: {
      std::string text;
      DM_RETURN_IF_ERROR(binlog::AppendValueText(v, &text));
      out->text += '\'';
      AppendEscaped(text, &out->text);
      out->text += '\'';
      return Status::OK();
    }
    case ValueKind::kGeometry:
      AppendHexLiteral(v.bytes, 0, &out->text);
      return Status::OK();
    case ValueKind::kString:
      if (col.literal == LiteralKind::kText) {
        if (v.bytes.empty()) {
          out->text = "''";
        } else if (IsUtf8Charset(col.charset) && binlog::IsValidUtf8(v.bytes)) {
          out->text += '\'';
          AppendEscaped(v.bytes, &out->text);
          out->text += '\'';
        } else {
          out->text += '_';
          out->text += col.charset.empty() ? "binary" : col.charset;
          out->text += ' ';
          AppendHexLiteral(v.bytes, 0, &out->text);
        }
      } else {
        // Fixed-length binary columns (BINARY(n), INET4/INET6/UUID) lose their trailing
        // 0x00 bytes in the binlog: restore them.
        uint32_t pad = col.binary_pad;
        if (bc.type == binlog::ColumnType::kString) pad = std::max(pad, bc.string_length);
        AppendHexLiteral(v.bytes, pad, &out->text);
      }
      return Status::OK();
  }
  return Status::Internal("unknown value kind for column `" + col.name + "`");
}

namespace {

// "(`a`,`b`)" of the written (non-generated) columns.
void AppendColumnList(const TableMeta& t, std::string* out) {
  *out += '(';
  bool first = true;
  for (const auto& c : t.columns) {
    if (c.generated) continue;
    if (!first) *out += ',';
    first = false;
    *out += c.quoted;
  }
  *out += ')';
}

void AppendValues(const TableMeta& t, const std::vector<Literal>& row, std::string* out) {
  *out += '(';
  bool first = true;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].generated) continue;
    if (!first) *out += ',';
    first = false;
    *out += row[i].text;
  }
  *out += ')';
}

// WHERE clause (without the keyword) identifying `row`; sets *limit when it needs LIMIT 1.
void AppendWhere(const TableMeta& t, const std::vector<Literal>& row, std::string* out,
                 bool* limit) {
  bool first = true;
  if (!t.handle_key.empty()) {
    for (int i : t.handle_key) {
      if (!first) *out += " AND ";
      first = false;
      *out += t.columns[i].quoted;
      if (row[i].null) {
        *out += " IS NULL";
      } else {
        *out += " = ";
        *out += row[i].text;
      }
    }
    *limit = false;
    return;
  }
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const ColumnMeta& c = t.columns[i];
    if (c.generated || !c.in_where) continue;
    if (!first) *out += " AND ";
    first = false;
    *out += c.quoted;
    if (row[i].null) {
      *out += " IS NULL";
    } else if (c.literal == LiteralKind::kText || c.literal == LiteralKind::kBinary) {
      // Exact bytes: a case- or pad-insensitive collation must not match another row.
      *out += " = BINARY ";
      *out += row[i].text;
    } else {
      *out += " = ";
      *out += row[i].text;
    }
  }
  if (first) *out += "1";
  *limit = true;
}

void AppendInsert(const RowChange& r, bool replace, std::string* out) {
  *out += replace ? "REPLACE INTO " : "INSERT INTO ";
  *out += r.table->quoted;
  *out += ' ';
  AppendColumnList(*r.table, out);
  *out += " VALUES ";
  AppendValues(*r.table, r.after, out);
}

void AppendDelete(const TableMeta& t, const std::vector<Literal>& before, std::string* out) {
  *out += "DELETE FROM ";
  *out += t.quoted;
  *out += " WHERE ";
  bool limit = false;
  AppendWhere(t, before, out, &limit);
  if (limit) *out += " LIMIT 1";
}

bool KeyChanged(const RowChange& r) {
  for (int i : r.table->handle_key) {
    if (!(r.before[i] == r.after[i])) return true;
  }
  return false;
}

// Plain UPDATE; returns false (nothing appended) if no written column changed.
bool AppendUpdate(const RowChange& r, std::string* out) {
  const TableMeta& t = *r.table;
  std::string set;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].generated || r.before[i] == r.after[i]) continue;
    if (!set.empty()) set += ',';
    set += t.columns[i].quoted;
    set += '=';
    set += r.after[i].text;
  }
  if (set.empty()) return false;
  *out += "UPDATE ";
  *out += t.quoted;
  *out += " SET ";
  *out += set;
  *out += " WHERE ";
  bool limit = false;
  AppendWhere(t, r.before, out, &limit);
  if (limit) *out += " LIMIT 1";
  return true;
}

void EmitOne(const RowChange& r, const DmlOptions& o, std::vector<std::string>* out) {
  std::string s;
  switch (r.kind) {
    case RowKind::kInsert:
      AppendInsert(r, o.safe_mode, &s);
      break;
    case RowKind::kDelete:
      AppendDelete(*r.table, r.before, &s);
      break;
    case RowKind::kUpdate:
      if (o.safe_mode) {
        AppendDelete(*r.table, r.before, &s);
        out->push_back(std::move(s));
        s.clear();
        AppendInsert(r, true, &s);
      } else if (!AppendUpdate(r, &s)) {
        return;
      }
      break;
  }
  out->push_back(std::move(s));
}

// Can rows a and b share one multi-row statement?
bool Mergeable(const RowChange& a, const RowChange& b) {
  if (a.table != b.table || a.kind != b.kind) return false;
  switch (a.kind) {
    case RowKind::kInsert: return true;
    case RowKind::kDelete: return !a.table->handle_key.empty();
    case RowKind::kUpdate:
      return a.table->single_unique_key && !KeyChanged(a) && !KeyChanged(b);
  }
  return false;
}

void EmitRun(const std::vector<const RowChange*>& run, const DmlOptions& o,
             std::vector<std::string>* out) {
  if (run.size() == 1) {
    EmitOne(*run[0], o, out);
    return;
  }
  const TableMeta& t = *run[0]->table;
  std::string s;
  switch (run[0]->kind) {
    case RowKind::kInsert:
      s = o.safe_mode ? "REPLACE INTO " : "INSERT INTO ";
      s += t.quoted;
      s += ' ';
      AppendColumnList(t, &s);
      s += " VALUES ";
      for (size_t i = 0; i < run.size(); ++i) {
        if (i) s += ',';
        AppendValues(t, run[i]->after, &s);
      }
      break;
    case RowKind::kDelete: {
      s = "DELETE FROM " + t.quoted + " WHERE (";
      for (size_t k = 0; k < t.handle_key.size(); ++k) {
        if (k) s += ',';
        s += t.columns[t.handle_key[k]].quoted;
      }
      s += ") IN (";
      for (size_t i = 0; i < run.size(); ++i) {
        if (i) s += ',';
        s += '(';
        for (size_t k = 0; k < t.handle_key.size(); ++k) {
          if (k) s += ',';
          s += run[i]->before[t.handle_key[k]].text;
        }
        s += ')';
      }
      s += ')';
      break;
    }
    case RowKind::kUpdate: {
      // DM's merger: INSERT ... ON DUPLICATE KEY UPDATE (the key is the only unique key
      // and unchanged, so the row is found by it). Safe mode: REPLACE.
      s = o.safe_mode ? "REPLACE INTO " : "INSERT INTO ";
      s += t.quoted;
      s += ' ';
      AppendColumnList(t, &s);
      s += " VALUES ";
      for (size_t i = 0; i < run.size(); ++i) {
        if (i) s += ',';
        AppendValues(t, run[i]->after, &s);
      }
      if (!o.safe_mode) {
        s += " ON DUPLICATE KEY UPDATE ";
        bool first = true;
        for (const auto& c : t.columns) {
          if (c.generated) continue;
          if (!first) s += ',';
          first = false;
          s += c.quoted + "=VALUES(" + c.quoted + ")";
        }
      }
      break;
    }
  }
  out->push_back(std::move(s));
}

}  // namespace

void GenerateStatements(const std::vector<const RowChange*>& rows, const DmlOptions& o,
                        std::vector<std::string>* out, std::vector<const TableMeta*>* tables) {
  // Statements appended for a row or run all belong to that row's table.
  auto note = [&](const TableMeta* t) {
    if (tables) tables->resize(out->size(), t);
  };
  if (!o.multiple_rows) {
    for (const RowChange* r : rows) {
      EmitOne(*r, o, out);
      note(r->table.get());
    }
    return;
  }
  std::vector<const RowChange*> run;
  auto flush = [&] {
    EmitRun(run, o, out);
    note(run[0]->table.get());
    run.clear();
  };
  for (const RowChange* r : rows) {
    if (!run.empty() && !Mergeable(*run.back(), *r)) flush();
    run.push_back(r);
  }
  if (!run.empty()) flush();
}

namespace {

std::string KeyOf(const RowChange& r, const std::vector<Literal>& row) {
  std::string k = r.table->quoted;
  for (int i : r.table->handle_key) {
    k += '\x1f';
    k += row[i].text;
  }
  return k;
}

}  // namespace

std::vector<RowChange> Compact(std::vector<RowChange> rows) {
  std::vector<RowChange> out;
  out.reserve(rows.size());
  std::unordered_map<std::string, size_t> pending;  // key -> index in out
  for (RowChange& r : rows) {
    const TableMeta& t = *r.table;
    if (!t.single_unique_key || t.handle_key.empty()) {
      out.push_back(std::move(r));
      continue;
    }
    if (r.kind == RowKind::kUpdate && KeyChanged(r)) {
      pending.erase(KeyOf(r, r.before));
      pending.erase(KeyOf(r, r.after));
      out.push_back(std::move(r));
      continue;
    }
    std::string key = KeyOf(r, r.kind == RowKind::kInsert ? r.after : r.before);
    auto it = pending.find(key);
    if (it == pending.end()) {
      pending.emplace(std::move(key), out.size());
      out.push_back(std::move(r));
      continue;
    }
    RowChange& p = out[it->second];
    bool merged = true;
    if (p.kind == RowKind::kInsert && r.kind == RowKind::kUpdate) {
      p.after = std::move(r.after);
    } else if (p.kind == RowKind::kInsert && r.kind == RowKind::kDelete) {
      p.kind = RowKind::kDelete;
      p.before = std::move(r.before);
      p.after.clear();
    } else if (p.kind == RowKind::kUpdate && r.kind == RowKind::kUpdate) {
      p.after = std::move(r.after);
    } else if (p.kind == RowKind::kUpdate && r.kind == RowKind::kDelete) {
      p.kind = RowKind::kDelete;
      p.after.clear();
    } else if (p.kind == RowKind::kDelete && r.kind == RowKind::kInsert) {
      p.kind = RowKind::kUpdate;
      p.after = std::move(r.after);
    } else {
      merged = false;  // impossible on consistent data: keep both, in order
    }
    if (merged) {
      p.stamp = std::max(p.stamp, r.stamp);
      continue;
    }
    it->second = out.size();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace dm::sync
