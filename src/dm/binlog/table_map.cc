#include "dm/binlog/table_map.h"

#include "dm/binlog/byte_reader.h"

namespace dm::binlog {

namespace {

// Optional metadata field types (MySQL Table_map_log_event::Optional_metadata_field_type).
enum OptMeta : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
  kColumnVisibility = 12,
};

Status Bad(const TableMap& t, const std::string& what) {
  return Status::Corruption("TABLE_MAP for `" + t.schema + "`.`" + t.table + "`: " + what);
}

bool IsEnumOrSet(const ColumnInfo& c) {
  return c.type == ColumnType::kEnum || c.type == ColumnType::kSet;
}

// Reads `count` bits MSB-first from a bitmap into `out`.
std::vector<bool> ReadBitmapMsb(std::string_view bytes, size_t count) {
  std::vector<bool> bits(count, false);
  for (size_t i = 0; i < count && i / 8 < bytes.size(); ++i) {
    bits[i] = (static_cast<uint8_t>(bytes[i / 8]) >> (7 - i % 8)) & 1;
  }
  return bits;
}

// DEFAULT_CHARSET format: default collation, then (index, collation) pairs for the
// columns (counted among `targets`) that differ.
Status ApplyDefaultCharset(std::string_view v, std::vector<ColumnInfo*>& targets) {
  ByteReader r(v);
  uint64_t def = r.PackedInt();
  if (!r.ok()) return Status::Corruption("bad default charset");
  for (auto* c : targets) c->collation = static_cast<uint32_t>(def);
  while (!r.empty()) {
    uint64_t idx = r.PackedInt();
    uint64_t coll = r.PackedInt();
    if (!r.ok() || idx >= targets.size()) return Status::Corruption("bad charset exception");
    targets[idx]->collation = static_cast<uint32_t>(coll);
  }
  return Status::OK();
}

Status ApplyColumnCharset(std::string_view v, std::vector<ColumnInfo*>& targets) {
  ByteReader r(v);
  for (auto* c : targets) {
    uint64_t coll = r.PackedInt();
    if (!r.ok()) return Status::Corruption("column charset list shorter than its columns");
    c->collation = static_cast<uint32_t>(coll);
  }
  return Status::OK();
}

Status ApplyStrValues(std::string_view v, std::vector<ColumnInfo*>& targets) {
  ByteReader r(v);
  for (auto* c : targets) {
    uint64_t n = r.PackedInt();
    // Each value needs at least one byte: bound the count before reserving.
    if (!r.ok() || n > r.remaining()) return Status::Corruption("bad enum/set value list");
    c->enum_values.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view s = r.PackedString();
      if (!r.ok()) return Status::Corruption("bad enum/set value");
      c->enum_values.emplace_back(s);
    }
  }
  return Status::OK();
}

// Resolves the real type and derived lengths from (type, meta).
void ResolveColumn(ColumnInfo* c) {
  if (c->type == ColumnType::kString || c->type == ColumnType::kEnum ||
      c->type == ColumnType::kSet) {
    uint8_t b0 = static_cast<uint8_t>(c->meta >> 8);
    uint8_t b1 = static_cast<uint8_t>(c->meta & 0xff);
    if (c->type == ColumnType::kString && (b0 & 0x30) != 0x30) {
      // CHAR longer than 255 bytes: high bits of the length live in byte0.
      c->string_length = b1 | (((b0 & 0x30) ^ 0x30) << 4);
      b0 = static_cast<uint8_t>(b0 | 0x30);
    } else {
      c->string_length = b1;
    }
    if (c->type == ColumnType::kString) {
      if (b0 == static_cast<uint8_t>(ColumnType::kEnum)) c->type = ColumnType::kEnum;
      else if (b0 == static_cast<uint8_t>(ColumnType::kSet)) c->type = ColumnType::kSet;
    }
  }
}

}  // namespace

bool ColumnInfo::IsCharacterType() const {
  switch (type) {
    case ColumnType::kString: case ColumnType::kVarchar: case ColumnType::kVarString:
    case ColumnType::kBlob: case ColumnType::kTinyBlob: case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kGeometry:  // a BLOB underneath: both servers list it (binary)
    case ColumnType::kVector:    // MySQL 9 lists VECTOR (binary) among the charset columns
      return true;
    default:
      return false;
  }
}

Result<TableMap> TableMap::Parse(std::string_view body, size_t table_id_size) {
  TableMap t;
  ByteReader r(body);
  t.table_id = r.UintLE(table_id_size);
  t.flags = r.U16();
  uint8_t schema_len = r.U8();
  t.schema = std::string(r.Bytes(schema_len));
  r.Skip(1);
  uint8_t table_len = r.U8();
  t.table = std::string(r.Bytes(table_len));
  r.Skip(1);
  uint64_t ncols = r.PackedInt();
  if (!r.ok()) return Bad(t, "truncated header");
  // Every column has a type byte, so a count larger than the bytes left is corrupt.
  if (ncols == 0 || ncols > r.remaining() || ncols > 4096) {
    return Bad(t, "impossible column count " + std::to_string(ncols));
  }
  t.columns.resize(ncols);
  std::string_view types = r.Bytes(ncols);
  for (size_t i = 0; i < ncols; ++i) t.columns[i].type = static_cast<ColumnType>(types[i]);
  std::string_view meta = r.PackedString();
  if (!r.ok()) return Bad(t, "truncated column metadata");
  ByteReader m(meta);
  for (auto& c : t.columns) {
    switch (c.type) {
      case ColumnType::kFloat: case ColumnType::kDouble: case ColumnType::kBlob:
      case ColumnType::kTinyBlob: case ColumnType::kMediumBlob: case ColumnType::kLongBlob:
      case ColumnType::kGeometry: case ColumnType::kJson: case ColumnType::kVector:
      case ColumnType::kTimestamp2: case ColumnType::kDateTime2: case ColumnType::kTime2:
        c.meta = m.U8();
        break;
      case ColumnType::kVarchar: case ColumnType::kVarString: case ColumnType::kBit:
        c.meta = m.U16();  // little-endian
        break;
      case ColumnType::kNewDecimal: case ColumnType::kString: case ColumnType::kEnum:
      case ColumnType::kSet:
        c.meta = static_cast<uint16_t>(m.UintBE(2));  // byte0 << 8 | byte1
        break;
      default:
        break;
    }
    ResolveColumn(&c);
  }
  if (!m.ok()) return Bad(t, "column metadata block shorter than its columns need");
  std::string_view nulls = r.Bytes((ncols + 7) / 8);
  if (!r.ok()) return Bad(t, "truncated null bitmap");
  for (size_t i = 0; i < ncols; ++i) {
    t.columns[i].nullable = (static_cast<uint8_t>(nulls[i / 8]) >> (i % 8)) & 1;
  }

  // Optional metadata (binlog_row_metadata=MINIMAL/FULL): TLV fields.
  std::vector<ColumnInfo*> numeric, character, enum_set, enums, sets, geometry;
  for (auto& c : t.columns) {
    if (IsNumericType(c.type)) numeric.push_back(&c);
    if (c.IsCharacterType()) character.push_back(&c);
    if (IsEnumOrSet(c)) enum_set.push_back(&c);
    if (c.type == ColumnType::kEnum) enums.push_back(&c);
    if (c.type == ColumnType::kSet) sets.push_back(&c);
    if (c.type == ColumnType::kGeometry) geometry.push_back(&c);
  }
  while (!r.empty()) {
    uint8_t type = r.U8();
    std::string_view v = r.PackedString();
    if (!r.ok()) return Bad(t, "truncated optional metadata field " + std::to_string(type));
    t.has_optional_metadata = true;
    Status s;
    switch (type) {
      case kSignedness: {
        auto bits = ReadBitmapMsb(v, numeric.size());
        for (size_t i = 0; i < numeric.size(); ++i) numeric[i]->is_unsigned = bits[i];
        break;
      }
      case kDefaultCharset: s = ApplyDefaultCharset(v, character); break;
      case kColumnCharset: s = ApplyColumnCharset(v, character); break;
      case kEnumAndSetDefaultCharset: s = ApplyDefaultCharset(v, enum_set); break;
      case kEnumAndSetColumnCharset: s = ApplyColumnCharset(v, enum_set); break;
      case kColumnName: {
        ByteReader n(v);
        for (auto& c : t.columns) {
          c.name = std::string(n.PackedString());
          if (!n.ok()) return Bad(t, "column name list shorter than its columns");
        }
        break;
      }
      case kSetStrValue: s = ApplyStrValues(v, sets); break;
      case kEnumStrValue: s = ApplyStrValues(v, enums); break;
      case kGeometryType: {
        ByteReader g(v);
        for (auto* c : geometry) c->geometry_type = static_cast<uint32_t>(g.PackedInt());
        if (!g.ok()) return Bad(t, "bad geometry type list");
        break;
      }
      case kSimplePrimaryKey: {
        ByteReader p(v);
        while (!p.empty()) {
          uint64_t idx = p.PackedInt();
          if (!p.ok() || idx >= ncols) return Bad(t, "bad primary key column index");
          t.primary_key.push_back(static_cast<uint32_t>(idx));
          t.primary_key_prefix.push_back(0);
        }
        break;
      }
      case kPrimaryKeyWithPrefix: {
        ByteReader p(v);
        while (!p.empty()) {
          uint64_t idx = p.PackedInt();
          uint64_t prefix = p.PackedInt();
          if (!p.ok() || idx >= ncols) return Bad(t, "bad primary key column index");
          t.primary_key.push_back(static_cast<uint32_t>(idx));
          t.primary_key_prefix.push_back(static_cast<uint32_t>(prefix));
        }
        break;
      }
      case kColumnVisibility: {
        auto bits = ReadBitmapMsb(v, ncols);
        for (size_t i = 0; i < ncols; ++i) t.columns[i].visible = bits[i];
        break;
      }
      default:
        break;  // unknown fields are skipped by their length
    }
    if (!s.ok()) return Bad(t, std::string(s.message()));
  }
  return t;
}

}  // namespace dm::binlog
