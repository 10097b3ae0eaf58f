#include "dm/binlog/json_dump.h"

#include <endian.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "dm/binlog/event_type.h"
#include "dm/binlog/json_text.h"
#include "dm/binlog/row_reader.h"

namespace dm::binlog {

// --- DecodeSummary ---------------------------------------------------------------------

void DecodeSummary::Merge(const DecodeSummary& o) {
  events += o.events;
  bytes += o.bytes;
  rows += o.rows;
  transactions += o.transactions;
  for (size_t t = 0; t < by_type.size(); ++t) by_type[t] += o.by_type[t];
  for (const auto& [table, kinds] : o.by_table) {
    auto& mine = by_table[table];
    for (size_t k = 0; k < kinds.size(); ++k) mine[k] += kinds[k];
  }
}

std::string DecodeSummary::ToJson(double seconds) const {
  std::string o = "{\"events\":" + std::to_string(events) + ",\"bytes\":" +
                  std::to_string(bytes) + ",\"rows\":" + std::to_string(rows) +
                  ",\"transactions\":" + std::to_string(transactions) +
                  ",\"seconds\":" + std::to_string(seconds);
  if (seconds > 0) {
    o += ",\"mb_per_s\":" + std::to_string(bytes / seconds / 1e6) +
         ",\"rows_per_s\":" + std::to_string(rows / seconds);
  }
  o += ",\"event_types\":{";
  std::map<std::string, uint64_t> types;  // by name, for a stable output order
  for (size_t t = 0; t < by_type.size(); ++t) {
    if (by_type[t]) types[std::string(EventTypeName(static_cast<EventType>(t)))] += by_type[t];
  }
  bool first = true;
  for (const auto& [name, n] : types) {
    if (!first) o += ",";
    first = false;
    AppendJsonString(name, &o);
    o += ":" + std::to_string(n);
  }
  o += "},\"tables\":{";
  first = true;
  for (const auto& [table, kinds] : by_table) {
    static constexpr const char* kKinds[] = {"insert", "update", "delete"};
    if (!first) o += ",";
    first = false;
    AppendJsonString(table, &o);
    o += ":{";
    bool first_kind = true;
    for (int k = 0; k < 3; ++k) {
      if (!kinds[k]) continue;
      if (!first_kind) o += ",";
      first_kind = false;
      o += "\"" + std::string(kKinds[k]) + "\":" + std::to_string(kinds[k]);
    }
    o += "}";
  }
  o += "}}\n";
  return o;
}

// --- TrxPosition, PositionFollower --------------------------------------------------

void TrxPosition::Enter(const Event& e) {
  if (auto* g = e.As<MariaGtidEvent>()) gtid = g->gtid.ToString();
  if (auto* g = e.As<MysqlGtidEvent>()) gtid = g->anonymous ? "" : g->ToString();
  trx.Feed(e);
}

Status PositionFollower::FollowOne(std::string_view raw, bool embedded) {
  EventHeader h;
  DM_RETURN_IF_ERROR(ParseEventHeader(raw, &h));
  if (h.type == EventType::kTableMap || IsRowsEvent(h.type)) {
    // As Decoder: a TABLE_MAP replaces the one of its id; a statement's end forgets them.
    uint64_t id;
    uint16_t flags;
    DM_RETURN_IF_ERROR(decoder_.PeekTableId(raw, &id, &flags));
    if (h.type == EventType::kTableMap) {
      auto& maps = at_.table_maps;
      auto it = std::find_if(maps.begin(), maps.end(), [&](const auto& m) { return m.table_id == id; });
      if (it != maps.end()) maps.erase(it);
      maps.push_back({id, std::string(raw), embedded});
    } else if (flags & kStmtEndFlag) {
      at_.table_maps.clear();
    }
    return Status::OK();
  }
  DM_RETURN_IF_ERROR(embedded ? decoder_.DecodeEmbedded(raw, &event_) : decoder_.Decode(raw, &event_));
  if (h.type == EventType::kFormatDescription) {
    at_.format.assign(raw);
    at_.table_maps.clear();
  }
  at_.trx.Enter(event_);
  at_.trx.Leave();
  if (auto* tp = event_.As<TransactionPayloadEvent>()) {
    std::string owned = std::string(kBinlogMagic) + tp->uncompressed;
    FileEventSplitter payload(owned, "transaction payload");
    std::string_view inner;
    uint64_t inner_off = 0;
    while (payload.Next(&inner, &inner_off)) DM_RETURN_IF_ERROR(FollowOne(inner, true));
    return payload.status();
  }
  return Status::OK();
}

Status PositionFollower::Follow(std::string_view raw, uint64_t offset, const std::string& path) {
  Status s = FollowOne(raw, false);
  if (!s.ok()) return std::move(s).WithContext(path + ": event at offset " + std::to_string(offset));
  return s;
}

// --- EventPrinter ----------------------------------------------------------------------

EventPrinter::EventPrinter(DecoderOptions options, Mode mode)
    : options_(options), mode_(mode), decoder_(options) {}

Status EventPrinter::ContinueFrom(const RawPosition& at) {
  // A new batch counts into a new summary: forget the cached counters.
  last_table_.reset();
  last_summary_ = nullptr;
  last_counts_ = nullptr;
  decoder_.Reset();
  if (!at.format.empty()) DM_RETURN_IF_ERROR(decoder_.Decode(at.format, &event_));
  for (const auto& m : at.table_maps) {
    DM_RETURN_IF_ERROR(m.embedded ? decoder_.DecodeEmbedded(m.raw, &event_)
                                  : decoder_.Decode(m.raw, &event_));
  }
  trx_ = at.trx;
  return Status::OK();
}

Status EventPrinter::Handle(const Event& e, uint64_t pos, std::string_view file,
                            DecodeSummary* s) {
  trx_.Enter(e);
  if (mode_ == Mode::kJson) {
    DM_RETURN_IF_ERROR(writer_.Append(e, pos, file, trx_.gtid));
  } else {
    const EventHeader& h = e.header;
    ++s->events;
    s->bytes += h.event_size;
    ++s->by_type[static_cast<uint8_t>(h.type)];
    if (auto* r = e.As<RowsEvent>(); r && r->table) {
      RowReader reader(*r);
      uint64_t n = 0;
      while (reader.Next(&a_, &b_)) ++n;
      DM_RETURN_IF_ERROR(reader.status());
      if (r->table != last_table_ || s != last_summary_) {
        last_table_ = r->table;
        last_summary_ = s;
        last_counts_ = &s->by_table[r->table->schema + "." + r->table->table];
      }
      (*last_counts_)[static_cast<int>(r->kind)] += n;
      s->rows += n;
    }
    if (trx_.trx.committed()) ++s->transactions;
  }
  trx_.Leave();
  return Status::OK();
}

Status EventPrinter::HandleRaw(std::string_view raw, uint64_t offset, std::string_view file,
                               const std::string& path, DecodeSummary* s) {
  Status st = decoder_.Decode(raw, &event_);
  if (st.ok()) st = Handle(event_, offset, file, s);
  if (st.ok()) {
    if (auto* tp = event_.As<TransactionPayloadEvent>()) {
      // The payload's events are complete events without checksums.
      std::string owned = std::string(kBinlogMagic) + tp->uncompressed;
      FileEventSplitter payload(owned, path + " (transaction payload at offset " +
                                           std::to_string(offset) + ")");
      std::string_view inner_raw;
      uint64_t inner_off = 0;
      while (st.ok() && payload.Next(&inner_raw, &inner_off)) {
        st = decoder_.DecodeEmbedded(inner_raw, &inner_event_);
        if (st.ok()) st = Handle(inner_event_, offset, file, s);
      }
      if (st.ok()) st = payload.status();
    }
  }
  if (!st.ok()) return std::move(st).WithContext(path + ": event at offset " + std::to_string(offset));
  return st;
}

// --- FileJsonDecoder -------------------------------------------------------------------

namespace {

// Sequential output is written in calls of at least this many bytes: big enough to make
// the calls few, small enough that the buffer stays in the cache (and costs few page
// faults to set up).
constexpr size_t kFlushBytes = size_t{256} << 10;

std::string BaseName(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// One batch of one file, from the reader to a decoding thread and back to the writer.
struct Job {
  EventBatch batch;      // whole events, read straight into the job's buffer
  RawPosition start;     // the decoding position before the batch's first event
  std::shared_ptr<const std::string> path, name;
  JsonBuffer out;
  DecodeSummary counts;  // summary mode: the batch's counts
  Status status;
  bool done = false;
};

// Calls fn(raw event, file offset) for each event of a batch (sizes checked by the
// reader) until fn fails.
template <typename Fn>
Status ForEachEvent(const EventBatch& b, Fn&& fn) {
  const char* const buf = b.buf.get();
  for (size_t off = 0; off < b.size;) {
    uint32_t size;
    std::memcpy(&size, buf + off + 9, 4);
    size = le32toh(size);
    DM_RETURN_IF_ERROR(fn(std::string_view(buf + off, size), b.offset + off));
    off += size;
  }
  return Status::OK();
}

}  // namespace

struct FileJsonDecoder::Pool {
  // `o.threads` decoders: the calling thread (index 0) and o.threads - 1 workers.
  explicit Pool(const Options& o) : options(o) {
    DecoderOptions dopts;
    dopts.verify_checksum = o.verify_checksum;
    for (int i = 0; i < o.threads; ++i) {
      printers.push_back(std::make_unique<EventPrinter>(
          dopts, o.summary ? EventPrinter::Mode::kSummary : EventPrinter::Mode::kJson));
    }
    for (int i = 1; i < o.threads; ++i) threads.emplace_back([this, i] { Work(i); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> l(mu);
      stop = true;
    }
    work_cv.notify_all();
    for (auto& t : threads) t.join();
  }

  void Work(int index);
  // Decodes and formats one batch with `printer`, then marks it done.
  void Run(Job* job, EventPrinter& printer);
  // The calling thread decodes the oldest queued batch itself. False if none is queued.
  bool RunQueued();
  // Writes out the oldest batch if it is finished (with `wait`: once it is). Returns
  // false when there was nothing to write. The first error is kept in *error; the
  // batches after it are dropped.
  bool WriteHead(bool wait, const WriteFn& write, Status* error);
  // A free job once fewer than `max_inflight` are in flight (helping or writing out
  // meanwhile); nullptr if writing out found an error (in *error).
  std::unique_ptr<Job> Acquire(size_t max_inflight, const WriteFn& write, Status* error);
  void Dispatch(std::unique_ptr<Job> job);

  Options options;
  PositionFollower tracker;  // the position after the last event put in a batch
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::deque<Job*> queue;                     // batches to decode, in file order
  std::deque<std::unique_ptr<Job>> inflight;  // queued or decoded, not yet written
  std::vector<std::unique_ptr<Job>> free_jobs;
  std::vector<std::unique_ptr<EventPrinter>> printers;  // one per decoding thread
  DecodeSummary summary;  // of the batches written out
  std::vector<std::thread> threads;
  bool stop = false;
};

void FileJsonDecoder::Pool::Run(Job* job, EventPrinter& printer) {
  JsonBuffer& out = printer.output();
  out.Swap(job->out);  // format straight into the job's buffer
  out.clear();
  Status s = printer.ContinueFrom(job->start);
  if (!s.ok()) {
    s = std::move(s).WithContext(*job->path + ": the decoding position at offset " +
                                 std::to_string(job->batch.offset));
  } else {
    s = ForEachEvent(job->batch, [&](std::string_view raw, uint64_t offset) {
      return printer.HandleRaw(raw, offset, *job->name, *job->path, &job->counts);
    });
  }
  out.Swap(job->out);
  {
    std::lock_guard<std::mutex> l(mu);
    job->status = std::move(s);
    job->done = true;
  }
  done_cv.notify_all();
}

bool FileJsonDecoder::Pool::RunQueued() {
  Job* job;
  {
    std::lock_guard<std::mutex> l(mu);
    if (queue.empty()) return false;
    job = queue.front();
    queue.pop_front();
  }
  Run(job, *printers[0]);
  return true;
}

void FileJsonDecoder::Pool::Work(int index) {
  while (true) {
    Job* job;
    {
      std::unique_lock<std::mutex> l(mu);
      work_cv.wait(l, [&] { return stop || !queue.empty(); });
      if (queue.empty()) return;
      job = queue.front();
      queue.pop_front();
    }
    Run(job, *printers[index]);
  }
}

bool FileJsonDecoder::Pool::WriteHead(bool wait, const WriteFn& write, Status* error) {
  std::unique_ptr<Job> job;
  {
    std::unique_lock<std::mutex> l(mu);
    if (inflight.empty()) return false;
    if (wait) {
      done_cv.wait(l, [&] { return inflight.front()->done; });
    } else if (!inflight.front()->done) {
      return false;
    }
    job = std::move(inflight.front());
    inflight.pop_front();
  }
  if (error->ok()) {  // the batches after an error are dropped, counts included
    if (!job->out.empty()) write(job->out.view());
    if (options.summary) summary.Merge(job->counts);
    *error = std::move(job->status);
  }
  job->out.clear();
  job->counts = DecodeSummary();
  job->status = Status::OK();
  std::lock_guard<std::mutex> l(mu);
  free_jobs.push_back(std::move(job));
  return true;
}

std::unique_ptr<Job> FileJsonDecoder::Pool::Acquire(size_t max_inflight, const WriteFn& write,
                                                    Status* error) {
  while (error->ok()) {
    {
      std::lock_guard<std::mutex> l(mu);
      if (inflight.size() < max_inflight) break;
    }
    // Help rather than wait: decode a queued batch here, else wait for the oldest.
    if (!RunQueued()) WriteHead(true, write, error);
  }
  if (!error->ok()) return nullptr;
  std::unique_ptr<Job> job;
  {
    std::lock_guard<std::mutex> l(mu);
    if (!free_jobs.empty()) {
      job = std::move(free_jobs.back());
      free_jobs.pop_back();
    }
  }
  if (!job) {
    job = std::make_unique<Job>();
    job->out.Reserve(options.batch_bytes * 2);  // JSON is ~1.3x the binlog: no regrowth
  }
  job->done = false;
  return job;
}

void FileJsonDecoder::Pool::Dispatch(std::unique_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> l(mu);
    queue.push_back(job.get());
    inflight.push_back(std::move(job));
  }
  work_cv.notify_one();
}

FileJsonDecoder::FileJsonDecoder(Options options, WriteFn write)
    : options_(options), write_(std::move(write)) {}

FileJsonDecoder::~FileJsonDecoder() = default;

DecodeSummary FileJsonDecoder::summary() const {
  DecodeSummary s = summary_;
  if (pool_) s.Merge(pool_->summary);
  return s;
}

Status FileJsonDecoder::DecodeSequential(FileEventReader::ReadFn read, uint64_t file_size,
                                         const std::string& path) {
  if (!printer_) {
    DecoderOptions dopts;
    dopts.verify_checksum = options_.verify_checksum;
    printer_ = std::make_unique<EventPrinter>(
        dopts, options_.summary ? EventPrinter::Mode::kSummary : EventPrinter::Mode::kJson);
  }
  const std::string name = BaseName(path);
  FileEventReader reader(std::move(read), file_size, path);
  JsonBuffer& out = printer_->output();
  out.Reserve(2 * kFlushBytes);
  auto flush = [&] {
    if (!out.empty()) write_(out.view());
    out.clear();
  };
  std::string_view raw;
  uint64_t offset = 0;
  while (reader.Next(&raw, &offset)) {
    Status s = printer_->HandleRaw(raw, offset, name, path, &summary_);
    if (!s.ok()) {
      flush();
      return s;
    }
    if (out.size() >= kFlushBytes) flush();
  }
  flush();
  return reader.status();
}

Status FileJsonDecoder::DecodeFile(FileEventReader::ReadFn read, uint64_t file_size,
                                   const std::string& path) {
  if (options_.threads <= 1) return DecodeSequential(std::move(read), file_size, path);
  if (!pool_) pool_ = std::make_unique<Pool>(options_);
  Pool& pool = *pool_;
  // Enough batches in flight to keep every thread busy while the oldest is written out,
  // few enough that their buffers stay small and warm in the caches.
  const size_t max_inflight = static_cast<size_t>(options_.threads) * 2 + 1;
  auto path_p = std::make_shared<const std::string>(path);
  auto name_p = std::make_shared<const std::string>(BaseName(path));
  FileBatchReader reader(std::move(read), file_size, path, options_.batch_bytes);
  Status error;        // the first error of a batch, in file order
  Status track_error;  // an event the position could not follow
  while (error.ok() && track_error.ok()) {
    std::unique_ptr<Job> job = pool.Acquire(max_inflight, write_, &error);
    if (!job) break;
    if (!reader.Next(&job->batch)) {
      std::lock_guard<std::mutex> l(pool.mu);
      pool.free_jobs.push_back(std::move(job));
      break;
    }
    job->start = pool.tracker.position();
    job->path = path_p;
    job->name = name_p;
    // Follow the position to the batch's end. If it cannot follow an event, the decoding
    // thread fails on that event or before it (it decodes all of it, with checksums), and
    // that error comes out in order; nothing after this batch is read.
    track_error = ForEachEvent(job->batch, [&](std::string_view raw, uint64_t offset) {
      return pool.tracker.Follow(raw, offset, path);
    });
    pool.Dispatch(std::move(job));
    while (pool.WriteHead(false, write_, &error)) {
    }
  }
  // Drain: every batch handed out is finished (and written while no error came before).
  while (pool.RunQueued()) {
  }
  while (pool.WriteHead(true, write_, &error)) {
  }
  if (!error.ok()) return error;
  if (!track_error.ok()) return track_error;
  return reader.status();
}

}  // namespace dm::binlog
