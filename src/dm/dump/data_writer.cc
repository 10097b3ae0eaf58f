#include "dm/dump/data_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dm/dump/layout.h"
#include "dm/mysql/connection.h"

namespace dm::dump {

namespace {

constexpr size_t kFlushBytes = 1 << 20;
constexpr std::string_view kFileHeader =
    "/*!40101 SET NAMES binary*/;\n"
    "/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
    "/*!40103 SET TIME_ZONE='+00:00' */;\n";

Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("cannot write " + path + ": " + std::strerror(errno) +
                             "; check free space in the dump directory (loader dir)");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

}  // namespace

Status WriteWholeFile(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  Status s = WriteAll(fd, content.data(), content.size(), path);
  if (s.ok() && ::fsync(fd) != 0) s = Status::IOError("cannot fsync " + path + ": " + std::strerror(errno));
  ::close(fd);
  return s;
}

DataWriter::DataWriter(DataWriterOptions options) : o_(std::move(options)) {
  header_ = "INSERT INTO " + mysql::QuoteIdentifier(o_.table) + " (";
  for (size_t i = 0; i < o_.columns.size(); ++i) {
    if (i > 0) header_ += ',';
    header_ += mysql::QuoteIdentifier(o_.columns[i]);
  }
  header_ += ") VALUES\n";
  if (o_.statement_size == 0) o_.statement_size = 1000000;
}

DataWriter::~DataWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status DataWriter::OpenNext() {
  uint32_t index = o_.next_index->fetch_add(1);
  std::string name = DataFileName(o_.db, o_.table, index);
  path_ = o_.dir + "/" + name;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return Status::IOError("cannot create dump file " + path_ + ": " + std::strerror(errno));
  }
  files_.push_back(name);
  buf_.append(kFileHeader);
  file_bytes_ = kFileHeader.size();
  bytes_written_ += kFileHeader.size();
  return Status::OK();
}

Status DataWriter::Flush() {
  if (buf_.empty()) return Status::OK();
  Status s = WriteAll(fd_, buf_.data(), buf_.size(), path_);
  buf_.clear();
  return s;
}

Status DataWriter::EndStatement() {
  if (stmt_bytes_ == 0) return Status::OK();
  buf_.append(";\n");
  file_bytes_ += 2;
  bytes_written_ += 2;
  stmt_bytes_ = 0;
  if (o_.file_size > 0 && file_bytes_ >= o_.file_size) {
    DM_RETURN_IF_ERROR(Flush());
    if (::fsync(fd_) != 0) return Status::IOError("cannot fsync " + path_ + ": " + std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
  }
  return Status::OK();
}

Status DataWriter::AddRow(const char* const* values, const unsigned long* lengths) {
  if (fd_ < 0) DM_RETURN_IF_ERROR(OpenNext());
  size_t before = buf_.size();
  if (stmt_bytes_ == 0) {
    buf_.append(header_);
  } else {
    buf_.append(",\n");
  }
  buf_.push_back('(');
  for (size_t i = 0; i < o_.kinds.size(); ++i) {
    if (i > 0) buf_.push_back(',');
    if (values[i] == nullptr) {
      buf_.append("NULL");
    } else {
      AppendValue(&buf_, o_.kinds[i], std::string_view(values[i], lengths[i]));
    }
  }
  buf_.push_back(')');
  uint64_t added = buf_.size() - before;
  stmt_bytes_ += added;
  file_bytes_ += added;
  bytes_written_ += added;
  ++rows_;
  if (stmt_bytes_ >= o_.statement_size) DM_RETURN_IF_ERROR(EndStatement());
  if (buf_.size() >= kFlushBytes && fd_ >= 0) DM_RETURN_IF_ERROR(Flush());
  return Status::OK();
}

Status DataWriter::Close() {
  if (fd_ < 0) return Status::OK();
  DM_RETURN_IF_ERROR(EndStatement());
  if (fd_ < 0) return Status::OK();  // EndStatement rotated and closed it
  DM_RETURN_IF_ERROR(Flush());
  if (::fsync(fd_) != 0) return Status::IOError("cannot fsync " + path_ + ": " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  return Status::OK();
}

}  // namespace dm::dump
