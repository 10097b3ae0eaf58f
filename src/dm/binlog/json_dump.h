#pragma once
// dm-binlog's decoding loop: binlog events to JSON lines (EventJsonWriter) or to a
// summary of counts, for files and for a live stream.
//
// EventPrinter: one decoding state (format, table maps, enclosing GTID, transaction
// tracker) that turns events into output lines or summary counts.
//
// FileJsonDecoder: decodes binlog files in order. With threads > 1 the calling thread
// walks the files and follows the decoding position (headers and table maps only: no
// rows, no checksums), cutting them into batches of whole events; each batch goes with
// the position at its start to a decoding thread (the `threads` - 1 workers, or the
// calling thread itself when they are behind), which reads the batch again and decodes
// and formats it with its own EventPrinter; the calling thread writes finished batches
// out in file order. The output is byte for byte the output of one thread. With threads <= 1 everything runs in the calling
// thread. Pure like the rest of dm/binlog: the caller reads the files and writes the
// output through the functions it passes.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/status.h"
#include "dm/binlog/decoder.h"
#include "dm/binlog/event_json.h"
#include "dm/binlog/file_splitter.h"
#include "dm/binlog/trx_boundary.h"

namespace dm::binlog {

struct DecodeSummary {
  uint64_t events = 0, bytes = 0, rows = 0, transactions = 0;
  std::array<uint64_t, 256> by_type{};  // indexed by event type code
  std::map<std::string, std::array<uint64_t, 3>> by_table;  // "db.table" -> insert/update/delete

  void Merge(const DecodeSummary& other);
  // One JSON line: counts, rows per table, and throughput over `seconds` when > 0.
  std::string ToJson(double seconds) const;
};

// The enclosing transaction of the events being handled: its GTID and its boundaries.
struct TrxPosition {
  std::string gtid;
  TrxBoundaryTracker trx;
  // Before handling `e`: GTID events open a transaction.
  void Enter(const Event& e);
  // After handling the event: a completed transaction has no GTID any more.
  void Leave() {
    if (trx.committed()) gtid.clear();
  }
};

// Where the decoding of a file stands, in raw events: the FORMAT_DESCRIPTION and the
// TABLE_MAPs in force and the enclosing transaction. A decoder fed these events is in the
// state of one that decoded the file up to here.
struct RawPosition {
  struct TableMapEvent {
    uint64_t table_id;
    std::string raw;
    bool embedded;  // from inside a TRANSACTION_PAYLOAD (no checksum)
  };
  std::string format;  // empty before the file's first FORMAT_DESCRIPTION
  std::vector<TableMapEvent> table_maps;
  TrxPosition trx;
};

// Follows the position through the raw events of a file without decoding rows or table
// maps (their post-headers say which table maps are in force), for a reader that cuts a
// file into batches decoded elsewhere.
class PositionFollower {
 public:
  // `options` as the decoders' (checksums are left to them: never verified here).
  explicit PositionFollower(DecoderOptions options = {}) : decoder_(NoChecksums(options)) {}

  // Follows one raw event of a file (and the events inside a TRANSACTION_PAYLOAD).
  // Errors name `path` and the offset.
  Status Follow(std::string_view raw, uint64_t offset, const std::string& path);
  const RawPosition& position() const { return at_; }

 private:
  static DecoderOptions NoChecksums(DecoderOptions o) {
    o.verify_checksum = false;
    return o;
  }
  Status FollowOne(std::string_view raw, bool embedded);

  Decoder decoder_;
  Event event_;
  RawPosition at_;
};

class EventPrinter {
 public:
  enum class Mode {
    kJson,     // one JSON line per event into output()
    kSummary,  // counts into the DecodeSummary (rows are still decoded)
  };
  EventPrinter(DecoderOptions options, Mode mode);

  // Handles one decoded event that started at `pos` in binlog file `file`. `summary` is
  // used in kSummary mode only.
  Status Handle(const Event& e, uint64_t pos, std::string_view file, DecodeSummary* summary);

  // Decodes and handles one raw event of a file (and the events inside a
  // TRANSACTION_PAYLOAD); errors name `path` and the offset.
  Status HandleRaw(std::string_view raw, uint64_t offset, std::string_view file,
                   const std::string& path, DecodeSummary* summary);

  // Continues after the events that led to `at` (decoder options stay this printer's).
  Status ContinueFrom(const RawPosition& at);

  // Lines handled so far; the caller writes them out and clears the buffer.
  JsonBuffer& output() { return writer_.buffer(); }

 private:
  DecoderOptions options_;
  Mode mode_;
  Decoder decoder_;
  TrxPosition trx_;
  Event event_, inner_event_;
  EventJsonWriter writer_;
  std::vector<Value> a_, b_;
  // Rows events of one statement share their TableMap: the counters looked up once.
  std::shared_ptr<const TableMap> last_table_;
  const DecodeSummary* last_summary_ = nullptr;
  std::array<uint64_t, 3>* last_counts_ = nullptr;
};

class FileJsonDecoder {
 public:
  using WriteFn = std::function<void(std::string_view)>;

  struct Options {
    bool summary = false;
    bool verify_checksum = true;
    int threads = 1;                       // decoding threads; <= 1: the calling thread
    size_t batch_bytes = size_t{256} << 10;  // batch size with threads > 1
  };

  FileJsonDecoder(Options options, WriteFn write);
  ~FileJsonDecoder();
  FileJsonDecoder(const FileJsonDecoder&) = delete;
  FileJsonDecoder& operator=(const FileJsonDecoder&) = delete;

  // Decodes one file (after the previous ones) and writes its lines. On error, the lines
  // of the events before the failing one have been written.
  Status DecodeFile(FileEventReader::ReadFn read, uint64_t file_size, const std::string& path);

  // The counts of every file decoded so far (summary mode).
  DecodeSummary summary() const;

 private:
  struct Pool;
  Status DecodeSequential(FileEventReader::ReadFn read, uint64_t file_size,
                          const std::string& path);

  Options options_;
  WriteFn write_;
  std::unique_ptr<EventPrinter> printer_;  // threads <= 1
  DecodeSummary summary_;                  // threads <= 1
  std::unique_ptr<Pool> pool_;             // threads > 1
};

}  // namespace dm::binlog
