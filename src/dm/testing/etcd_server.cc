#include "dm/testing/etcd_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "dm/base/log.h"
#include "dm/testing/temp_dir.h"

namespace dm::testing {
namespace {

bool PortTakenAtStartup(const std::string& log) {
  return TailFile(log, 50).find("address already in use") != std::string::npos;
}

// Waits for `fd` to become ready for `events` until `deadline`.
bool PollUntil(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<std::string> HttpGet(uint16_t port, const std::string& path,
                            std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::IOError(fmt::format("socket: {}", std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string where = fmt::format("http://127.0.0.1:{}{}", port, path);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      return Status::Unavailable(fmt::format("GET {}: {}", where, std::strerror(errno)));
    }
    if (!PollUntil(fd, POLLOUT, deadline)) {
      return Status::Unavailable(fmt::format("GET {}: connect timed out", where));
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Status::Unavailable(fmt::format("GET {}: {}", where, std::strerror(err)));
  }
  std::string req = fmt::format("GET {} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", path, port);
  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!PollUntil(fd, POLLOUT, deadline)) {
        return Status::Unavailable(fmt::format("GET {}: send timed out", where));
      }
    } else {
      return Status::Unavailable(fmt::format("GET {}: send: {}", where, std::strerror(errno)));
    }
  }
  std::string resp;
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      resp.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!PollUntil(fd, POLLIN, deadline)) {
        return Status::Unavailable(fmt::format("GET {}: no complete answer in time", where));
      }
    } else {
      return Status::Unavailable(fmt::format("GET {}: recv: {}", where, std::strerror(errno)));
    }
  }
  auto body = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/", 0) != 0 || body == std::string::npos) {
    return Status::Unavailable(fmt::format("GET {}: not an HTTP answer", where));
  }
  return resp.substr(body + 4);
}

std::string EtcdUnavailableReason() {
  for (const char* program : {"etcd", "etcdctl"}) {
    if (!FindProgram(program)) {
      return fmt::format(
          "{} is not installed; run scripts/deps.sh as root to install etcd-server and "
          "etcd-client",
          program);
    }
  }
  return "";
}

Result<std::unique_ptr<EtcdServer>> EtcdServer::Start(EtcdOptions options) {
  if (std::string why = EtcdUnavailableReason(); !why.empty()) return Status::NotFound(why);
  std::unique_ptr<EtcdServer> s(new EtcdServer());
  s->options_ = std::move(options);
  DM_ASSIGN_OR_RETURN(s->dir_, MakeTempSubdir(s->options_.name));
  for (int attempt = 1;; ++attempt) {
    DM_ASSIGN_OR_RETURN(s->client_port_, FreePort());
    DM_ASSIGN_OR_RETURN(s->peer_port_, FreePort());
    s->endpoint_ = fmt::format("http://127.0.0.1:{}", s->client_port_);
    std::error_code ec;
    std::filesystem::remove_all(s->data_dir(), ec);
    DM_RETURN_IF_ERROR(s->Launch());
    Status ready = s->WaitReady();
    if (ready.ok()) break;
    if (attempt < 3 && !s->process_->Running() && PortTakenAtStartup(s->log_path())) {
      LogWarn("etcd {}: port taken meanwhile; retrying on other ports", s->options_.name);
      continue;
    }
    return ready;
  }
  s->started_once_ = true;
  LogInfo("started etcd {} (pid {}) at {}, dir {}", s->options_.name, s->pid(), s->endpoint_,
          s->dir_);
  return s;
}

Status EtcdServer::Launch() {
  std::string peer = fmt::format("http://127.0.0.1:{}", peer_port_);
  ChildProcess::Options o;
  o.argv = {"etcd",
            "--name",
            options_.name,
            "--data-dir",
            data_dir(),
            "--listen-client-urls",
            endpoint_,
            "--advertise-client-urls",
            endpoint_,
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
            "--initial-cluster",
            options_.name + "=" + peer,
            "--initial-cluster-state",
            "new"};
  for (const auto& a : options_.extra_args) o.argv.push_back(a);
  o.output_path = log_path();
  DM_ASSIGN_OR_RETURN(process_, ChildProcess::Spawn(std::move(o)));
  return Status::OK();
}

bool EtcdServer::Healthy(std::chrono::milliseconds timeout) const {
  auto body = HttpGet(client_port_, "/health", timeout);
  return body.ok() && body->find("\"health\":\"true\"") != std::string::npos;
}

Status EtcdServer::WaitReady() {
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (true) {
    if (Healthy(std::chrono::seconds(1))) return Status::OK();
    if (!process_->Running()) {
      return Status::Unavailable(fmt::format("etcd {} ({}) {} during startup; see {}:\n{}",
                                             options_.name, endpoint_, process_->DescribeExit(),
                                             log_path(), TailFile(log_path(), 30)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      (void)process_->Stop();
      return Status::Unavailable(fmt::format("etcd {} not healthy at {} within {} s; see {}:\n{}",
                                             options_.name, endpoint_,
                                             options_.start_timeout.count(), log_path(),
                                             TailFile(log_path(), 30)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

EtcdServer::~EtcdServer() {
  if (process_) {
    Status s = process_->Stop();
    if (!s.ok()) LogError("stopping etcd {}: {}", options_.name, s.ToString());
    process_.reset();
  }
  if (!dir_.empty() && !KeepTempFiles()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

pid_t EtcdServer::pid() const { return process_ ? process_->pid() : -1; }

Result<std::string> EtcdServer::Etcdctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + endpoint_, "--dial-timeout=3s",
                                   "--command-timeout=10s"};
  argv.insert(argv.end(), args.begin(), args.end());
  DM_ASSIGN_OR_RETURN(CommandResult r,
                      RunCommand(argv, std::chrono::seconds(30), {"ETCDCTL_API=3"}));
  if (!r.ok()) {
    return Status::Unavailable(
        fmt::format("etcdctl against {} exited with {}: {}", endpoint_, r.exit_code, r.output));
  }
  return r.output;
}

Status EtcdServer::Stop(std::chrono::milliseconds grace) {
  if (!process_) return Status::OK();
  return process_->Stop(grace);
}

void EtcdServer::Kill() {
  if (process_) process_->Kill(9);
}

bool EtcdServer::running() { return process_ && process_->Running(); }

Status EtcdServer::Restart() {
  DM_RETURN_IF_ERROR(Stop());
  DM_RETURN_IF_ERROR(Launch());
  return WaitReady();
}

}  // namespace dm::testing
