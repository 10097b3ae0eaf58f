// libFuzzer target: arbitrary bytes as a binlog file. Every event is decoded, every row
// value of every rows event is decoded and rendered as JSON, and embedded payload events
// are decoded too; the position follower of the parallel decoder sees every event. The
// decoder must never crash, overread or allocate unboundedly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dm/binlog/decoder.h"
#include "dm/binlog/event_json.h"
#include "dm/binlog/file_splitter.h"
#include "dm/binlog/json_dump.h"
#include "dm/binlog/row_reader.h"
#include "dm/gtid/location.h"

using namespace dm::binlog;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Also exercise the GTID text parsers on the raw input.
  (void)dm::gtid::GtidSet::Parse(dm::gtid::Flavor::kMySQL, bytes.substr(0, 256));
  (void)dm::gtid::GtidSet::Parse(dm::gtid::Flavor::kMariaDB, bytes.substr(0, 256));

  FileEventSplitter splitter(bytes, "fuzz");
  DecoderOptions opts;
  opts.verify_checksum = (size % 2) == 0;  // half the inputs skip CRC checks to go deeper
  opts.max_uncompressed_size = 1 << 22;
  Decoder decoder(opts);
  PositionFollower follower(opts);  // what the parallel file decoder's reader does
  EventJsonWriter writer;
  std::string out;
  std::string_view raw;
  uint64_t off;
  Event e;
  int events = 0;
  while (splitter.Next(&raw, &off) && events++ < 10000) {
    (void)follower.Follow(raw, off, "fuzz");
    if (!decoder.Decode(raw, &e).ok()) continue;
    out.clear();
    (void)writer.Append(e, off, "f", "", &out);
    if (auto* tp = e.As<TransactionPayloadEvent>()) {
      std::string inner = std::string(kBinlogMagic) + tp->uncompressed;
      FileEventSplitter ps(inner, "payload");
      Event ie;
      while (ps.Next(&raw, &off)) {
        if (decoder.DecodeEmbedded(raw, &ie).ok()) {
          out.clear();
          (void)writer.Append(ie, off, "f", "", &out);
        }
      }
    }
  }
  return 0;
}
