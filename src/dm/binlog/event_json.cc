#include "dm/binlog/event_json.h"

#include <charconv>
#include <cstring>

#include "dm/binlog/row_reader.h"

namespace dm::binlog {

namespace {

void AppendUint(uint64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

void Field(std::string_view name, std::string* out) {
  out->push_back(',');
  out->push_back('"');
  out->append(name);
  out->append("\":");
}

void StrField(std::string_view name, std::string_view v, std::string* out) {
  Field(name, out);
  AppendJsonString(v, out);
}

void UintField(std::string_view name, uint64_t v, std::string* out) {
  Field(name, out);
  AppendUint(v, out);
}

void AppendBytesJson(std::string_view bytes, bool binary, std::string* out) {
  if (!binary && IsValidUtf8(bytes)) {
    AppendJsonString(bytes, out);
  } else {
    out->append("{\"hex\":\"");
    AppendHex(bytes, out);
    out->append("\"}");
  }
}

// How the bytes of a text column are rendered, by collation id.
enum class TextEncoding { kUtf8IfValid, kLatin1, kAlwaysHex };

TextEncoding EncodingOf(const ColumnInfo& c) {
  if (!c.collation) return TextEncoding::kUtf8IfValid;
  uint32_t id = *c.collation;
  switch (id) {
    case 5: case 8: case 15: case 31: case 47: case 48: case 49: case 94:
      return TextEncoding::kLatin1;
    case kBinaryCollation:
    case 35: case 90: case 54: case 55: case 56: case 60: case 61:  // ucs2, utf16, utf32
      return TextEncoding::kAlwaysHex;
    default:
      if ((id >= 101 && id <= 124) || (id >= 128 && id <= 151) || (id >= 160 && id <= 183)) {
        return TextEncoding::kAlwaysHex;  // utf16 / ucs2 / utf32 UCA collations
      }
      return TextEncoding::kUtf8IfValid;
  }
}

// MySQL's latin1 is Windows-1252; its 0x80..0x9f block maps to these code points.
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string Latin1ToUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 4);
  for (unsigned char c : in) {
    uint32_t cp = c < 0x80 ? c : (c < 0xa0 ? kCp1252High[c - 0x80] : c);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
  return out;
}

void AppendTextJson(std::string_view bytes, const ColumnInfo& c, std::string* out) {
  switch (EncodingOf(c)) {
    case TextEncoding::kLatin1:
      AppendJsonString(Latin1ToUtf8(bytes), out);
      return;
    case TextEncoding::kAlwaysHex:
      AppendBytesJson(bytes, true, out);
      return;
    case TextEncoding::kUtf8IfValid:
      AppendBytesJson(bytes, false, out);
      return;
  }
}

// The JSON object keys ("name": ) of a table's columns, escaped once per TABLE_MAP.
std::vector<std::string> ColumnKeys(const TableMap& t) {
  std::vector<std::string> keys;
  keys.reserve(t.columns.size());
  for (size_t i = 0; i < t.columns.size(); ++i) {
    std::string k;
    AppendJsonString(t.columns[i].name.empty() ? "@" + std::to_string(i + 1) : t.columns[i].name,
                     &k);
    k.push_back(':');
    keys.push_back(std::move(k));
  }
  return keys;
}

Status AppendRow(const std::vector<Value>& row, const TableMap& t,
                 const std::vector<std::string>& keys, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].is_missing()) continue;
    if (!first) out->push_back(',');
    first = false;
    out->append(keys[i]);
    DM_RETURN_IF_ERROR(AppendValueJson(row[i], t.columns[i], out));
  }
  out->push_back('}');
  return Status::OK();
}

}  // namespace

Status AppendValueJson(const Value& v, const ColumnInfo& c, std::string* out) {
  if (v.is_null() || v.is_missing()) {
    out->append("null");
    return Status::OK();
  }
  switch (v.kind) {
    case ValueKind::kString:
      if (c.type == ColumnType::kString && c.IsBinary() && v.bytes.size() < c.string_length) {
        // The server strips BINARY(N)'s trailing 0x00 padding from row images.
        std::string padded(v.bytes);
        padded.resize(c.string_length, '\0');
        AppendBytesJson(padded, true, out);
      } else {
        AppendTextJson(v.bytes, c, out);
      }
      return Status::OK();
    case ValueKind::kGeometry:
      AppendBytesJson(v.bytes, /*binary=*/true, out);
      return Status::OK();
    case ValueKind::kJsonDiff: {
      out->append("{\"json_diff\":");
      std::string diff;
      DM_RETURN_IF_ERROR(AppendJsonDiffAsText(v.bytes, &diff));
      out->append(diff);  // already JSON
      out->push_back('}');
      return Status::OK();
    }
    case ValueKind::kEnum:
      if (!c.enum_values.empty()) {
        if (v.u == 0) out->append("\"\"");
        else if (v.u <= c.enum_values.size()) AppendBytesJson(c.enum_values[v.u - 1], false, out);
        else return Status::Corruption("ENUM index " + std::to_string(v.u) + " out of range");
        return Status::OK();
      }
      break;
    case ValueKind::kSet:
      if (!c.enum_values.empty()) {
        std::string names;
        for (size_t b = 0; b < c.enum_values.size() && b < 64; ++b) {
          if (v.u & (uint64_t{1} << b)) {
            if (!names.empty()) names.push_back(',');
            names += c.enum_values[b];
          }
        }
        AppendBytesJson(names, false, out);
        return Status::OK();
      }
      break;
    default:
      break;
  }
  std::string text;
  DM_RETURN_IF_ERROR(AppendValueText(v, &text));
  AppendJsonString(text, out);
  return Status::OK();
}

Status EventJsonWriter::Append(const Event& e, uint64_t pos, std::string_view file,
                               std::string_view gtid, std::string* out) {
  const EventHeader& h = e.header;
  out->append("{\"type\":");
  AppendJsonString(EventTypeName(h.type), out);
  UintField("pos", pos, out);
  UintField("next_pos", h.log_pos, out);
  UintField("timestamp", h.timestamp, out);
  UintField("server_id", h.server_id, out);
  UintField("size", h.event_size, out);
  if (!file.empty()) StrField("file", file, out);
  if (!gtid.empty()) StrField("gtid", gtid, out);

  if (auto* f = e.As<FormatDescriptionEvent>()) {
    StrField("server_version", f->server_version, out);
    UintField("binlog_version", f->binlog_version, out);
    StrField("checksum", f->checksum_alg == ChecksumAlg::kCrc32 ? "CRC32" : "NONE", out);
  } else if (auto* r = e.As<RotateEvent>()) {
    StrField("next_file", r->next_file, out);
    UintField("position", r->position, out);
  } else if (auto* q = e.As<QueryEvent>()) {
    StrField("schema", q->schema, out);
    Field("query", out);
    AppendBytesJson(q->query, false, out);
    UintField("thread_id", q->thread_id, out);
    UintField("exec_time", q->exec_time, out);
    if (q->error_code) UintField("error_code", q->error_code, out);
  } else if (auto* x = e.As<XidEvent>()) {
    UintField("xid", x->xid, out);
  } else if (auto* tm = e.As<TableMapEvent>()) {
    const TableMap& t = *tm->table;
    StrField("schema", t.schema, out);
    StrField("table", t.table, out);
    UintField("table_id", t.table_id, out);
    Field("columns", out);
    out->push_back('[');
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const ColumnInfo& c = t.columns[i];
      if (i) out->push_back(',');
      out->append("{\"name\":");
      AppendJsonString(c.name.empty() ? "@" + std::to_string(i + 1) : c.name, out);
      StrField("type", ColumnTypeName(c.type), out);
      UintField("meta", c.meta, out);
      out->append(c.nullable ? ",\"nullable\":true" : ",\"nullable\":false");
      if (c.is_unsigned) out->append(*c.is_unsigned ? ",\"unsigned\":true" : ",\"unsigned\":false");
      if (c.collation) UintField("collation", *c.collation, out);
      out->push_back('}');
    }
    out->push_back(']');
    if (!t.primary_key.empty()) {
      Field("primary_key", out);
      out->push_back('[');
      for (size_t i = 0; i < t.primary_key.size(); ++i) {
        if (i) out->push_back(',');
        AppendUint(t.primary_key[i], out);
      }
      out->push_back(']');
    }
  } else if (auto* rows = e.As<RowsEvent>()) {
    if (rows->table) {
      StrField("schema", rows->table->schema, out);
      StrField("table", rows->table->table, out);
    }
    UintField("table_id", rows->table_id, out);
    UintField("flags", rows->flags, out);
    Field("rows", out);
    out->push_back('[');
    if (rows->table) {
      if (rows->table != keys_table_) {
        keys_table_ = rows->table;
        keys_ = ColumnKeys(*rows->table);
      }
      RowReader reader(*rows);
      std::vector<Value> a, b;
      bool first = true;
      while (reader.Next(&a, &b)) {
        if (!first) out->push_back(',');
        first = false;
        if (rows->kind == RowsKind::kUpdate) {
          out->append("{\"before\":");
          DM_RETURN_IF_ERROR(AppendRow(a, *rows->table, keys_, out));
          out->append(",\"after\":");
          DM_RETURN_IF_ERROR(AppendRow(b, *rows->table, keys_, out));
          out->push_back('}');
        } else {
          DM_RETURN_IF_ERROR(AppendRow(a, *rows->table, keys_, out));
        }
      }
      DM_RETURN_IF_ERROR(reader.status());
    }
    out->push_back(']');
  } else if (auto* g = e.As<MariaGtidEvent>()) {
    UintField("domain_id", g->gtid.domain, out);
    UintField("seq_no", g->gtid.seq, out);
    UintField("flags", g->flags, out);
    if (g->flags & 0x02) UintField("commit_id", g->commit_id, out);
    if (g->standalone()) out->append(",\"standalone\":true");
  } else if (auto* gl = e.As<MariaGtidListEvent>()) {
    std::string list;
    for (const auto& x : gl->gtids) {
      if (!list.empty()) list.push_back(',');
      list += x.ToString();
    }
    StrField("gtid_list", list, out);
  } else if (auto* cp = e.As<BinlogCheckpointEvent>()) {
    StrField("checkpoint_file", cp->file, out);
  } else if (auto* an = e.As<AnnotateRowsEvent>()) {
    Field("query", out);
    AppendBytesJson(an->query, false, out);
  } else if (auto* mg = e.As<MysqlGtidEvent>()) {
    if (!mg->anonymous) StrField("gtid_event", mg->ToString(), out);
    UintField("last_committed", mg->last_committed, out);
    UintField("sequence_number", mg->sequence_number, out);
    if (mg->immediate_commit_ts) UintField("commit_ts_us", mg->immediate_commit_ts, out);
  } else if (auto* pg = e.As<PreviousGtidsEvent>()) {
    StrField("previous_gtids", pg->gtids.ToString(), out);
  } else if (auto* hb = e.As<HeartbeatEvent>()) {
    StrField("log_file", hb->file, out);
  } else if (auto* iv = e.As<IntvarEvent>()) {
    StrField("intvar", iv->type == 1 ? "LAST_INSERT_ID" : "INSERT_ID", out);
    UintField("value", iv->value, out);
  } else if (auto* rd = e.As<RandEvent>()) {
    UintField("seed1", rd->seed1, out);
    UintField("seed2", rd->seed2, out);
  } else if (auto* uv = e.As<UserVarEvent>()) {
    Field("name", out);
    AppendBytesJson(uv->name, false, out);
    if (uv->is_null) {
      out->append(",\"value\":null");
    } else {
      UintField("value_type", uv->value_type, out);
      Field("value", out);
      out->append("{\"hex\":\"");
      AppendHex(uv->value, out);
      out->append("\"}");
    }
  } else if (auto* xa = e.As<XaPrepareEvent>()) {
    out->append(xa->one_phase ? ",\"one_phase\":true" : ",\"one_phase\":false");
    UintField("format_id", xa->format_id, out);
    Field("gtrid", out);
    AppendBytesJson(xa->gtrid, true, out);
    Field("bqual", out);
    AppendBytesJson(xa->bqual, true, out);
  } else if (auto* rq = e.As<RowsQueryEvent>()) {
    Field("query", out);
    AppendBytesJson(rq->query, false, out);
  } else if (auto* tp = e.As<TransactionPayloadEvent>()) {
    UintField("compression_type", tp->compression_type, out);
    UintField("payload_size", tp->payload_size, out);
    UintField("uncompressed_size", tp->uncompressed_size, out);
  } else if (auto* sk = e.As<SkippedEvent>()) {
    StrField("skipped", sk->reason, out);
  }
  out->append("}\n");
  return Status::OK();
}

}  // namespace dm::binlog
