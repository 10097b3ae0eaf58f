#include "dm/binlog/event_json.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dm/binlog/row_reader.h"

namespace dm::binlog {

// Everything below writes straight into a JsonBuffer: each writer reserves an upper bound
// for what it may write, writes through a raw pointer and commits the end. The output is
// exactly what the std::string based AppendJsonString/AppendHex/AppendValueText produce
// (docs/dm-binlog.md); only the way it is built differs.

void JsonBuffer::Grow(size_t n) {
  const size_t used = size();
  const size_t cap = static_cast<size_t>(end_ - data_.get());
  size_t want = std::max({cap * 2, used + n, size_t{64} << 10});
  auto fresh = std::unique_ptr<char[]>(new char[want]);
  if (used) std::memcpy(fresh.get(), data_.get(), used);
  data_ = std::move(fresh);
  p_ = data_.get() + used;
  end_ = data_.get() + want;
}

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// "00".."ff": two output bytes per input byte with one load.
constexpr auto kHexPairs = [] {
  std::array<char, 512> t{};
  for (int i = 0; i < 256; ++i) {
    t[2 * i] = kHexDigits[i >> 4];
    t[2 * i + 1] = kHexDigits[i & 15];
  }
  return t;
}();

// Room a JSON string of n input bytes may need: quotes, \u00XX per byte, and the 16
// bytes a vector store may write past the end of what it keeps.
constexpr size_t EscapedBound(size_t n) { return 6 * n + 2 + 16; }

inline bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

inline char* EscapeByte(unsigned char c, char* o) {
  *o++ = '\\';
  switch (c) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '\n': *o++ = 'n'; break;
    case '\r': *o++ = 'r'; break;
    case '\t': *o++ = 't'; break;
    case '\b': *o++ = 'b'; break;
    case '\f': *o++ = 'f'; break;
    default:
      std::memcpy(o, "u00", 3);
      o[3] = kHexDigits[c >> 4];
      o[4] = kHexDigits[c & 15];
      o += 5;
  }
  return o;
}

// Writes the escaped content of [p, end) (no quotes) to o, which has room for
// EscapedBound(end - p) bytes; returns the new end. Same escapes as AppendJsonString.
char* EscapeTo(const char* p, const char* end, char* o) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
  const __m128i max_ctrl = _mm_set1_epi8(0x1f);
  while (end - p >= 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                               _mm_cmpeq_epi8(_mm_min_epu8(x, max_ctrl), x));  // x <= 0x1f
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), x);
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(bad));
    if (mask == 0) {
      p += 16;
      o += 16;
      continue;
    }
    unsigned k = static_cast<unsigned>(__builtin_ctz(mask));
    p += k;
    o = EscapeByte(static_cast<unsigned char>(*p++), o + k);
  }
#endif
  while (p < end) {
    unsigned char c = static_cast<unsigned char>(*p++);
    if (NeedsEscape(c)) {
      o = EscapeByte(c, o);
    } else {
      *o++ = static_cast<char>(c);
    }
  }
  return o;
}

// True if none of the 8 bytes of w is >= 0x80, < 0x20, '"' or '\\' (exact "any" tests:
// a borrow only runs upwards from a byte that already matched).
inline bool PlainAscii8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const uint64_t q = w ^ (kOnes * '"'), bs = w ^ (kOnes * '\\');
  const uint64_t bad = w | ((w - kOnes * 0x20) & ~w) | ((q - kOnes) & ~q) | ((bs - kOnes) & ~bs);
  return (bad & kHigh) == 0;
}

// If every byte of [p, end) is printable ASCII other than '"' and '\\' (so the bytes are
// valid UTF-8 and their JSON string content is themselves), copies them to o (room for
// end - p + 16 bytes) and returns the new end; otherwise returns nullptr. The output is
// the input byte for byte, so the last partial block is done as an overlapping one.
char* CopyPlainAscii(const char* p, const char* end, char* o) {
  const size_t n = static_cast<size_t>(end - p);
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    // Signed compare: bytes >= 0x80 are negative, so this also catches non-ASCII.
    auto bad = [&](__m128i x) {
      return _mm_movemask_epi8(_mm_or_si128(
                 _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                 _mm_cmplt_epi8(x, space))) != 0;
    };
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      if (bad(x)) return nullptr;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), x);
    }
    if (i < n) {
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(end - 16));
      if (bad(x)) return nullptr;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + n - 16), x);
    }
    return o + n;
  }
#endif
  if (n >= 8) {
    size_t i = 0;
    uint64_t w;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&w, p + i, 8);
      if (!PlainAscii8(w)) return nullptr;
      std::memcpy(o + i, &w, 8);
    }
    if (i < n) {
      std::memcpy(&w, end - 8, 8);
      if (!PlainAscii8(w)) return nullptr;
      std::memcpy(o + n - 8, &w, 8);
    }
    return o + n;
  }
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c >= 0x80 || NeedsEscape(c)) return nullptr;
    o[i] = static_cast<char>(c);
  }
  return o + n;
}

// A JSON string literal with the escapes of AppendJsonString.
void WriteString(JsonBuffer& b, std::string_view s) {
  char* o = b.Reserve(EscapedBound(s.size()));
  *o++ = '"';
  o = EscapeTo(s.data(), s.data() + s.size(), o);
  *o++ = '"';
  b.Commit(o);
}

// {"hex":"..."}, with `zeros` extra 00 bytes after `bytes`.
void WriteHexObject(JsonBuffer& b, std::string_view bytes, size_t zeros = 0) {
  char* o = b.Reserve(2 * (bytes.size() + zeros) + 11);
  std::memcpy(o, "{\"hex\":\"", 8);
  o += 8;
  for (unsigned char c : bytes) {
    std::memcpy(o, &kHexPairs[2 * c], 2);
    o += 2;
  }
  std::memset(o, '0', 2 * zeros);
  o += 2 * zeros;
  std::memcpy(o, "\"}", 2);
  b.Commit(o + 2);
}

// Text if the bytes are valid UTF-8 (escaped), else {"hex": ...} (AppendBytesJson).
void WriteBytes(JsonBuffer& b, std::string_view bytes, bool binary) {
  if (!binary) {
    char* o = b.Reserve(EscapedBound(bytes.size()));
    *o = '"';
    if (char* e = CopyPlainAscii(bytes.data(), bytes.data() + bytes.size(), o + 1)) {
      *e++ = '"';
      b.Commit(e);
      return;
    }
    if (IsValidUtf8(bytes)) {
      WriteString(b, bytes);
      return;
    }
  }
  WriteHexObject(b, bytes);
}

// "00".."99".
constexpr auto kDigitPairs = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

constexpr auto kPow10 = [] {
  std::array<uint64_t, 20> t{};
  uint64_t p = 1;
  for (int i = 0; i < 20; ++i, p *= 10) t[i] = p;
  return t;
}();

// The decimal digits of v at o (room for 20), as std::to_chars writes them, inline and
// two digits per step; returns the end.
inline char* WriteDecimal(char* o, uint64_t v) {
  if (v < 10) {
    *o = static_cast<char>('0' + v);
    return o + 1;
  }
  const int t = (std::bit_width(v) * 1233) >> 12;  // ~log10(v), maybe one too many
  const int digits = t + 1 - (v < kPow10[t]);
  char* const end = o + digits;
  char* q = end;
  while (v >= 100) {
    q -= 2;
    std::memcpy(q, &kDigitPairs[2 * (v % 100)], 2);
    v /= 100;
  }
  if (v >= 10) {
    std::memcpy(q - 2, &kDigitPairs[2 * v], 2);
  } else {
    q[-1] = static_cast<char>('0' + v);
  }
  return end;
}

inline char* WriteDecimal(char* o, int64_t v) {
  if (v < 0) {
    *o++ = '-';
    return WriteDecimal(o, uint64_t{0} - static_cast<uint64_t>(v));
  }
  return WriteDecimal(o, static_cast<uint64_t>(v));
}

inline void WriteUint(JsonBuffer& b, uint64_t v) {
  b.Commit(WriteDecimal(b.Reserve(24), v));
}

inline void WriteField(JsonBuffer& b, std::string_view name) {
  char* o = b.Reserve(name.size() + 4);
  *o++ = ',';
  *o++ = '"';
  std::memcpy(o, name.data(), name.size());
  o += name.size();
  *o++ = '"';
  *o++ = ':';
  b.Commit(o);
}

void StrField(JsonBuffer& b, std::string_view name, std::string_view v) {
  WriteField(b, name);
  WriteString(b, v);
}

void UintField(JsonBuffer& b, std::string_view name, uint64_t v) {
  WriteField(b, name);
  WriteUint(b, v);
}

// How the bytes of a text column are rendered, by collation id.
enum class TextEncoding : uint8_t { kUtf8IfValid, kLatin1, kAlwaysHex };

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

void Latin1ToUtf8(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size() * 3);
  for (unsigned char c : in) {
    uint32_t cp = c < 0x80 ? c : (c < 0xa0 ? kCp1252High[c - 0x80] : c);
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
}

void WriteText(JsonBuffer& b, std::string_view bytes, TextEncoding enc, std::string* scratch) {
  switch (enc) {
    case TextEncoding::kLatin1: {
      char* o = b.Reserve(bytes.size() + 2 + 16);
      *o = '"';
      if (char* e = CopyPlainAscii(bytes.data(), bytes.data() + bytes.size(), o + 1)) {
        *e++ = '"';  // plain ASCII reads the same in latin1
        b.Commit(e);
        return;
      }
      Latin1ToUtf8(bytes, scratch);
      WriteString(b, *scratch);
      return;
    }
    case TextEncoding::kAlwaysHex:
      WriteHexObject(b, bytes);
      return;
    case TextEncoding::kUtf8IfValid:
      WriteBytes(b, bytes, false);
      return;
  }
}

// One value (AppendValueJson's rendering). `scratch` holds the text of the kinds that are
// not formatted in place.
Status WriteValue(JsonBuffer& b, const Value& v, const ColumnInfo& c, TextEncoding enc,
                  bool padded_binary, std::string* scratch) {
  switch (v.kind) {
    case ValueKind::kMissing:
    case ValueKind::kNull:
      b.Append("null");
      return Status::OK();
    case ValueKind::kInt: {
      char* o = b.Reserve(24);
      *o = '"';
      o = WriteDecimal(o + 1, v.i);
      *o++ = '"';
      b.Commit(o);
      return Status::OK();
    }
    case ValueKind::kUint:
    case ValueKind::kBit: {
      char* o = b.Reserve(24);
      *o = '"';
      o = WriteDecimal(o + 1, v.u);
      *o++ = '"';
      b.Commit(o);
      return Status::OK();
    }
    case ValueKind::kString:
      if (padded_binary && v.bytes.size() < c.string_length) {
        // The server strips BINARY(N)'s trailing 0x00 padding from row images.
        WriteHexObject(b, v.bytes, c.string_length - v.bytes.size());
      } else {
        WriteText(b, v.bytes, enc, scratch);
      }
      return Status::OK();
    case ValueKind::kGeometry:
      WriteHexObject(b, v.bytes);
      return Status::OK();
    case ValueKind::kJsonDiff:
      scratch->clear();
      DM_RETURN_IF_ERROR(AppendJsonDiffAsText(v.bytes, scratch));
      b.Append("{\"json_diff\":");
      b.Append(*scratch);  // already JSON
      b.Push('}');
      return Status::OK();
    case ValueKind::kEnum:
      if (!c.enum_values.empty()) {
        if (v.u == 0) b.Append("\"\"");
        else if (v.u <= c.enum_values.size()) WriteBytes(b, c.enum_values[v.u - 1], false);
        else return Status::Corruption("ENUM index " + std::to_string(v.u) + " out of range");
        return Status::OK();
      }
      break;
    case ValueKind::kSet:
      if (!c.enum_values.empty()) {
        scratch->clear();
        for (size_t bit = 0; bit < c.enum_values.size() && bit < 64; ++bit) {
          if (v.u & (uint64_t{1} << bit)) {
            if (!scratch->empty()) scratch->push_back(',');
            *scratch += c.enum_values[bit];
          }
        }
        WriteBytes(b, *scratch, false);
        return Status::OK();
      }
      break;
    default:
      break;
  }
  scratch->clear();
  DM_RETURN_IF_ERROR(AppendValueText(v, scratch));
  WriteString(b, *scratch);
  return Status::OK();
}

}  // namespace

Status AppendValueJson(const Value& v, const ColumnInfo& c, std::string* out) {
  JsonBuffer b;
  std::string scratch;
  if (v.is_null() || v.is_missing()) {
    b.Append("null");
  } else {
    DM_RETURN_IF_ERROR(WriteValue(b, v, c, EncodingOf(c),
                                  c.type == ColumnType::kString && c.IsBinary(), &scratch));
  }
  out->append(b.view());
  return Status::OK();
}

Status EventJsonWriter::Append(const Event& e, uint64_t pos, std::string_view file,
                               std::string_view gtid) {
  const size_t start = buf_.size();
  Status s = AppendEvent(e, pos, file, gtid);
  if (!s.ok()) buf_.Truncate(start);
  return s;
}

Status EventJsonWriter::Append(const Event& e, uint64_t pos, std::string_view file,
                               std::string_view gtid, std::string* out) {
  const size_t start = buf_.size();
  Status s = AppendEvent(e, pos, file, gtid);
  // Like the other overload, a failed event leaves nothing behind.
  if (s.ok()) out->append(buf_.view().substr(start));
  buf_.Truncate(start);
  return s;
}

Status EventJsonWriter::AppendRow(const std::vector<Value>& row, const TableMap& t) {
  JsonBuffer& b = buf_;
  b.Push('{');
  bool first = true;
  for (size_t i = 0; i < row.size(); ++i) {
    const Value& v = row[i];
    if (v.is_missing()) continue;
    const ColumnPlan& cp = plan_[i];
    // The key, and the value right away when it is NULL or an integer (most columns).
    char* o = b.Reserve(cp.key.size() + 16 + 1 + 24);
    if (!first) *o++ = ',';
    first = false;
    if (cp.key.size() <= sizeof(cp.key16)) {
      std::memcpy(o, cp.key16, sizeof(cp.key16));
    } else {
      std::memcpy(o, cp.key.data(), cp.key.size());
    }
    o += cp.key.size();
    switch (v.kind) {
      case ValueKind::kNull:
        std::memcpy(o, "null", 4);
        b.Commit(o + 4);
        continue;
      case ValueKind::kInt:
        *o = '"';
        o = WriteDecimal(o + 1, v.i);
        *o++ = '"';
        b.Commit(o);
        continue;
      case ValueKind::kUint:
        *o = '"';
        o = WriteDecimal(o + 1, v.u);
        *o++ = '"';
        b.Commit(o);
        continue;
      case ValueKind::kString:
        b.Commit(o);
        if (!cp.padded_binary &&
            static_cast<TextEncoding>(cp.encoding) != TextEncoding::kAlwaysHex) {
          // Most text is plain ASCII: the same in UTF-8 and latin1, copied as is (else
          // WriteValue below does the whole work).
          char* q = b.Reserve(v.bytes.size() + 2 + 16);
          *q = '"';
          if (char* e = CopyPlainAscii(v.bytes.data(), v.bytes.data() + v.bytes.size(), q + 1)) {
            *e++ = '"';
            b.Commit(e);
            continue;
          }
        }
        break;
      default:
        b.Commit(o);
        break;
    }
    DM_RETURN_IF_ERROR(WriteValue(b, v, t.columns[i], static_cast<TextEncoding>(cp.encoding),
                                  cp.padded_binary, &scratch_));
  }
  b.Push('}');
  return Status::OK();
}

Status EventJsonWriter::AppendRows(const RowsEvent& rows) {
  JsonBuffer& b = buf_;
  const TableMap* t = rows.table.get();
  if (t) {
    if (rows.table != plan_table_) {
      // Once per TABLE_MAP: keys escaped, encodings resolved, schema/table fields built.
      plan_table_ = rows.table;
      plan_.assign(t->columns.size(), ColumnPlan());
      JsonBuffer& tmp = plan_scratch_;
      for (size_t i = 0; i < t->columns.size(); ++i) {
        const ColumnInfo& c = t->columns[i];
        tmp.clear();
        WriteString(tmp, c.name.empty() ? "@" + std::to_string(i + 1) : c.name);
        tmp.Push(':');
        plan_[i].key = std::string(tmp.view());
        if (plan_[i].key.size() <= sizeof(plan_[i].key16)) {
          std::memcpy(plan_[i].key16, plan_[i].key.data(), plan_[i].key.size());
        }
        plan_[i].encoding = static_cast<uint8_t>(EncodingOf(c));
        plan_[i].padded_binary = c.type == ColumnType::kString && c.IsBinary();
      }
      tmp.clear();
      StrField(tmp, "schema", t->schema);
      StrField(tmp, "table", t->table);
      table_prefix_ = std::string(tmp.view());
    }
    b.Append(table_prefix_);
  }
  UintField(b, "table_id", rows.table_id);
  UintField(b, "flags", rows.flags);
  b.Append(",\"rows\":[");
  if (t) {
    RowReader reader(rows);
    bool first = true;
    while (reader.Next(&a_, &b_)) {
      if (!first) b.Push(',');
      first = false;
      if (rows.kind == RowsKind::kUpdate) {
        b.Append("{\"before\":");
        DM_RETURN_IF_ERROR(AppendRow(a_, *t));
        b.Append(",\"after\":");
        DM_RETURN_IF_ERROR(AppendRow(b_, *t));
        b.Push('}');
      } else {
        DM_RETURN_IF_ERROR(AppendRow(a_, *t));
      }
    }
    DM_RETURN_IF_ERROR(reader.status());
  }
  b.Push(']');
  return Status::OK();
}

Status EventJsonWriter::AppendEvent(const Event& e, uint64_t pos, std::string_view file,
                                    std::string_view gtid) {
  JsonBuffer& b = buf_;
  const EventHeader& h = e.header;
  b.Append("{\"type\":");
  WriteString(b, EventTypeName(h.type));
  UintField(b, "pos", pos);
  UintField(b, "next_pos", h.log_pos);
  UintField(b, "timestamp", h.timestamp);
  UintField(b, "server_id", h.server_id);
  UintField(b, "size", h.event_size);
  if (!file.empty()) StrField(b, "file", file);
  if (!gtid.empty()) StrField(b, "gtid", gtid);

  if (auto* rows = e.As<RowsEvent>()) {
    DM_RETURN_IF_ERROR(AppendRows(*rows));
  } else if (auto* f = e.As<FormatDescriptionEvent>()) {
    StrField(b, "server_version", f->server_version);
    UintField(b, "binlog_version", f->binlog_version);
    StrField(b, "checksum", f->checksum_alg == ChecksumAlg::kCrc32 ? "CRC32" : "NONE");
  } else if (auto* r = e.As<RotateEvent>()) {
    StrField(b, "next_file", r->next_file);
    UintField(b, "position", r->position);
  } else if (auto* q = e.As<QueryEvent>()) {
    StrField(b, "schema", q->schema);
    WriteField(b, "query");
    WriteBytes(b, q->query, false);
    UintField(b, "thread_id", q->thread_id);
    UintField(b, "exec_time", q->exec_time);
    if (q->error_code) UintField(b, "error_code", q->error_code);
  } else if (auto* x = e.As<XidEvent>()) {
    UintField(b, "xid", x->xid);
  } else if (auto* tm = e.As<TableMapEvent>()) {
    const TableMap& t = *tm->table;
    StrField(b, "schema", t.schema);
    StrField(b, "table", t.table);
    UintField(b, "table_id", t.table_id);
    b.Append(",\"columns\":[");
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const ColumnInfo& c = t.columns[i];
      if (i) b.Push(',');
      b.Append("{\"name\":");
      WriteString(b, c.name.empty() ? "@" + std::to_string(i + 1) : c.name);
      StrField(b, "type", ColumnTypeName(c.type));
      UintField(b, "meta", c.meta);
      b.Append(c.nullable ? ",\"nullable\":true" : ",\"nullable\":false");
      if (c.is_unsigned) b.Append(*c.is_unsigned ? ",\"unsigned\":true" : ",\"unsigned\":false");
      if (c.collation) UintField(b, "collation", *c.collation);
      b.Push('}');
    }
    b.Push(']');
    if (!t.primary_key.empty()) {
      b.Append(",\"primary_key\":[");
      for (size_t i = 0; i < t.primary_key.size(); ++i) {
        if (i) b.Push(',');
        WriteUint(b, t.primary_key[i]);
      }
      b.Push(']');
    }
  } else if (auto* g = e.As<MariaGtidEvent>()) {
    UintField(b, "domain_id", g->gtid.domain);
    UintField(b, "seq_no", g->gtid.seq);
    UintField(b, "flags", g->flags);
    if (g->flags & 0x02) UintField(b, "commit_id", g->commit_id);
    if (g->standalone()) b.Append(",\"standalone\":true");
  } else if (auto* gl = e.As<MariaGtidListEvent>()) {
    std::string list;
    for (const auto& x : gl->gtids) {
      if (!list.empty()) list.push_back(',');
      list += x.ToString();
    }
    StrField(b, "gtid_list", list);
  } else if (auto* cp = e.As<BinlogCheckpointEvent>()) {
    StrField(b, "checkpoint_file", cp->file);
  } else if (auto* an = e.As<AnnotateRowsEvent>()) {
    WriteField(b, "query");
    WriteBytes(b, an->query, false);
  } else if (auto* mg = e.As<MysqlGtidEvent>()) {
    if (!mg->anonymous) StrField(b, "gtid_event", mg->ToString());
    UintField(b, "last_committed", mg->last_committed);
    UintField(b, "sequence_number", mg->sequence_number);
    if (mg->immediate_commit_ts) UintField(b, "commit_ts_us", mg->immediate_commit_ts);
  } else if (auto* pg = e.As<PreviousGtidsEvent>()) {
    StrField(b, "previous_gtids", pg->gtids.ToString());
  } else if (auto* hb = e.As<HeartbeatEvent>()) {
    StrField(b, "log_file", hb->file);
  } else if (auto* iv = e.As<IntvarEvent>()) {
    StrField(b, "intvar", iv->type == 1 ? "LAST_INSERT_ID" : "INSERT_ID");
    UintField(b, "value", iv->value);
  } else if (auto* rd = e.As<RandEvent>()) {
    UintField(b, "seed1", rd->seed1);
    UintField(b, "seed2", rd->seed2);
  } else if (auto* uv = e.As<UserVarEvent>()) {
    WriteField(b, "name");
    WriteBytes(b, uv->name, false);
    if (uv->is_null) {
      b.Append(",\"value\":null");
    } else {
      UintField(b, "value_type", uv->value_type);
      WriteField(b, "value");
      WriteHexObject(b, uv->value);
    }
  } else if (auto* xa = e.As<XaPrepareEvent>()) {
    b.Append(xa->one_phase ? ",\"one_phase\":true" : ",\"one_phase\":false");
    UintField(b, "format_id", xa->format_id);
    WriteField(b, "gtrid");
    WriteBytes(b, xa->gtrid, true);
    WriteField(b, "bqual");
    WriteBytes(b, xa->bqual, true);
  } else if (auto* rq = e.As<RowsQueryEvent>()) {
    WriteField(b, "query");
    WriteBytes(b, rq->query, false);
  } else if (auto* tp = e.As<TransactionPayloadEvent>()) {
    UintField(b, "compression_type", tp->compression_type);
    UintField(b, "payload_size", tp->payload_size);
    UintField(b, "uncompressed_size", tp->uncompressed_size);
  } else if (auto* sk = e.As<SkippedEvent>()) {
    StrField(b, "skipped", sk->reason);
  }
  b.Append("}\n");
  return Status::OK();
}

}  // namespace dm::binlog
