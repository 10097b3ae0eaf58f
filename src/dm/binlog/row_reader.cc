#include "dm/binlog/row_reader.h"

#include <array>
#include <bit>

#include "dm/binlog/json_binary.h"

namespace dm::binlog {

namespace {

inline int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Number of set bits among the first n bits of a bitmap (byte table: no libcall and no
// dependence on the CPU's POPCNT).
inline size_t CountBits(std::string_view bitmap, size_t n) {
  static constexpr auto kBits = [] {
    std::array<uint8_t, 256> t{};
    for (int i = 0; i < 256; ++i) t[i] = static_cast<uint8_t>(std::popcount(unsigned(i)));
    return t;
  }();
  size_t count = 0;
  size_t full = n / 8;
  for (size_t i = 0; i < full; ++i) count += kBits[static_cast<uint8_t>(bitmap[i])];
  if (n % 8) {
    count += kBits[static_cast<uint8_t>(bitmap[full]) & ((1u << (n % 8)) - 1)];
  }
  return count;
}

inline bool BitSet(std::string_view bitmap, size_t i) {
  return (static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1;
}

// Fractional part of TIMESTAMP2/DATETIME2 (unsigned), in microseconds.
inline uint32_t ReadFraction(ByteReader& r, uint8_t fsp) {
  switch (fsp) {
    case 1: case 2: return static_cast<uint32_t>(r.UintBE(1)) * 10000;
    case 3: case 4: return static_cast<uint32_t>(r.UintBE(2)) * 100;
    case 5: case 6: return static_cast<uint32_t>(r.UintBE(3));
    default: return 0;
  }
}

Status BadFsp(const ColumnInfo& c) {
  return Status::Corruption("column `" + c.name + "` has fractional precision " +
                            std::to_string(c.meta) + " (must be 0..6)");
}

void SetInt(const ColumnInfo& c, uint64_t raw, int bits, Value* v) {
  if (c.is_unsigned.value_or(false)) {
    v->kind = ValueKind::kUint;
    v->u = raw;
  } else {
    v->kind = ValueKind::kInt;
    v->i = SignExtend(raw, bits);
  }
}

Status DecodeTime2(ByteReader& r, uint8_t fsp, Value* v) {
  // MySQL packed TIME: intpart (hour:10 minute:6 second:6) << 24 | fraction, offset-binary.
  int64_t packed;
  switch (fsp) {
    case 0:
      packed = (static_cast<int64_t>(r.UintBE(3)) - 0x800000) << 24;
      break;
    case 1: case 2: {
      int64_t intpart = static_cast<int64_t>(r.UintBE(3)) - 0x800000;
      int64_t frac = r.U8();  // unsigned; negative values borrow below
      if (intpart < 0 && frac != 0) {
        intpart++;
        frac -= 0x100;
      }
      packed = intpart * (int64_t{1} << 24) + frac * 10000;
      break;
    }
    case 3: case 4: {
      int64_t intpart = static_cast<int64_t>(r.UintBE(3)) - 0x800000;
      int64_t frac = static_cast<int64_t>(r.UintBE(2));
      if (intpart < 0 && frac != 0) {
        intpart++;
        frac -= 0x10000;
      }
      packed = intpart * (int64_t{1} << 24) + frac * 100;
      break;
    }
    default:
      packed = static_cast<int64_t>(r.UintBE(6)) - 0x800000000000LL;
      break;
  }
  v->kind = ValueKind::kTime;
  v->negative = packed < 0;
  uint64_t mag = static_cast<uint64_t>(packed < 0 ? -packed : packed);
  uint64_t hms = mag >> 24;
  v->micro = static_cast<uint32_t>(mag % (1 << 24));
  v->tm.hours = static_cast<uint32_t>((hms >> 12) % (1 << 10));
  v->tm.minute = static_cast<uint8_t>((hms >> 6) % 64);
  v->tm.second = static_cast<uint8_t>(hms % 64);
  return Status::OK();
}

}  // namespace

Status DecodeColumnValue(ByteReader& r, const ColumnInfo& c, Value* v) {
  v->type = c.type;
  switch (c.type) {
    case ColumnType::kTiny: SetInt(c, r.U8(), 8, v); break;
    case ColumnType::kShort: SetInt(c, r.U16(), 16, v); break;
    case ColumnType::kInt24: SetInt(c, r.U24(), 24, v); break;
    case ColumnType::kLong: SetInt(c, r.U32(), 32, v); break;
    case ColumnType::kLongLong:
      if (c.is_unsigned.value_or(false)) {
        v->kind = ValueKind::kUint;
        v->u = r.U64();
      } else {
        v->kind = ValueKind::kInt;
        v->i = static_cast<int64_t>(r.U64());
      }
      break;
    case ColumnType::kFloat: {
      uint32_t bits = r.U32();
      v->kind = ValueKind::kFloat;
      v->f = std::bit_cast<float>(bits);
      break;
    }
    case ColumnType::kDouble: {
      uint64_t bits = r.U64();
      v->kind = ValueKind::kDouble;
      v->d = std::bit_cast<double>(bits);
      break;
    }
    case ColumnType::kNewDecimal: {
      int precision = c.meta >> 8, scale = c.meta & 0xff;
      if (precision < 1 || precision > 65 || scale > 30 || scale > precision) {
        return Status::Corruption("column `" + c.name + "` has impossible DECIMAL(" +
                                  std::to_string(precision) + "," + std::to_string(scale) + ")");
      }
      v->kind = ValueKind::kDecimal;
      v->precision = static_cast<uint8_t>(precision);
      v->scale = static_cast<uint8_t>(scale);
      v->bytes = r.Bytes(BinaryDecimalSize(precision, scale));
      break;
    }
    case ColumnType::kYear: {
      uint8_t y = r.U8();
      v->kind = ValueKind::kYear;
      v->u = y == 0 ? 0 : 1900u + y;
      break;
    }
    case ColumnType::kDate: case ColumnType::kNewDate: {
      uint32_t d = r.U24();
      v->kind = ValueKind::kDate;
      v->dt = {static_cast<uint16_t>(d >> 9), static_cast<uint8_t>((d >> 5) & 15),
               static_cast<uint8_t>(d & 31), 0, 0, 0};
      break;
    }
    case ColumnType::kTime: {  // old format: signed hhmmss
      int64_t t = SignExtend(r.U24(), 24);
      v->kind = ValueKind::kTime;
      v->negative = t < 0;
      uint64_t m = static_cast<uint64_t>(t < 0 ? -t : t);
      v->tm.hours = static_cast<uint32_t>(m / 10000);
      v->tm.minute = static_cast<uint8_t>(m / 100 % 100);
      v->tm.second = static_cast<uint8_t>(m % 100);
      break;
    }
    case ColumnType::kTime2:
      if (c.meta > 6) return BadFsp(c);
      v->fsp = static_cast<uint8_t>(c.meta);
      DM_RETURN_IF_ERROR(DecodeTime2(r, v->fsp, v));
      break;
    case ColumnType::kDateTime: {  // old format: YYYYMMDDhhmmss as an integer
      uint64_t x = r.U64();
      uint64_t d = x / 1000000, t = x % 1000000;
      v->kind = ValueKind::kDateTime;
      v->dt = {static_cast<uint16_t>(d / 10000 % 10000), static_cast<uint8_t>(d / 100 % 100),
               static_cast<uint8_t>(d % 100), static_cast<uint8_t>(t / 10000),
               static_cast<uint8_t>(t / 100 % 100), static_cast<uint8_t>(t % 100)};
      break;
    }
    case ColumnType::kDateTime2: {
      if (c.meta > 6) return BadFsp(c);
      v->fsp = static_cast<uint8_t>(c.meta);
      uint64_t raw = r.UintBE(5);
      int64_t intpart = static_cast<int64_t>(raw) - 0x8000000000LL;
      v->micro = ReadFraction(r, v->fsp);
      uint64_t mag = static_cast<uint64_t>(intpart < 0 ? -intpart : intpart);
      uint64_t ymd = mag >> 17, ym = ymd >> 5, hms = mag % (1 << 17);
      v->kind = ValueKind::kDateTime;
      v->dt = {static_cast<uint16_t>(ym / 13), static_cast<uint8_t>(ym % 13),
               static_cast<uint8_t>(ymd % 32), static_cast<uint8_t>(hms >> 12),
               static_cast<uint8_t>((hms >> 6) % 64), static_cast<uint8_t>(hms % 64)};
      break;
    }
    case ColumnType::kTimestamp:
      v->kind = ValueKind::kTimestamp;
      v->u = r.U32();
      break;
    case ColumnType::kTimestamp2:
      if (c.meta > 6) return BadFsp(c);
      v->fsp = static_cast<uint8_t>(c.meta);
      v->kind = ValueKind::kTimestamp;
      v->u = r.UintBE(4);
      v->micro = ReadFraction(r, v->fsp);
      break;
    case ColumnType::kBit: {
      uint32_t nbits = (c.meta >> 8) * 8u + (c.meta & 0xff);
      uint32_t nbytes = (nbits + 7) / 8;
      if (nbytes > 8) return Status::Corruption("BIT column `" + c.name + "` wider than 64 bits");
      v->kind = ValueKind::kBit;
      v->u = r.UintBE(nbytes);
      break;
    }
    case ColumnType::kEnum:
      if (c.string_length != 1 && c.string_length != 2) {
        return Status::Corruption("ENUM column `" + c.name + "` has pack length " +
                                  std::to_string(c.string_length));
      }
      v->kind = ValueKind::kEnum;
      v->u = r.UintLE(c.string_length);
      break;
    case ColumnType::kSet:
      if (c.string_length < 1 || c.string_length > 8) {
        return Status::Corruption("SET column `" + c.name + "` has pack length " +
                                  std::to_string(c.string_length));
      }
      v->kind = ValueKind::kSet;
      v->u = r.UintLE(c.string_length);
      break;
    case ColumnType::kString: {
      size_t len = c.string_length < 256 ? r.U8() : r.U16();
      v->kind = ValueKind::kString;
      v->bytes = r.Bytes(len);
      break;
    }
    case ColumnType::kVarchar: case ColumnType::kVarString: {
      size_t len = c.meta < 256 ? r.U8() : r.U16();
      v->kind = ValueKind::kString;
      v->bytes = r.Bytes(len);
      break;
    }
    case ColumnType::kBlob: case ColumnType::kTinyBlob: case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob: case ColumnType::kGeometry: case ColumnType::kJson:
    case ColumnType::kVector: {
      if (c.meta < 1 || c.meta > 4) {
        return Status::Corruption("column `" + c.name + "` has length-prefix size " +
                                  std::to_string(c.meta) + " (must be 1..4)");
      }
      size_t len = static_cast<size_t>(r.UintLE(c.meta));
      v->bytes = r.Bytes(len);
      v->kind = c.type == ColumnType::kGeometry ? ValueKind::kGeometry
                : c.type == ColumnType::kJson   ? ValueKind::kJson
                : c.type == ColumnType::kVector ? ValueKind::kVector
                                                : ValueKind::kString;
      break;
    }
    default:
      return Status::NotSupported("column `" + c.name + "` has type " +
                                  std::string(ColumnTypeName(c.type)) + " (" +
                                  std::to_string(static_cast<int>(c.type)) +
                                  ") which is not supported in row events");
  }
  return Status::OK();
}

RowReader::RowReader(const RowsEvent& event) : event_(event), reader_(event.rows) {
  if (!event.table) {
    status_ = Status::Corruption("rows event for table id " + std::to_string(event.table_id) +
                                 " has no preceding TABLE_MAP");
    reader_.Fail();
  }
}

bool RowReader::DecodeImage(std::string_view present, std::vector<Value>* out,
                            bool after_image) {
  const TableMap& t = *event_.table;
  const size_t n = event_.column_count;
  std::string_view partial_json;  // bitmap over the JSON columns: which hold a diff
  if (after_image && event_.partial) {
    // PARTIAL_UPDATE_ROWS: value options, then (with PARTIAL_JSON) the bitmap above.
    uint64_t options = reader_.PackedInt();
    if (reader_.ok() && (options & 1)) {
      size_t json_cols = 0;
      for (size_t i = 0; i < n; ++i) json_cols += t.columns[i].type == ColumnType::kJson;
      partial_json = reader_.Bytes((json_cols + 7) / 8);
    }
  }
  const size_t present_count = CountBits(present, n);
  std::string_view nulls = reader_.Bytes((present_count + 7) / 8);
  if (!reader_.ok()) {
    status_ = Status::Corruption("`" + t.schema + "`.`" + t.table + "`: row " +
                                 std::to_string(row_index_) + " truncated in its null bitmap");
    return false;
  }
  out->resize(t.columns.size());
  size_t k = 0;
  size_t json_index = 0;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    Value& v = (*out)[i];
    const bool is_diff = !partial_json.empty() && t.columns[i].type == ColumnType::kJson &&
                         BitSet(partial_json, json_index++);
    if (i >= n || !BitSet(present, i)) {
      v = Value();
      continue;
    }
    if (BitSet(nulls, k++)) {
      v = Value();
      v.kind = ValueKind::kNull;
      v.type = t.columns[i].type;
      continue;
    }
    v.negative = false;
    v.fsp = 0;
    v.micro = 0;
    Status s;
    if (is_diff && (t.columns[i].meta < 1 || t.columns[i].meta > 4)) {
      s = Status::Corruption("JSON column has length-prefix size " +
                             std::to_string(t.columns[i].meta));
    } else if (is_diff) {
      v.type = ColumnType::kJson;
      v.kind = ValueKind::kJsonDiff;
      v.bytes = reader_.Bytes(static_cast<size_t>(reader_.UintLE(t.columns[i].meta)));
    } else {
      s = DecodeColumnValue(reader_, t.columns[i], &v);
    }
    if (!s.ok() || !reader_.ok()) {
      const ColumnInfo& c = t.columns[i];
      std::string what = "`" + t.schema + "`.`" + t.table + "` row " +
                         std::to_string(row_index_) + " column " + std::to_string(i + 1) +
                         (c.name.empty() ? "" : " (`" + c.name + "`)") + " type " +
                         std::string(ColumnTypeName(c.type));
      status_ = s.ok() ? Status::Corruption(what + ": value runs past the end of the event")
                       : std::move(s).WithContext(what);
      return false;
    }
  }
  return true;
}

bool RowReader::Next(std::vector<Value>* first, std::vector<Value>* second) {
  if (!status_.ok() || reader_.empty()) return false;
  if (event_.column_count > event_.table->columns.size()) {
    status_ = Status::Corruption("rows event has " + std::to_string(event_.column_count) +
                                 " columns but TABLE_MAP for `" + event_.table->schema + "`.`" +
                                 event_.table->table + "` has " +
                                 std::to_string(event_.table->columns.size()));
    return false;
  }
  const size_t start = reader_.offset();
  if (!DecodeImage(event_.columns_before, first, false)) return false;
  if (event_.kind == RowsKind::kUpdate) {
    if (!DecodeImage(event_.columns_after, second, true)) return false;
  }
  if (reader_.offset() == start) {
    // A row that occupies no bytes cannot end the event: refuse instead of looping.
    status_ = Status::Corruption("`" + event_.table->schema + "`.`" + event_.table->table +
                                 "`: row " + std::to_string(row_index_) +
                                 " has no columns in its image");
    return false;
  }
  ++row_index_;
  return true;
}

}  // namespace dm::binlog
