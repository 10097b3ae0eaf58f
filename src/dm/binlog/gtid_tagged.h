#pragma once
// Decoding of MySQL 8.3+/8.4 GTID_TAGGED_LOG_EVENT (event type 42).
//
// Unlike GTID_LOG_EVENT, whose body is a fixed little-endian layout, the tagged event body is
// one message of MySQL's serialization library (libs/mysql/serialization, "Serializer_default"
// over "Archive_binary"). All integers in it are variable-length ("varlen", below).
//
// Message layout (body after the 19-byte common header, without the 4-byte CRC32 footer):
//
//   format_version  varlen u   the top-level message's "field id": always 1 (0x02 on the wire)
//   message_size    varlen u   bytes of the whole message, counted from the first byte of
//                              format_version (so for an event it equals the body length)
//   last_non_ignorable_field_id
//                   varlen u   1 + the id of the last non-ignorable field encoded, 0 if none;
//                              a decoder that knows fewer fields than this must fail
//   fields          { field_id varlen u, value }*   ids strictly increasing; optional fields
//                              are simply left out
//
// Gtid_event fields (libs/mysql/binlog/event/control_events.h, define_fields()):
//
//   id  name                         C++ type         encoding           if absent
//   0   gtid_flags                   unsigned char    varlen u (<= 255)  1 (FLAG_MAY_HAVE_SBR)
//   1   uuid (sid)                   uint8_t[16]      16 x varlen u      required here
//   2   gno                          int64_t          varlen signed      required here
//   3   tag                          std::string(32)  varlen len + bytes "" (untagged)
//   4   last_committed               int64_t          varlen signed      0
//   5   sequence_number              int64_t          varlen signed      0
//   6   immediate_commit_timestamp   uint64_t         varlen u           0
//   7   original_commit_timestamp    uint64_t         varlen u           = immediate
//   8   transaction_length           uint64_t         varlen u           0
//   9   immediate_server_version     uint32_t         varlen u           0
//   10  original_server_version      uint32_t         varlen u           = immediate
//   11  commit_group_ticket          uint64_t         varlen u           0 (unset; not kept)
//
// Varlen unsigned integer: the number of trailing 1-bits of the first byte, plus one, is the
// total byte count n (1..9). For n <= 8 the value's low (8 - n) bits are the first byte's
// bits above the length marker, followed by the next n-1 bytes little-endian; for n == 9
// (first byte 0xff) the value is the next 8 bytes little-endian.
// Varlen signed integer: the unsigned varlen u, with x = (u >> 1) XOR -(u & 1) ("zig-zag").
//
// Unknown fields: a field id above 11 is from a newer server. If it is below
// last_non_ignorable_field_id the event cannot be understood (NotSupported); otherwise the
// rest of the message is skipped, as MySQL's decoder does (field ids are ascending, so
// everything after the first unknown id is unknown too).
//
// Failure: Corruption naming the field for truncation, values out of range for the field's
// type, a message size that disagrees with the body, out-of-order field ids, a missing uuid or
// gno, a gno outside [1, kMaxGno] or an invalid tag; NotSupported for a serialization format
// version other than 1 or unknown non-ignorable fields. Every read is bounds-checked; nothing
// is allocated from a length read from the input before it has been checked (the only
// allocation is the tag, at most 32 bytes).
//
// Thread-safety: stateless functions.

#include <cstdint>
#include <string_view>

#include "dm/base/status.h"
#include "dm/binlog/byte_reader.h"
#include "dm/binlog/events.h"

namespace dm::binlog {

// Decodes the body (after the 19-byte common header, without the 4-byte CRC footer) of a
// GTID_TAGGED_LOG_EVENT. On success fills every field of *out (anonymous = false, tag
// normalized to lowercase); on failure *out is left unchanged.
Status DecodeTaggedGtidBody(std::string_view body, MysqlGtidEvent* out);

namespace mysql_serialization {

// Reads one varlen unsigned integer (see above). Returns false, and fails the reader, when the
// input ends before the integer does.
bool ReadVarlenUnsigned(ByteReader* r, uint64_t* value);
// Reads one varlen signed (zig-zag) integer.
bool ReadVarlenSigned(ByteReader* r, int64_t* value);

}  // namespace mysql_serialization

}  // namespace dm::binlog
