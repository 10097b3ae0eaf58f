#include "dm/binlog/decoder.h"

#include <zlib.h>
#include <zstd.h>

#include <charconv>
#include <cstring>

#include "dm/binlog/byte_reader.h"
#include "dm/binlog/gtid_tagged.h"

namespace dm::binlog {

namespace {


constexpr size_t kServerVersionLength = 50;
constexpr size_t kMaxColumns = 4096;

std::string Where(const EventHeader& h) {
  return std::string(EventTypeName(h.type)) + " event ending at log_pos " +
         std::to_string(h.log_pos);
}

Status Corrupt(const EventHeader& h, const std::string& what) {
  return Status::Corruption(Where(h) + ": " + what);
}

// "10.11.6-MariaDB-log" -> 10*65536 + 11*256 + 6.
uint32_t VersionProduct(std::string_view v) {
  uint32_t parts[3] = {0, 0, 0};
  const char* p = v.data();
  const char* end = v.data() + v.size();
  for (int i = 0; i < 3 && p < end; ++i) {
    auto r = std::from_chars(p, end, parts[i]);
    p = r.ptr;
    if (p < end && *p == '.') ++p;
    else break;
  }
  return (parts[0] * 256 + parts[1]) * 256 + parts[2];
}

// MariaDB compressed event payload: header byte 0x8N (N = bytes of big-endian
// uncompressed length), the length, then a zlib stream.
Status MariaUncompress(std::string_view src, size_t max, std::string* out) {
  if (src.empty() || (static_cast<uint8_t>(src[0]) & 0xe0) != 0x80) {
    return Status::Corruption("compressed payload does not start with a MariaDB compression header");
  }
  size_t lenlen = static_cast<uint8_t>(src[0]) & 0x07;
  if (lenlen < 1 || lenlen > 4 || src.size() < 1 + lenlen) {
    return Status::Corruption("bad MariaDB compressed length header");
  }
  uint64_t len = 0;
  for (size_t i = 0; i < lenlen; ++i) len = (len << 8) | static_cast<uint8_t>(src[1 + i]);
  if (len > max) {
    return Status::Corruption("compressed payload claims " + std::to_string(len) +
                              " uncompressed bytes, above the limit of " + std::to_string(max));
  }
  out->resize(len);
  uLongf dest_len = static_cast<uLongf>(len);
  int rc = uncompress(reinterpret_cast<Bytef*>(out->data()), &dest_len,
                      reinterpret_cast<const Bytef*>(src.data() + 1 + lenlen),
                      static_cast<uLong>(src.size() - 1 - lenlen));
  if (rc != Z_OK || dest_len != len) {
    return Status::Corruption("zlib could not decompress the payload (code " +
                              std::to_string(rc) + ")");
  }
  return Status::OK();
}

}  // namespace


uint8_t FormatDescriptionEvent::PostHeaderLength(EventType type, uint8_t fallback) const {
  size_t idx = static_cast<size_t>(type) - 1;
  if (static_cast<uint8_t>(type) == 0 || idx >= post_header_lengths.size()) return fallback;
  return post_header_lengths[idx];
}

std::string MysqlGtidEvent::ToString() const {
  std::string s = sid.ToString();
  if (!tag.empty()) s += ":" + tag;
  return s + ":" + std::to_string(gno);
}

Status ParseEventHeader(std::string_view raw, EventHeader* h) {
  if (raw.size() < kEventHeaderSize) {
    return Status::Corruption("event of " + std::to_string(raw.size()) +
                              " bytes is shorter than the 19-byte event header");
  }
  ByteReader r(raw);
  h->timestamp = r.U32();
  h->type = static_cast<EventType>(r.U8());
  h->server_id = r.U32();
  h->event_size = r.U32();
  h->log_pos = r.U32();
  h->flags = r.U16();
  return Status::OK();
}

Decoder::Decoder(DecoderOptions options) : options_(options) {}

void Decoder::Reset() {
  has_format_ = false;
  format_ = FormatDescriptionEvent();
  tables_.clear();
}

ChecksumAlg Decoder::checksum() const {
  return has_format_ ? format_.checksum_alg : options_.initial_checksum;
}

Status Decoder::Decode(std::string_view raw, Event* event) {
  DM_RETURN_IF_ERROR(ParseEventHeader(raw, &event->header));
  const EventHeader& h = event->header;
  if (h.event_size != raw.size()) {
    return Corrupt(h, "header says " + std::to_string(h.event_size) + " bytes but " +
                          std::to_string(raw.size()) + " were given");
  }
  std::string_view body = raw.substr(kEventHeaderSize);
  bool has_crc;
  if (h.type == EventType::kFormatDescription) {
    // The FDE declares its own checksum algorithm: decode it first.
    FormatDescriptionEvent fde;
    DM_RETURN_IF_ERROR(DecodeFormat(body, &fde).WithContext(Where(h)));
    has_crc = fde.checksum_alg == ChecksumAlg::kCrc32;
    if (has_crc && options_.verify_checksum) {
      // The server computes the FDE checksum with LOG_EVENT_BINLOG_IN_USE_F cleared, then
      // sets/clears that flag in place while the file is open: verify it the same way.
      std::string header(raw.substr(0, kEventHeaderSize));
      header[17] = static_cast<char>(header[17] & ~kLogEventBinlogInUse);
      uint32_t crc = Crc32Extend(Crc32(header), raw.data() + kEventHeaderSize,
                                 raw.size() - kEventHeaderSize - kChecksumSize);
      uint32_t stored;
      std::memcpy(&stored, raw.data() + raw.size() - kChecksumSize, 4);
      if (crc != le32toh(stored)) return Corrupt(h, "CRC32 checksum mismatch");
    }
    format_ = fde;
    has_format_ = true;
    tables_.clear();
    event->body = std::move(fde);
    return Status::OK();
  }
  has_crc = checksum() == ChecksumAlg::kCrc32;
  if (has_crc) {
    if (body.size() < kChecksumSize) return Corrupt(h, "too short to hold its CRC32 checksum");
    if (options_.verify_checksum) {
      uint32_t stored;
      std::memcpy(&stored, raw.data() + raw.size() - kChecksumSize, 4);
      uint32_t computed = Crc32(raw.substr(0, raw.size() - kChecksumSize));
      if (computed != le32toh(stored)) {
        return Corrupt(h, "CRC32 checksum mismatch (stored " + std::to_string(le32toh(stored)) +
                              ", computed " + std::to_string(computed) +
                              "): the event is corrupt");
      }
    }
    body.remove_suffix(kChecksumSize);
  }
  return DecodeBody(h, body, event);
}

Status Decoder::DecodeEmbedded(std::string_view raw, Event* event) {
  DM_RETURN_IF_ERROR(ParseEventHeader(raw, &event->header));
  const EventHeader& h = event->header;
  if (h.event_size != raw.size()) {
    return Corrupt(h, "embedded event header says " + std::to_string(h.event_size) +
                          " bytes but " + std::to_string(raw.size()) + " were given");
  }
  if (h.type == EventType::kFormatDescription || h.type == EventType::kTransactionPayload) {
    return Corrupt(h, "not allowed inside a TRANSACTION_PAYLOAD");
  }
  return DecodeBody(h, raw.substr(kEventHeaderSize), event);
}

Status Decoder::DecodeFormat(std::string_view body, FormatDescriptionEvent* f) const {
  ByteReader r(body);
  f->binlog_version = r.U16();
  std::string_view ver = r.Bytes(kServerVersionLength);
  f->create_timestamp = r.U32();
  f->header_length = r.U8();
  if (!r.ok()) return Status::Corruption("FORMAT_DESCRIPTION truncated");
  if (f->binlog_version != 4) {
    return Status::NotSupported("binlog format version " + std::to_string(f->binlog_version) +
                                " (MySQL < 5.0) is not supported; only version 4 is");
  }
  if (f->header_length < kEventHeaderSize) {
    return Status::Corruption("FORMAT_DESCRIPTION declares an event header of " +
                              std::to_string(f->header_length) + " bytes (must be >= 19)");
  }
  f->server_version = std::string(ver.substr(0, ver.find('\0')));
  const bool maria = f->server_version.find("MariaDB") != std::string::npos;
  f->flavor = maria ? ServerFlavor::kMariaDB : ServerFlavor::kMySQL;
  const uint32_t product = VersionProduct(f->server_version);
  // Checksums exist from MySQL 5.6.1 and MariaDB 5.3.0: then the body ends with the
  // algorithm byte and a 4-byte checksum (zeros when the algorithm is OFF).
  const bool has_alg = maria ? product >= (5 * 256 + 3) * 256 : product >= (5 * 256 + 6) * 256 + 1;
  std::string_view rest = r.Rest();
  if (has_alg) {
    if (rest.size() < 5) return Status::Corruption("FORMAT_DESCRIPTION lacks its checksum field");
    uint8_t alg = static_cast<uint8_t>(rest[rest.size() - 5]);
    if (alg != 0 && alg != 1) {
      return Status::NotSupported("unknown binlog checksum algorithm " + std::to_string(alg));
    }
    f->checksum_alg = static_cast<ChecksumAlg>(alg);
    rest.remove_suffix(5);
  } else {
    f->checksum_alg = ChecksumAlg::kOff;
  }
  f->post_header_lengths.assign(rest.begin(), rest.end());
  return Status::OK();
}

size_t Decoder::TableIdSize(EventType type, uint8_t full_post_header) const {
  // Before MySQL 5.1.4 table ids were 4 bytes; the FDE's post-header length says which.
  return format_.PostHeaderLength(type, full_post_header) == 6 ? 4 : 6;
}

Status Decoder::DecodeQuery(const EventHeader& h, std::string_view body, bool compressed,
                            QueryEvent* q) const {
  ByteReader r(body);
  q->thread_id = r.U32();
  q->exec_time = r.U32();
  uint8_t db_len = r.U8();
  q->error_code = r.U16();
  uint16_t vars_len = 0;
  uint8_t post = format_.PostHeaderLength(h.type, 13);
  if (post >= 13) vars_len = r.U16();
  if (post > 13) r.Skip(post - 13);
  q->status_vars = r.Bytes(vars_len);
  q->schema = r.Bytes(db_len);
  r.Skip(1);  // NUL after the schema name
  if (!r.ok()) return Corrupt(h, "truncated before the statement text");
  std::string_view text = r.Rest();
  if (compressed) {
    auto owned = std::make_shared<std::string>();
    DM_RETURN_IF_ERROR(
        MariaUncompress(text, options_.max_uncompressed_size, owned.get()).WithContext(Where(h)));
    q->query = *owned;
    q->owned_query = std::move(owned);
  } else {
    q->query = text;
  }
  // Status variables: parse the ones we use; stop at the first code we cannot size
  // (the block's total length is known, so nothing after it is affected).
  ByteReader v(q->status_vars);
  while (!v.empty()) {
    uint8_t code = v.U8();
    switch (code) {
      case 0: q->flags2 = v.U32(); break;
      case 1: q->sql_mode = v.U64(); break;
      case 2: v.Skip(v.U8() + 1u); break;  // catalog (old, NUL-terminated)
      case 3: v.Skip(4); break;            // auto_increment increment/offset
      case 4:
        q->charset_client = v.U16();
        q->collation_connection = v.U16();
        q->collation_server = v.U16();
        break;
      case 5: q->time_zone = v.Bytes(v.U8()); break;
      case 6: v.Skip(v.U8()); break;  // catalog
      case 7: v.Skip(2); break;       // lc_time_names
      case 8: v.Skip(2); break;       // charset_database
      case 9: v.Skip(8); break;       // table_map_for_update
      case 10: v.Skip(4); break;      // master_data_written
      case 11: v.Skip(v.U8()); v.Skip(v.U8()); break;  // invoker user, host
      case 12: {                                       // updated db names
        uint8_t n = v.U8();
        if (n != 254) {
          for (uint8_t i = 0; i < n && v.ok(); ++i) {
            while (v.ok() && v.U8() != 0) {
            }
          }
        }
        break;
      }
      case 13: v.Skip(3); break;  // microseconds
      case 16: v.Skip(1); break;  // explicit_defaults_for_timestamp
      case 17: v.Skip(8); break;  // ddl_xid
      case 18: v.Skip(2); break;  // default collation for utf8mb4
      case 19: v.Skip(1); break;  // sql_require_primary_key
      case 20: v.Skip(1); break;  // default_table_encryption
      case 128: v.Skip(3); break;  // MariaDB hrnow
      case 129: v.Skip(8); break;  // MariaDB xid
      default: v.Fail(); break;    // unknown: stop parsing the block
    }
  }
  return Status::OK();
}

namespace {

// The layout of a rows event type (false if `type` is not one).
bool RowsLayout(EventType type, RowsEvent* e, bool* compressed) {
  const uint8_t t = static_cast<uint8_t>(type);
  *compressed = false;
  switch (type) {
    case EventType::kWriteRowsV1: case EventType::kUpdateRowsV1: case EventType::kDeleteRowsV1:
      e->version = 1;
      e->kind = static_cast<RowsKind>(t - 23);
      return true;
    case EventType::kPreGaWriteRows: case EventType::kPreGaUpdateRows:
    case EventType::kPreGaDeleteRows:  // MySQL 5.1.0-5.1.15: the v1 layout
      e->version = 1;
      e->kind = static_cast<RowsKind>(t - 20);
      return true;
    case EventType::kWriteRowsV2: case EventType::kUpdateRowsV2: case EventType::kDeleteRowsV2:
      e->version = 2;
      e->kind = static_cast<RowsKind>(t - 30);
      return true;
    case EventType::kPartialUpdateRows:
      e->version = 2;
      e->kind = RowsKind::kUpdate;
      e->partial = true;
      return true;
    case EventType::kMariaWriteRowsCompressedV1: case EventType::kMariaUpdateRowsCompressedV1:
    case EventType::kMariaDeleteRowsCompressedV1:
      e->version = 1;
      e->kind = static_cast<RowsKind>(t - 166);
      *compressed = true;
      return true;
    case EventType::kMariaWriteRowsCompressed: case EventType::kMariaUpdateRowsCompressed:
    case EventType::kMariaDeleteRowsCompressed:  // v2 layout
      e->version = 2;
      e->kind = static_cast<RowsKind>(t - 169);
      *compressed = true;
      return true;
    default:
      return false;
  }
}

}  // namespace

bool IsRowsEvent(EventType type) {
  RowsEvent e;
  bool compressed;
  return RowsLayout(type, &e, &compressed);
}

Status Decoder::PeekTableId(std::string_view raw, uint64_t* table_id, uint16_t* flags) const {
  EventHeader h;
  DM_RETURN_IF_ERROR(ParseEventHeader(raw, &h));
  uint8_t full_post = 8;
  if (h.type != EventType::kTableMap) {
    RowsEvent e;
    bool compressed;
    if (!RowsLayout(h.type, &e, &compressed)) {
      return Status::InvalidArgument(Where(h) + ": not a TABLE_MAP or rows event");
    }
    full_post = e.version == 2 ? 10 : 8;
  }
  ByteReader r(raw.substr(kEventHeaderSize));
  *table_id = r.UintLE(TableIdSize(h.type, full_post));
  *flags = r.U16();
  if (!r.ok()) return Corrupt(h, "truncated post-header");
  return Status::OK();
}

Status Decoder::DecodeRows(const EventHeader& h, std::string_view body, RowsEvent* e) {
  bool compressed = false;
  RowsLayout(h.type, e, &compressed);
  ByteReader r(body);
  const uint8_t full_post = e->version == 2 ? 10 : 8;
  e->table_id = r.UintLE(TableIdSize(h.type, full_post));
  e->flags = r.U16();
  if (e->version == 2 && format_.PostHeaderLength(h.type, full_post) >= 10) {
    uint16_t extra_len = r.U16();
    if (extra_len < 2) return Corrupt(h, "extra data length " + std::to_string(extra_len) + " < 2");
    e->extra_data = r.Bytes(extra_len - 2u);
  }
  uint64_t n = r.PackedInt();
  if (!r.ok() || n == 0 || n > kMaxColumns) {
    return Corrupt(h, "impossible column count " + std::to_string(n));
  }
  e->column_count = static_cast<uint32_t>(n);
  e->columns_before = r.Bytes((n + 7) / 8);
  if (e->kind == RowsKind::kUpdate) e->columns_after = r.Bytes((n + 7) / 8);
  if (!r.ok()) return Corrupt(h, "truncated column bitmaps");
  std::string_view rows = r.Rest();
  if (compressed) {
    auto owned = std::make_shared<std::string>();
    DM_RETURN_IF_ERROR(
        MariaUncompress(rows, options_.max_uncompressed_size, owned.get()).WithContext(Where(h)));
    e->rows = *owned;
    e->owned_rows = std::move(owned);
  } else {
    e->rows = rows;
  }
  auto it = tables_.find(e->table_id);
  if (it != tables_.end()) {
    e->table = it->second;
    if (e->column_count > e->table->columns.size()) {
      return Corrupt(h, "has " + std::to_string(e->column_count) + " columns but the TABLE_MAP for `" +
                            e->table->schema + "`.`" + e->table->table + "` has " +
                            std::to_string(e->table->columns.size()));
    }
  } else if (!e->rows.empty()) {
    return Corrupt(h, "refers to table id " + std::to_string(e->table_id) +
                          " but no TABLE_MAP event for it was seen; start reading at a "
                          "transaction boundary (a GTID or BEGIN event)");
  }
  // Table ids are scoped to a statement: forget the maps at its end (as replicas do).
  if (e->flags & kStmtEndFlag) tables_.clear();
  return Status::OK();
}

Status Decoder::DecodePayload(std::string_view body, TransactionPayloadEvent* p) const {
  ByteReader r(body);
  bool have_size = false;
  while (true) {
    uint64_t type = r.PackedInt();
    if (!r.ok()) return Status::Corruption("TRANSACTION_PAYLOAD header truncated");
    if (type == 0) break;  // end mark
    uint64_t len = r.PackedInt();
    std::string_view value = r.Bytes(len);
    if (!r.ok()) return Status::Corruption("TRANSACTION_PAYLOAD header field truncated");
    ByteReader vr(value);
    uint64_t v = vr.PackedInt();
    if (!vr.ok()) return Status::Corruption("TRANSACTION_PAYLOAD header value malformed");
    switch (type) {
      case 1: p->payload_size = v; have_size = true; break;
      case 2: p->compression_type = v; break;
      case 3: p->uncompressed_size = v; break;
      default: break;  // unknown fields are skipped
    }
  }
  std::string_view payload = have_size ? r.Bytes(p->payload_size) : r.Rest();
  if (!r.ok()) return Status::Corruption("TRANSACTION_PAYLOAD payload truncated");
  if (p->compression_type == 255) {  // NONE
    p->uncompressed.assign(payload);
    return Status::OK();
  }
  if (p->compression_type != 0) {
    return Status::NotSupported("TRANSACTION_PAYLOAD compression type " +
                                std::to_string(p->compression_type) + " (only zstd is known)");
  }
  if (p->uncompressed_size > options_.max_uncompressed_size) {
    return Status::Corruption("TRANSACTION_PAYLOAD claims " + std::to_string(p->uncompressed_size) +
                              " uncompressed bytes, above the limit");
  }
  p->uncompressed.resize(p->uncompressed_size);
  size_t got = ZSTD_decompress(p->uncompressed.data(), p->uncompressed.size(), payload.data(),
                               payload.size());
  if (ZSTD_isError(got)) {
    return Status::Corruption(std::string("TRANSACTION_PAYLOAD zstd error: ") +
                              ZSTD_getErrorName(got));
  }
  if (got != p->uncompressed_size) {
    return Status::Corruption("TRANSACTION_PAYLOAD decompressed to " + std::to_string(got) +
                              " bytes, header says " + std::to_string(p->uncompressed_size));
  }
  return Status::OK();
}

Status Decoder::DecodeMysqlGtid(const EventHeader& h, std::string_view body,
                                MysqlGtidEvent* g) const {
  ByteReader r(body);
  g->anonymous = h.type == EventType::kAnonymousGtid;
  g->flags = r.U8();
  std::string_view sid = r.Bytes(16);
  g->gno = static_cast<int64_t>(r.U64());
  if (!r.ok()) return Corrupt(h, "truncated");
  std::memcpy(g->sid.bytes.data(), sid.data(), 16);
  if (r.Has(17) && r.U8() == 2) {  // logical timestamps
    g->last_committed = r.U64();
    g->sequence_number = r.U64();
  }
  if (r.Has(7)) {
    uint64_t ts = r.UintLE(7);
    constexpr uint64_t kHigh = uint64_t{1} << 55;
    g->immediate_commit_ts = ts & ~kHigh;
    g->original_commit_ts = (ts & kHigh) ? r.UintLE(7) : g->immediate_commit_ts;
  }
  if (r.Has(1)) g->transaction_length = r.PackedInt();
  if (r.Has(4)) {
    uint32_t v = r.U32();
    g->immediate_server_version = v & 0x7fffffffu;
    g->original_server_version = (v & 0x80000000u) ? r.U32() : g->immediate_server_version;
  }
  if (!r.ok()) return Corrupt(h, "truncated optional fields");
  return Status::OK();
}

Status Decoder::DecodeBody(const EventHeader& h, std::string_view body, Event* event) {
  ByteReader r(body);
  switch (h.type) {
    case EventType::kRotate: {
      RotateEvent e;
      e.position = r.U64();
      e.next_file = r.Rest();
      if (!r.ok()) return Corrupt(h, "truncated");
      event->body = e;
      return Status::OK();
    }
    case EventType::kQuery:
    case EventType::kMariaQueryCompressed: {
      QueryEvent q;
      DM_RETURN_IF_ERROR(DecodeQuery(h, body, h.type == EventType::kMariaQueryCompressed, &q));
      event->body = std::move(q);
      return Status::OK();
    }
    case EventType::kXid: {
      XidEvent e{r.U64()};
      if (!r.ok()) return Corrupt(h, "truncated");
      event->body = e;
      return Status::OK();
    }
    case EventType::kTableMap: {
      size_t id_size = TableIdSize(h.type, 8);
      auto t = TableMap::Parse(body, id_size);
      if (!t.ok()) return t.status().WithContext(Where(h));
      auto shared = std::make_shared<const TableMap>(std::move(t).value());
      tables_[shared->table_id] = shared;
      event->body = TableMapEvent{std::move(shared)};
      return Status::OK();
    }
    case EventType::kPreGaWriteRows: case EventType::kPreGaUpdateRows:
    case EventType::kPreGaDeleteRows:
    case EventType::kWriteRowsV1: case EventType::kUpdateRowsV1: case EventType::kDeleteRowsV1:
    case EventType::kWriteRowsV2: case EventType::kUpdateRowsV2: case EventType::kDeleteRowsV2:
    case EventType::kPartialUpdateRows:
    case EventType::kMariaWriteRowsCompressedV1: case EventType::kMariaUpdateRowsCompressedV1:
    case EventType::kMariaDeleteRowsCompressedV1: case EventType::kMariaWriteRowsCompressed:
    case EventType::kMariaUpdateRowsCompressed: case EventType::kMariaDeleteRowsCompressed: {
      event->body = RowsEvent();
      auto& e = std::get<RowsEvent>(event->body);
      return DecodeRows(h, body, &e);
    }
    case EventType::kMariaGtid: {
      MariaGtidEvent e;
      e.gtid.seq = r.U64();
      e.gtid.domain = r.U32();
      e.gtid.server_id = h.server_id;
      e.flags = r.U8();
      if (e.flags & 0x02) e.commit_id = r.U64();
      if (e.flags & (0x40 | 0x80)) {  // FL_PREPARED_XA | FL_COMPLETED_XA
        e.xa_format_id = r.U32();
        uint8_t gl = r.U8(), bl = r.U8();
        if (gl > 64 || bl > 64) return Corrupt(h, "XA id part longer than 64 bytes");
        e.xa_gtrid = r.Bytes(gl);
        e.xa_bqual = r.Bytes(bl);
      }
      if (!r.ok()) return Corrupt(h, "truncated");
      event->body = e;
      return Status::OK();
    }
    case EventType::kMariaGtidList: {
      MariaGtidListEvent e;
      uint32_t v = r.U32();
      uint32_t count = v & 0x0fffffffu;
      e.flags = static_cast<uint8_t>(v >> 28);
      if (!r.ok() || uint64_t{count} * 16 > r.remaining()) {
        return Corrupt(h, "count " + std::to_string(count) + " does not fit the event");
      }
      e.gtids.reserve(count);
      for (uint32_t i = 0; i < count; ++i) {
        gtid::MariaGtid g;
        g.domain = r.U32();
        g.server_id = r.U32();
        g.seq = r.U64();
        e.gtids.push_back(g);
      }
      event->body = std::move(e);
      return Status::OK();
    }
    case EventType::kMariaBinlogCheckpoint: {
      uint32_t len = r.U32();
      BinlogCheckpointEvent e{r.Bytes(len)};
      if (!r.ok()) return Corrupt(h, "truncated file name");
      event->body = e;
      return Status::OK();
    }
    case EventType::kMariaAnnotateRows:
      event->body = AnnotateRowsEvent{body};
      return Status::OK();
    case EventType::kRowsQuery:
      r.Skip(1);  // length byte (truncated to 255; the text runs to the end)
      event->body = RowsQueryEvent{r.Rest()};
      return Status::OK();
    case EventType::kGtid:
    case EventType::kAnonymousGtid: {
      MysqlGtidEvent g;
      DM_RETURN_IF_ERROR(DecodeMysqlGtid(h, body, &g));
      event->body = std::move(g);
      return Status::OK();
    }
    case EventType::kPreviousGtids: {
      auto set = gtid::DecodeMysqlGtidSet(body);
      if (!set.ok()) return set.status().WithContext(Where(h));
      event->body = PreviousGtidsEvent{std::move(set).value()};
      return Status::OK();
    }
    case EventType::kHeartbeat:
      event->body = HeartbeatEvent{body, h.log_pos};
      return Status::OK();
    case EventType::kHeartbeatV2: {
      HeartbeatEvent e;
      while (!r.empty()) {
        uint64_t type = r.PackedInt();
        if (!r.ok() || type == 0) break;
        std::string_view value = r.PackedString();
        if (type == 1) e.file = value;
        if (type == 2) {
          ByteReader vr(value);
          e.position = vr.PackedInt();
        }
      }
      if (!r.ok()) return Corrupt(h, "malformed fields");
      event->body = e;
      return Status::OK();
    }
    case EventType::kIntvar: {
      IntvarEvent e;
      e.type = r.U8();
      e.value = r.U64();
      if (!r.ok()) return Corrupt(h, "truncated");
      event->body = e;
      return Status::OK();
    }
    case EventType::kRand: {
      RandEvent e;
      e.seed1 = r.U64();
      e.seed2 = r.U64();
      if (!r.ok()) return Corrupt(h, "truncated");
      event->body = e;
      return Status::OK();
    }
    case EventType::kUserVar: {
      UserVarEvent e;
      uint32_t name_len = r.U32();
      e.name = r.Bytes(name_len);
      e.is_null = r.U8() != 0;
      if (!e.is_null) {
        e.value_type = r.U8();
        e.charset = r.U32();
        uint32_t len = r.U32();
        e.value = r.Bytes(len);
        if (r.Has(1)) e.flags = r.U8();
      }
      if (!r.ok()) return Corrupt(h, "truncated");
      event->body = e;
      return Status::OK();
    }
    case EventType::kStop:
      event->body = StopEvent{};
      return Status::OK();
    case EventType::kXaPrepare: {
      XaPrepareEvent e;
      e.one_phase = r.U8() != 0;
      e.format_id = r.U32();
      uint32_t gl = r.U32(), bl = r.U32();
      if (gl > 64 || bl > 64) return Corrupt(h, "XA id part longer than 64 bytes");
      e.gtrid = r.Bytes(gl);
      e.bqual = r.Bytes(bl);
      if (!r.ok()) return Corrupt(h, "truncated");
      event->body = e;
      return Status::OK();
    }
    case EventType::kTransactionPayload: {
      event->body = TransactionPayloadEvent();
      return DecodePayload(body, &std::get<TransactionPayloadEvent>(event->body))
          .WithContext(Where(h));
    }
    case EventType::kGtidTagged: {
      MysqlGtidEvent g;
      DM_RETURN_IF_ERROR(DecodeTaggedGtidBody(body, &g).WithContext(Where(h)));
      event->body = std::move(g);
      return Status::OK();
    }
    case EventType::kMariaStartEncryption:
      return Status::NotSupported(
          Where(h) + ": the binlog is encrypted (encrypt_binlog=ON); read it through the "
                     "server's replication stream, which decrypts it, instead of from the file");
    case EventType::kIncident:
      event->body = SkippedEvent{"incident: the source may have lost events; verify data"};
      return Status::OK();
    case EventType::kStartV3: case EventType::kLoad: case EventType::kSlave:
    case EventType::kCreateFile: case EventType::kAppendBlock: case EventType::kExecLoad:
    case EventType::kDeleteFile: case EventType::kNewLoad: case EventType::kBeginLoadQuery:
    case EventType::kExecuteLoadQuery:
      event->body = SkippedEvent{"statement-based LOAD DATA / legacy event"};
      return Status::OK();
    case EventType::kIgnorable: case EventType::kTransactionContext: case EventType::kViewChange:
      event->body = SkippedEvent{"group replication / ignorable event"};
      return Status::OK();
    case EventType::kFormatDescription:
      break;  // handled by Decode
    default:
      break;
  }
  if (h.flags & kLogEventIgnorable) {
    event->body = SkippedEvent{"unknown event type marked ignorable"};
    return Status::OK();
  }
  return Status::NotSupported("unknown binlog event type " +
                              std::to_string(static_cast<int>(h.type)) + " ending at log_pos " +
                              std::to_string(h.log_pos) +
                              " (not marked ignorable, so it cannot be skipped safely)");
}

}  // namespace dm::binlog
