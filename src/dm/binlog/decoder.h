#pragma once
// Decoder: turns raw binlog events (header + body + optional CRC32 footer) into Events.
//
// Pure code over bytes: no sockets, no files. Every length read from the input is
// checked against the bytes really present before it is used or allocated from, so
// arbitrary input yields a kCorruption Status, never a crash or an overread.
//
// The decoder is stateful, like a replica's SQL thread: it remembers the current
// FORMAT_DESCRIPTION (checksum algorithm, post-header lengths, server flavor) and the
// TABLE_MAP events that row events refer to. Feed it the events of one stream or
// file in order. Errors name the event type and its log position; callers add the file
// name and offset (see FileEventSplitter).
//
// Thread-safety: one decoder per stream; not thread-safe. Decoded Events may be handed
// to other threads together with the raw buffer they view.

#include <memory>
#include <string_view>
#include <unordered_map>

#include "dm/base/status.h"
#include "dm/binlog/crc32.h"
#include "dm/binlog/events.h"

namespace dm::binlog {

struct DecoderOptions {
  // Verify the CRC32 footer of every event when the stream has checksums.
  bool verify_checksum = true;
  // Checksum algorithm to assume before the first FORMAT_DESCRIPTION is seen (a live
  // stream starts with a fake ROTATE whose footer depends on the server setting).
  ChecksumAlg initial_checksum = ChecksumAlg::kUndefined;
  // Upper bound for a decompressed TRANSACTION_PAYLOAD / MariaDB compressed event.
  size_t max_uncompressed_size = size_t{1} << 30;
};

class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {});

  // Decodes one complete event. `raw` must be exactly one event (its event_size).
  // On success `*event` may view `raw`; keep the buffer alive while using it.
  Status Decode(std::string_view raw, Event* event);

  // Decodes one event taken from the uncompressed body of a TRANSACTION_PAYLOAD event
  // (such events carry no checksum footer of their own). Same state as Decode.
  Status DecodeEmbedded(std::string_view raw, Event* event);

  // The current FORMAT_DESCRIPTION, or nullptr before the first one.
  const FormatDescriptionEvent* format() const { return has_format_ ? &format_ : nullptr; }
  ChecksumAlg checksum() const;

  // Forgets table maps and the format (e.g. after reconnecting to a new stream).
  void Reset();

  // The table id of a TABLE_MAP event, or the table id and flags of a rows event, from
  // its post-header alone (with this decoder's format): to follow which table maps are in
  // force without decoding them. kInvalidArgument for other events.
  Status PeekTableId(std::string_view raw, uint64_t* table_id, uint16_t* flags) const;

 private:
  Status DecodeBody(const EventHeader& h, std::string_view body, Event* event);
  Status DecodeFormat(std::string_view body, FormatDescriptionEvent* out) const;
  Status DecodeQuery(const EventHeader& h, std::string_view body, bool compressed,
                     QueryEvent* out) const;
  Status DecodeRows(const EventHeader& h, std::string_view body, RowsEvent* out);
  Status DecodePayload(std::string_view body, TransactionPayloadEvent* out) const;
  Status DecodeMysqlGtid(const EventHeader& h, std::string_view body, MysqlGtidEvent* out) const;
  size_t TableIdSize(EventType type, uint8_t full_post_header) const;

  DecoderOptions options_;
  bool has_format_ = false;
  FormatDescriptionEvent format_;
  std::unordered_map<uint64_t, std::shared_ptr<const TableMap>> tables_;
};

// True for the rows event types (WRITE/UPDATE/DELETE_ROWS v0/v1/v2, PARTIAL_UPDATE_ROWS,
// MariaDB's compressed ones).
bool IsRowsEvent(EventType type);

// Rows events with this flag end their statement: the table maps are forgotten after it.
inline constexpr uint16_t kStmtEndFlag = 0x0001;

// Parses the 19-byte common header. Fails if `raw` is shorter.
Status ParseEventHeader(std::string_view raw, EventHeader* header);


}  // namespace dm::binlog
