#include "dm/testing/mariadb_server.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "dm/base/log.h"
#include "dm/testing/temp_dir.h"

namespace dm::testing {
namespace {

std::atomic<uint32_t> g_next_server_id{1001};

bool PortTakenAtStartup(const std::string& error_log) {
  std::string tail = TailFile(error_log, 50);
  return tail.find("Address already in use") != std::string::npos ||
         tail.find("Bind on TCP/IP port") != std::string::npos;
}

constexpr const char* kRedoLogSize = "--innodb-log-file-size=48M";

std::vector<std::string> InstallDbArgs(const std::string& datadir) {
  std::vector<std::string> args = {"mariadb-install-db",
                                   "--no-defaults",
                                   "--datadir=" + datadir,
                                   "--auth-root-authentication-method=normal",
                                   "--skip-test-db",
                                   kRedoLogSize};
  if (geteuid() == 0) args.push_back("--user=root");
  return args;
}

Status RunInstallDb(const std::string& datadir, const std::string& log) {
  DM_ASSIGN_OR_RETURN(CommandResult r,
                      RunCommand(InstallDbArgs(datadir), std::chrono::seconds(180), {}, log));
  if (!r.ok()) {
    return Status::Internal(fmt::format("mariadb-install-db --datadir={} failed (exit {}); see {}:\n{}",
                                        datadir, r.exit_code, log, TailFile(log, 20)));
  }
  return Status::OK();
}

// A freshly installed datadir shared by all tests (and tests/integration/lib/servers.sh,
// which uses the same path and lock): mariadb-install-db costs seconds, a copy does not.
// Keyed by the mariadbd binary, so an upgrade gets a new one. Returns its data/ path.
Result<std::string> TemplateDatadir() {
  std::string mariadbd = *FindProgram("mariadbd");
  struct stat st {};
  if (stat(mariadbd.c_str(), &st) != 0) {
    return Status::IOError(fmt::format("stat {}: {}", mariadbd, std::strerror(errno)));
  }
  std::string base = fmt::format("{}/dm-mariadb-template-{}-{}-{}-v1", TestTempParent(),
                                 geteuid(), static_cast<long long>(st.st_mtime),
                                 static_cast<long long>(st.st_size));
  std::error_code ec;
  if (std::filesystem::exists(base + "/READY", ec)) return base + "/data";
  std::string lock_path = base + ".lock";
  int fd = open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(fmt::format("open {}: {}", lock_path, std::strerror(errno)));
  struct Unlock {
    int fd;
    ~Unlock() { close(fd); }  // also releases the flock
  } unlock{fd};
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) return Status::IOError(fmt::format("flock {}: {}", lock_path, std::strerror(errno)));
  }
  if (std::filesystem::exists(base + "/READY", ec)) return base + "/data";
  std::filesystem::remove_all(base, ec);
  std::filesystem::create_directories(base, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", base, ec.message()));
  DM_RETURN_IF_ERROR(RunInstallDb(base + "/data", base + "/install.log"));
  std::ofstream(base + "/READY") << "ok\n";
  return base + "/data";
}

}  // namespace

std::string MariaDbUnavailableReason() {
  for (const char* program : {"mariadbd", "mariadb-install-db"}) {
    if (!FindProgram(program)) {
      return fmt::format(
          "{} is not installed (looked in PATH and /usr/sbin); run scripts/deps.sh as root "
          "to install mariadb-server",
          program);
    }
  }
  return "";
}

Result<std::unique_ptr<MariaDbServer>> MariaDbServer::Start(MariaDbOptions options) {
  if (std::string why = MariaDbUnavailableReason(); !why.empty()) return Status::NotFound(why);
  std::unique_ptr<MariaDbServer> s(new MariaDbServer());
  s->options_ = std::move(options);
  s->server_id_ = s->options_.server_id != 0 ? s->options_.server_id : g_next_server_id++;
  DM_ASSIGN_OR_RETURN(s->dir_, MakeTempSubdir(s->options_.name));

  const char* no_template = std::getenv("DM_TEST_NO_TEMPLATE");
  if (no_template != nullptr && std::string_view(no_template) == "1") {
    DM_RETURN_IF_ERROR(RunInstallDb(s->datadir(), s->dir_ + "/install.log"));
  } else {
    DM_ASSIGN_OR_RETURN(std::string tmpl, TemplateDatadir());
    std::error_code ec;
    std::filesystem::copy(tmpl, s->datadir(), std::filesystem::copy_options::recursive, ec);
    if (ec) {
      return Status::IOError(fmt::format("copying template datadir {} to {}: {}", tmpl,
                                         s->datadir(), ec.message()));
    }
  }

  // Another process may take our free port before mariadbd binds it: retry on that.
  for (int attempt = 1;; ++attempt) {
    DM_ASSIGN_OR_RETURN(s->port_, FreePort());
    DM_RETURN_IF_ERROR(s->Launch());
    Status ready = s->WaitReady();
    if (ready.ok()) break;
    if (attempt < 3 && !s->process_->Running() && PortTakenAtStartup(s->error_log_path())) {
      LogWarn("mariadbd {}: port {} was taken meanwhile; retrying on another port",
              s->options_.name, s->port_);
      std::ofstream(s->error_log_path(), std::ios::trunc);
      continue;
    }
    return ready;
  }
  LogInfo("started mariadbd {} (pid {}) on 127.0.0.1:{}, server_id {}, dir {}", s->options_.name,
          s->pid(), s->port_, s->server_id_, s->dir_);
  return s;
}

Status MariaDbServer::Launch() {
  ChildProcess::Options o;
  o.argv = {"mariadbd",
            "--no-defaults",
            "--datadir=" + datadir(),
            fmt::format("--port={}", port_),
            "--bind-address=127.0.0.1",
            "--socket=" + socket_path(),
            "--pid-file=" + dir_ + "/mysqld.pid",
            "--log-error=" + error_log_path(),
            // Own temp dir: implicit temporary tables of concurrent servers never meet in /tmp.
            "--tmpdir=" + dir_ + "/tmp"};
  std::error_code ec;
  std::filesystem::create_directories(dir_ + "/tmp", ec);
  if (geteuid() == 0) o.argv.push_back("--user=root");
  for (std::string a : {fmt::format("--server-id={}", server_id_),
                        "--log-bin=" + dir_ + "/" + kBinlogBasename,
                        std::string("--binlog-format=ROW"),
                        std::string("--binlog-row-image=FULL"),
                        std::string("--binlog-row-metadata=FULL"),
                        std::string("--gtid-domain-id=0"),
                        std::string("--character-set-server=utf8mb4"),
                        std::string("--collation-server=utf8mb4_general_ci"),
                        std::string("--innodb-buffer-pool-size=128M"),
                        std::string(kRedoLogSize),
                        std::string("--skip-name-resolve")}) {
    o.argv.push_back(std::move(a));
  }
  for (const auto& a : options_.extra_args) o.argv.push_back(a);
  o.output_path = dir_ + "/stdout.log";
  DM_ASSIGN_OR_RETURN(process_, ChildProcess::Spawn(std::move(o)));
  return Status::OK();
}

Status MariaDbServer::WaitReady() {
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  mysql::ConnectOptions co = connect_options();
  co.connect_timeout_s = 2;
  Status last;
  while (true) {
    auto conn = mysql::Connection::Connect(co);
    if (conn.ok()) return Status::OK();
    last = conn.status();
    if (!process_->Running()) {
      return Status::Unavailable(fmt::format(
          "mariadbd {} (port {}) {} during startup; see {}:\n{}", options_.name, port_,
          process_->DescribeExit(), error_log_path(),
          TailFile(error_log_path(), 30) + TailFile(dir_ + "/stdout.log", 10)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      (void)process_->Stop();
      return Status::Unavailable(fmt::format(
          "mariadbd {} (port {}) did not accept root@127.0.0.1 within {} s (last error: {}); "
          "see {}:\n{}",
          options_.name, port_, options_.start_timeout.count(), last.ToString(), error_log_path(),
          TailFile(error_log_path(), 30)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

MariaDbServer::~MariaDbServer() {
  if (process_) {
    Status s = process_->Stop();
    if (!s.ok()) LogError("stopping mariadbd {}: {}", options_.name, s.ToString());
    process_.reset();
  }
  if (!dir_.empty() && !KeepTempFiles()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

pid_t MariaDbServer::pid() const { return process_ ? process_->pid() : -1; }

mysql::ConnectOptions MariaDbServer::connect_options() const {
  mysql::ConnectOptions o;
  o.host = "127.0.0.1";
  o.port = port_;
  o.user = "root";
  o.connect_timeout_s = 10;
  return o;
}

Result<std::unique_ptr<mysql::Connection>> MariaDbServer::Connect() const {
  return mysql::Connection::Connect(connect_options());
}

Status MariaDbServer::Stop(std::chrono::milliseconds grace) {
  if (!process_) return Status::OK();
  return process_->Stop(grace);
}

void MariaDbServer::Kill() {
  if (process_) process_->Kill(9);
}

bool MariaDbServer::running() { return process_ && process_->Running(); }

Status MariaDbServer::Restart(std::optional<std::vector<std::string>> extra_args) {
  DM_RETURN_IF_ERROR(Stop());
  if (extra_args) options_.extra_args = std::move(*extra_args);
  DM_RETURN_IF_ERROR(Launch());
  return WaitReady();
}

std::string MariaDbServer::ErrorLogTail(int lines) const { return TailFile(error_log_path(), lines); }

}  // namespace dm::testing
