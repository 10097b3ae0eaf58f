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

// What decoding the next event of a binlog needs from the events before it: the decoder
// state (format, table maps), the enclosing transaction's GTID and its boundaries.
struct DecodePosition {
  explicit DecodePosition(DecoderOptions options = {}) : decoder(options) {}
  Decoder decoder;
  std::string gtid;
  TrxBoundaryTracker trx;
};

class EventPrinter {
 public:
  enum class Mode {
    kJson,       // one JSON line per event into output()
    kSummary,    // counts into the DecodeSummary (rows are still decoded)
    kTrackOnly,  // follows the position only (for a reader that cuts a file into batches)
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
  void ContinueFrom(const DecodePosition& at);
  const DecodePosition& position() const { return at_; }

  // Lines handled so far; the caller writes them out and clears the buffer.
  JsonBuffer& output() { return writer_.buffer(); }

 private:
  Mode mode_;
  DecodePosition at_;
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

  // How a file is read: in order (`read`), and at an offset (`read_at`: with threads > 1
  // each decoding thread reads its batch itself, into its own cache).
  struct FileInput {
    uint64_t size = 0;
    FileEventReader::ReadFn read;
    std::function<Status(char* buf, size_t n, uint64_t offset, size_t* got)> read_at;
  };

  // Decodes one file (after the previous ones) and writes its lines. On error, the lines
  // of the events before the failing one have been written.
  Status DecodeFile(const FileInput& in, const std::string& path);

  // The counts of every file decoded so far (summary mode).
  DecodeSummary summary() const;

 private:
  struct Pool;
  Status DecodeSequential(const FileInput& in, const std::string& path);

  Options options_;
  WriteFn write_;
  std::unique_ptr<EventPrinter> printer_;  // threads <= 1
  DecodeSummary summary_;                  // threads <= 1
  std::unique_ptr<Pool> pool_;             // threads > 1
};

}  // namespace dm::binlog
