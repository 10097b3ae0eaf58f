#include "dm/binlog/gtid_tagged.h"

#include <bit>
#include <limits>
#include <string>
#include <utility>

#include "dm/gtid/mysql_gtid.h"

namespace dm::binlog {

namespace mysql_serialization {

bool ReadVarlenUnsigned(ByteReader* r, uint64_t* value) {
  if (!r->Has(1)) {
    r->Fail();
    return false;
  }
  const uint8_t first = r->U8();
  const int n = std::countr_one(first) + 1;  // total bytes, 1..9
  if (!r->Has(static_cast<size_t>(n - 1))) {
    r->Fail();
    return false;
  }
  // Bits of the first byte above the length marker; none when n >= 8.
  uint64_t v = static_cast<uint64_t>(first) >> n;
  if (n > 1) {
    const uint64_t rest = r->UintLE(static_cast<size_t>(n - 1));
    // n <= 8: the first byte carried 8 - n value bits; n == 9: it carried none.
    v |= rest << (n == 9 ? 0 : 8 - n);
  }
  *value = v;
  return true;
}

bool ReadVarlenSigned(ByteReader* r, int64_t* value) {
  uint64_t u = 0;
  if (!ReadVarlenUnsigned(r, &u)) return false;
  const uint64_t magnitude = u >> 1;
  const uint64_t sign_mask = 0 - (u & 1);  // all ones when negative
  *value = static_cast<int64_t>(magnitude ^ sign_mask);
  return true;
}

}  // namespace mysql_serialization

namespace {

using mysql_serialization::ReadVarlenSigned;
using mysql_serialization::ReadVarlenUnsigned;

constexpr uint64_t kSerializationFormatVersion = 1;

enum FieldId : uint64_t {
  kGtidFlags = 0,
  kUuid = 1,
  kGno = 2,
  kTag = 3,
  kLastCommitted = 4,
  kSequenceNumber = 5,
  kImmediateCommitTimestamp = 6,
  kOriginalCommitTimestamp = 7,
  kTransactionLength = 8,
  kImmediateServerVersion = 9,
  kOriginalServerVersion = 10,
  kCommitGroupTicket = 11,
  kLastKnownFieldId = kCommitGroupTicket,
};

constexpr const char* kFieldNames[] = {
    "gtid_flags",
    "uuid",
    "gno",
    "tag",
    "last_committed",
    "sequence_number",
    "immediate_commit_timestamp",
    "original_commit_timestamp",
    "transaction_length",
    "immediate_server_version",
    "original_server_version",
    "commit_group_ticket",
};

std::string Prefix() { return "GTID_TAGGED_LOG_EVENT body: "; }

Status Corrupt(std::string_view what, size_t offset) {
  return Status::Corruption(Prefix() + std::string(what) + " (at body offset " +
                            std::to_string(offset) + ")");
}

Status FieldError(uint64_t id, std::string_view what, size_t offset) {
  return Corrupt("field '" + std::string(kFieldNames[id]) + "' (id " + std::to_string(id) +
                     "): " + std::string(what),
                 offset);
}

Status Truncated(uint64_t id, size_t offset) {
  return FieldError(id, "value runs past the end of the message", offset);
}

// Reads an unsigned field value no larger than `max`.
Status ReadUnsignedField(ByteReader* r, uint64_t id, uint64_t max, uint64_t* value) {
  const size_t at = r->offset();
  if (!ReadVarlenUnsigned(r, value)) return Truncated(id, at);
  if (*value > max) {
    return FieldError(id,
                      "value " + std::to_string(*value) + " exceeds the field's maximum " +
                          std::to_string(max),
                      at);
  }
  return Status::OK();
}

// Reads a signed field value that must not be negative.
Status ReadNonNegativeField(ByteReader* r, uint64_t id, int64_t* value) {
  const size_t at = r->offset();
  if (!ReadVarlenSigned(r, value)) return Truncated(id, at);
  if (*value < 0) return FieldError(id, "negative value " + std::to_string(*value), at);
  return Status::OK();
}

}  // namespace

Status DecodeTaggedGtidBody(std::string_view body, MysqlGtidEvent* out) {
  ByteReader r(body);

  // Message header.
  uint64_t version = 0;
  if (!ReadVarlenUnsigned(&r, &version)) {
    return Corrupt("truncated serialization format version", 0);
  }
  if (version != kSerializationFormatVersion) {
    return Status::NotSupported(Prefix() + "serialization format version " +
                                std::to_string(version) + " is not supported (expected " +
                                std::to_string(kSerializationFormatVersion) + ")");
  }
  uint64_t message_size = 0;
  size_t at = r.offset();
  if (!ReadVarlenUnsigned(&r, &message_size)) return Corrupt("truncated message size", at);
  uint64_t last_non_ignorable = 0;
  at = r.offset();
  if (!ReadVarlenUnsigned(&r, &last_non_ignorable)) {
    return Corrupt("truncated last_non_ignorable_field_id", at);
  }
  const size_t header_size = r.offset();
  if (message_size < header_size) {
    return Corrupt("message size " + std::to_string(message_size) +
                       " is smaller than the message header (" + std::to_string(header_size) +
                       " bytes)",
                   1);
  }
  if (message_size > body.size()) {
    return Corrupt("message size " + std::to_string(message_size) + " exceeds the " +
                       std::to_string(body.size()) + "-byte event body (truncated event?)",
                   1);
  }
  if (message_size < body.size()) {
    return Corrupt(std::to_string(body.size() - message_size) +
                       " unexpected bytes after the " + std::to_string(message_size) +
                       "-byte message (checksum setting wrong?)",
                   static_cast<size_t>(message_size));
  }
  if (last_non_ignorable > kLastKnownFieldId + 1) {
    return Status::NotSupported(
        Prefix() + "the event has fields up to id " + std::to_string(last_non_ignorable - 1) +
        " that a reader must understand, but only ids up to " +
        std::to_string(kLastKnownFieldId) +
        " are known (written by a newer MySQL server)");
  }
  r.Truncate(static_cast<size_t>(message_size) - header_size);

  // Values as MySQL's Gtid_event has them before decoding the fields.
  MysqlGtidEvent e;
  e.anonymous = false;
  e.flags = 1;  // FLAG_MAY_HAVE_SBR
  bool have_uuid = false, have_gno = false;
  bool have_original_ts = false, have_original_version = false;

  bool have_prev = false;
  uint64_t prev_id = 0;
  while (!r.empty()) {
    at = r.offset();
    uint64_t id = 0;
    if (!ReadVarlenUnsigned(&r, &id)) return Corrupt("truncated field id", at);
    if (have_prev && id <= prev_id) {
      return Corrupt("field id " + std::to_string(id) + " follows field id " +
                         std::to_string(prev_id) + "; ids must be strictly increasing",
                     at);
    }
    have_prev = true;
    prev_id = id;
    if (id > kLastKnownFieldId) {
      // Ignorable (checked above against last_non_ignorable_field_id) field of a newer
      // server. Its type is unknown, so skip the rest of the message, as MySQL does.
      break;
    }
    uint64_t u = 0;
    switch (id) {
      case kGtidFlags:
        DM_RETURN_IF_ERROR(ReadUnsignedField(&r, id, 0xff, &u));
        e.flags = static_cast<uint8_t>(u);
        break;
      case kUuid:
        for (auto& b : e.sid.bytes) {
          DM_RETURN_IF_ERROR(ReadUnsignedField(&r, id, 0xff, &u));
          b = static_cast<uint8_t>(u);
        }
        have_uuid = true;
        break;
      case kGno: {
        at = r.offset();
        int64_t gno = 0;
        if (!ReadVarlenSigned(&r, &gno)) return Truncated(id, at);
        if (gno < 1 || gno > gtid::kMaxGno) {
          return FieldError(id, "value " + std::to_string(gno) + " is outside [1, " +
                                    std::to_string(gtid::kMaxGno) + "]",
                            at);
        }
        e.gno = gno;
        have_gno = true;
        break;
      }
      case kTag: {
        at = r.offset();
        uint64_t len = 0;
        if (!ReadVarlenUnsigned(&r, &len)) return Truncated(id, at);
        if (len > gtid::kMaxTagLength) {
          return FieldError(id, "length " + std::to_string(len) + " exceeds the maximum of " +
                                    std::to_string(gtid::kMaxTagLength),
                            at);
        }
        if (!r.Has(static_cast<size_t>(len))) return Truncated(id, at);
        std::string_view tag = r.Bytes(static_cast<size_t>(len));
        if (Status s = gtid::ValidateTag(tag); !s.ok()) {
          return FieldError(id, "invalid tag: " + std::string(s.message()), at);
        }
        e.tag = gtid::NormalizeTag(tag);
        break;
      }
      case kLastCommitted: {
        int64_t v = 0;
        DM_RETURN_IF_ERROR(ReadNonNegativeField(&r, id, &v));
        e.last_committed = static_cast<uint64_t>(v);
        break;
      }
      case kSequenceNumber: {
        int64_t v = 0;
        DM_RETURN_IF_ERROR(ReadNonNegativeField(&r, id, &v));
        e.sequence_number = static_cast<uint64_t>(v);
        break;
      }
      case kImmediateCommitTimestamp:
        DM_RETURN_IF_ERROR(ReadUnsignedField(&r, id, UINT64_MAX, &e.immediate_commit_ts));
        break;
      case kOriginalCommitTimestamp:
        DM_RETURN_IF_ERROR(ReadUnsignedField(&r, id, UINT64_MAX, &e.original_commit_ts));
        have_original_ts = true;
        break;
      case kTransactionLength:
        DM_RETURN_IF_ERROR(ReadUnsignedField(&r, id, UINT64_MAX, &e.transaction_length));
        break;
      case kImmediateServerVersion:
        DM_RETURN_IF_ERROR(ReadUnsignedField(&r, id, UINT32_MAX, &u));
        e.immediate_server_version = static_cast<uint32_t>(u);
        break;
      case kOriginalServerVersion:
        DM_RETURN_IF_ERROR(ReadUnsignedField(&r, id, UINT32_MAX, &u));
        e.original_server_version = static_cast<uint32_t>(u);
        have_original_version = true;
        break;
      case kCommitGroupTicket:
        // Binlog group commit bookkeeping of the source; MysqlGtidEvent does not keep it.
        DM_RETURN_IF_ERROR(ReadUnsignedField(&r, id, UINT64_MAX, &u));
        break;
      default:
        break;  // unreachable: id <= kLastKnownFieldId
    }
  }

  if (!have_uuid) return Corrupt("required field 'uuid' (id 1) is missing", body.size());
  if (!have_gno) return Corrupt("required field 'gno' (id 2) is missing", body.size());
  // MySQL's field-missing rules: an original_* value left out equals the immediate one.
  if (!have_original_ts) e.original_commit_ts = e.immediate_commit_ts;
  if (!have_original_version) e.original_server_version = e.immediate_server_version;

  *out = std::move(e);
  return Status::OK();
}

}  // namespace dm::binlog
