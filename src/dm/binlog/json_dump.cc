#include "dm/binlog/json_dump.h"

#include <endian.h>

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

// --- EventPrinter ----------------------------------------------------------------------

EventPrinter::EventPrinter(DecoderOptions options, Mode mode) : mode_(mode), at_(options) {}

void EventPrinter::ContinueFrom(const DecodePosition& at) {
  at_.decoder.CopyStateFrom(at.decoder);
  at_.gtid = at.gtid;
  at_.trx = at.trx;
}

Status EventPrinter::Handle(const Event& e, uint64_t pos, std::string_view file,
                            DecodeSummary* s) {
  if (auto* g = e.As<MariaGtidEvent>()) at_.gtid = g->gtid.ToString();
  if (auto* g = e.As<MysqlGtidEvent>()) at_.gtid = g->anonymous ? "" : g->ToString();
  at_.trx.Feed(e);
  if (mode_ == Mode::kJson) {
    DM_RETURN_IF_ERROR(writer_.Append(e, pos, file, at_.gtid));
  } else if (mode_ == Mode::kSummary) {
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
    if (at_.trx.committed()) ++s->transactions;
  }
  if (at_.trx.committed()) at_.gtid.clear();
  return Status::OK();
}

Status EventPrinter::HandleRaw(std::string_view raw, uint64_t offset, std::string_view file,
                               const std::string& path, DecodeSummary* s) {
  Decoder& decoder = at_.decoder;
  Status st = decoder.Decode(raw, &event_);
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
        st = decoder.DecodeEmbedded(inner_raw, &inner_event_);
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
  uint64_t offset = 0;   // file offset of the batch's first event
  size_t size = 0;       // bytes of whole events
  DecodePosition start;  // the decoding position before the batch's first event
  const FileJsonDecoder::FileInput* in = nullptr;
  std::shared_ptr<const std::string> path, name;
  std::unique_ptr<char[]> buf;  // the batch's bytes, read by the decoding thread
  size_t cap = 0;
  JsonBuffer out;
  Status status;
  bool done = false;
};

Status ChangedWhileRead(const std::string& path, uint64_t offset) {
  return Status::Corruption(path + ": the bytes at offset " + std::to_string(offset) +
                            " changed while the file was being read (was it rewritten or "
                            "truncated?); decode a copy that does not change");
}

// Reads the job's bytes and calls fn(raw event, file offset) for each event until fn
// fails. The events were checked when the batch was cut; they are checked again in case
// the file changed since.
template <typename Fn>
Status ForEachEvent(Job& job, Fn&& fn) {
  if (job.cap < job.size) {
    job.cap = job.size;
    job.buf = std::unique_ptr<char[]>(new char[job.cap]);
  }
  char* const buf = job.buf.get();
  for (size_t done = 0; done < job.size;) {
    size_t got = 0;
    Status s = job.in->read_at(buf + done, job.size - done, job.offset + done, &got);
    if (!s.ok()) {
      return std::move(s).WithContext(*job.path + ": reading at offset " +
                                      std::to_string(job.offset + done));
    }
    if (got == 0) return ChangedWhileRead(*job.path, job.offset + done);
    done += got;
  }
  for (size_t off = 0; off < job.size;) {
    if (job.size - off < kEventHeaderSize) return ChangedWhileRead(*job.path, job.offset + off);
    uint32_t size;
    std::memcpy(&size, buf + off + 9, 4);
    size = le32toh(size);
    if (size < kEventHeaderSize || size > job.size - off) {
      return ChangedWhileRead(*job.path, job.offset + off);
    }
    DM_RETURN_IF_ERROR(fn(std::string_view(buf + off, size), job.offset + off));
    off += size;
  }
  return Status::OK();
}

}  // namespace

struct FileJsonDecoder::Pool {
  // `o.threads` decoders: the calling thread (index 0) and o.threads - 1 workers.
  explicit Pool(const Options& o)
      : options(o),
        tracker(DecoderOptions{.verify_checksum = false}, EventPrinter::Mode::kTrackOnly),
        summaries(o.threads) {
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
  void Run(Job* job, EventPrinter& printer, DecodeSummary* summary);
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
  EventPrinter tracker;  // the position after the last event put in a batch
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::deque<Job*> queue;                     // batches to decode, in file order
  std::deque<std::unique_ptr<Job>> inflight;  // queued or decoded, not yet written
  std::vector<std::unique_ptr<Job>> free_jobs;
  std::vector<std::unique_ptr<EventPrinter>> printers;  // one per decoding thread
  std::vector<DecodeSummary> summaries;                 // one per decoding thread
  std::vector<std::thread> threads;
  bool stop = false;
};

void FileJsonDecoder::Pool::Run(Job* job, EventPrinter& printer, DecodeSummary* summary) {
  JsonBuffer& out = printer.output();
  printer.ContinueFrom(job->start);
  out.Swap(job->out);  // format straight into the job's buffer
  out.clear();
  Status s = ForEachEvent(*job, [&](std::string_view raw, uint64_t offset) {
    return printer.HandleRaw(raw, offset, *job->name, *job->path, summary);
  });
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
  Run(job, *printers[0], &summaries[0]);
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
    Run(job, *printers[index], &summaries[index]);
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
  if (error->ok()) {
    if (!job->out.empty()) write(job->out.view());
    *error = std::move(job->status);
  }
  job->out.clear();
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
  job->start = tracker.position();
  job->size = 0;
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
  if (pool_) {
    for (const auto& w : pool_->summaries) s.Merge(w);
  }
  return s;
}

Status FileJsonDecoder::DecodeSequential(const FileInput& in, const std::string& path) {
  if (!printer_) {
    DecoderOptions dopts;
    dopts.verify_checksum = options_.verify_checksum;
    printer_ = std::make_unique<EventPrinter>(
        dopts, options_.summary ? EventPrinter::Mode::kSummary : EventPrinter::Mode::kJson);
  }
  const std::string name = BaseName(path);
  FileEventReader reader(in.read, in.size, path);
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

Status FileJsonDecoder::DecodeFile(const FileInput& in, const std::string& path) {
  if (options_.threads <= 1 || !in.read_at) return DecodeSequential(in, path);
  if (!pool_) pool_ = std::make_unique<Pool>(options_);
  Pool& pool = *pool_;
  // Enough batches in flight to keep every thread busy while the oldest is written out,
  // few enough that their buffers stay small and warm in the caches.
  const size_t max_inflight = static_cast<size_t>(options_.threads) * 2 + 1;
  auto path_p = std::make_shared<const std::string>(path);
  auto name_p = std::make_shared<const std::string>(BaseName(path));
  FileEventReader reader(in.read, in.size, path);
  Status error;        // the first error of a batch, in file order
  Status track_error;  // an event the position could not follow
  std::unique_ptr<Job> job;
  std::string_view raw;
  uint64_t offset = 0;
  while (reader.Next(&raw, &offset)) {
    if (!job) {
      job = pool.Acquire(max_inflight, write_, &error);
      if (!job) break;
      job->offset = offset;
      job->in = &in;
      job->path = path_p;
      job->name = name_p;
    }
    // If the position cannot follow an event, the decoding thread fails on the same event
    // (same decoder, same state, checksums on top) and that error comes out in order.
    track_error = pool.tracker.HandleRaw(raw, offset, *name_p, path, nullptr);
    job->size += raw.size();
    if (job->size >= options_.batch_bytes || !track_error.ok()) {
      pool.Dispatch(std::move(job));
      while (pool.WriteHead(false, write_, &error)) {
      }
      if (!track_error.ok() || !error.ok()) break;
    }
  }
  if (job) {
    if (job->size > 0) {
      pool.Dispatch(std::move(job));
    } else {
      std::lock_guard<std::mutex> l(pool.mu);
      pool.free_jobs.push_back(std::move(job));
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
