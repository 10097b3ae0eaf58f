#include "dm/dump/metadata.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dm/base/text.h"
#include "dm/dump/layout.h"

namespace dm::dump {

Status WriteMetadata(const std::string& dir, const DumpMetadata& m) {
  std::string text = "Started dump at: " + m.started + "\nSHOW MASTER STATUS:\n\tLog: " + m.position.file +
                     "\n\tPos: " + std::to_string(m.position.pos) + "\n\tGTID:" + m.gtid + "\n\n";
  if (m.finished) text += "Finished dump at: " + *m.finished + "\n";
  if (!m.dump_id.empty()) text += "DM dump id: " + m.dump_id + "\n";
  if (m.data_files) {
    text += "DM data files: " + std::to_string(*m.data_files) + " " + std::to_string(m.data_bytes) + "\n";
  }
  std::string path = dir + "/metadata";
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Result<DumpMetadata> ReadMetadata(const std::string& dir) {
  std::string path = dir + "/metadata";
  std::ifstream in(path);
  if (!in) return Status::NotFound("no dump metadata file " + path);
  DumpMetadata m;
  bool have_log = false, have_pos = false;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string_view l = dm::TrimSpace(line);
    auto value_of = [&](std::string_view prefix) -> std::optional<std::string> {
      if (l.substr(0, prefix.size()) != prefix) return std::nullopt;
      return std::string(dm::TrimSpace(l.substr(prefix.size())));
    };
    if (auto v = value_of("Started dump at:")) {
      m.started = *v;
    } else if (auto v = value_of("Finished dump at:")) {
      m.finished = *v;
    } else if (auto v = value_of("Log:")) {
      if (!have_log) m.position.file = *v;  // the first SHOW MASTER STATUS block wins
      have_log = true;
    } else if (auto v = value_of("Pos:")) {
      if (!have_pos) {
        char* end = nullptr;
        m.position.pos = std::strtoull(v->c_str(), &end, 10);
        if (v->empty() || *end != '\0') {
          return Status::Corruption(path + ":" + std::to_string(n) + ": bad position '" + *v +
                                    "'; the dump is unusable, re-run it (stop-task, remove the "
                                    "directory, start-task)");
        }
      }
      have_pos = true;
    } else if (auto v = value_of("GTID:")) {
      if (m.gtid.empty()) m.gtid = *v;
    } else if (auto v = value_of("DM dump id:")) {
      m.dump_id = *v;
    } else if (auto v = value_of("DM data files:")) {
      unsigned long long files = 0, bytes = 0;
      if (std::sscanf(v->c_str(), "%llu %llu", &files, &bytes) != 2) {
        return Status::Corruption(path + ":" + std::to_string(n) + ": bad data-file line '" + *v +
                                  "'; the dump is unusable, re-run it");
      }
      m.data_files = files;
      m.data_bytes = bytes;
    }
  }
  if (!have_log || !have_pos || m.position.file.empty()) {
    return Status::Corruption(path + ": no SHOW MASTER STATUS Log/Pos; the dump is unusable, re-run it");
  }
  return m;
}

Status CountDataFiles(const std::string& dir, uint64_t* files, uint64_t* bytes) {
  *files = 0;
  *bytes = 0;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::NotFound("no dump directory " + dir);
    return Status::IOError("cannot read dump directory " + dir + ": " + std::strerror(errno));
  }
  Status st;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (ParseDumpFileName(name).kind != DumpFile::Kind::kData) continue;
    struct stat sb {};
    std::string path = dir + "/" + name;
    if (::stat(path.c_str(), &sb) != 0) {
      st = Status::IOError("cannot stat " + path + ": " + std::strerror(errno));
      break;
    }
    ++*files;
    *bytes += static_cast<uint64_t>(sb.st_size);
  }
  ::closedir(d);
  return st;
}

Status CheckDataFiles(const std::string& dir, const DumpMetadata& m) {
  if (!m.data_files) return Status::OK();
  uint64_t files = 0, bytes = 0;
  DM_RETURN_IF_ERROR(CountDataFiles(dir, &files, &bytes));
  if (files == *m.data_files && bytes == m.data_bytes) return Status::OK();
  return Status::FailedPrecondition("the dump in " + dir + " is incomplete: its metadata lists " +
                                    std::to_string(*m.data_files) + " data files of " +
                                    std::to_string(m.data_bytes) + " bytes, the directory holds " +
                                    std::to_string(files) + " of " + std::to_string(bytes) + " bytes");
}

}  // namespace dm::dump
