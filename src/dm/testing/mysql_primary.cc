#include "dm/testing/mysql_primary.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "dm/base/little_endian.h"
#include "dm/base/log.h"
#include "dm/binlog/crc32.h"
#include "dm/binlog/decoder.h"
#include "dm/binlog/event_type.h"
#include "dm/binlog/file_splitter.h"

namespace dm::testing {

namespace {

using binlog::EventType;

// Capability flags (MySQL's CLIENT_*).
constexpr uint32_t kClientLongPassword = 0x1;
constexpr uint32_t kClientFoundRows = 0x2;
constexpr uint32_t kClientLongFlag = 0x4;
constexpr uint32_t kClientConnectWithDb = 0x8;
constexpr uint32_t kClientProtocol41 = 0x200;
constexpr uint32_t kClientTransactions = 0x2000;
constexpr uint32_t kClientSecureConnection = 0x8000;
constexpr uint32_t kClientMultiStatements = 0x10000;
constexpr uint32_t kClientMultiResults = 0x20000;
constexpr uint32_t kClientPluginAuth = 0x80000;
constexpr uint32_t kClientConnectAttrs = 0x100000;
constexpr uint32_t kClientPluginAuthLenencData = 0x200000;
constexpr uint32_t kServerCaps = kClientLongPassword | kClientFoundRows | kClientLongFlag |
                                 kClientConnectWithDb | kClientProtocol41 | kClientTransactions |
                                 kClientSecureConnection | kClientMultiStatements |
                                 kClientMultiResults | kClientPluginAuth | kClientConnectAttrs |
                                 kClientPluginAuthLenencData;
constexpr uint16_t kStatusAutocommit = 0x0002;
constexpr uint8_t kCharsetUtf8GeneralCi = 33;
constexpr const char* kNativePassword = "mysql_native_password";

// Commands.
constexpr uint8_t kComQuit = 0x01;
constexpr uint8_t kComInitDb = 0x02;
constexpr uint8_t kComQuery = 0x03;
constexpr uint8_t kComPing = 0x0e;
constexpr uint8_t kComBinlogDump = 0x12;
constexpr uint8_t kComRegisterSlave = 0x15;
constexpr uint8_t kComBinlogDumpGtid = 0x1e;

constexpr uint16_t kDumpNonBlock = 0x01;

// MySQL error codes the primary sends.
constexpr uint16_t kErAccessDenied = 1045;
constexpr uint16_t kErUnknownCom = 1047;
constexpr uint16_t kErParse = 1064;
constexpr uint16_t kErUnknown = 1105;
constexpr uint16_t kErUnknownSystemVariable = 1193;
constexpr uint16_t kErMasterFatalReadingBinlog = 1236;

constexpr size_t kMaxPacket = 0xffffff;

void Store32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint64_t GetN(std::string_view s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t(static_cast<uint8_t>(s[at + i])) << (8 * i);
  return v;
}
void PutLenenc(std::string* s, uint64_t v) {
  if (v < 251) {
    s->push_back(static_cast<char>(v));
  } else if (v < (1u << 16)) {
    s->push_back(static_cast<char>(0xfc));
    Put16(s, static_cast<uint16_t>(v));
  } else if (v < (1u << 24)) {
    s->push_back(static_cast<char>(0xfd));
    for (int i = 0; i < 3; ++i) s->push_back(static_cast<char>(v >> (8 * i)));
  } else {
    s->push_back(static_cast<char>(0xfe));
    Put64(s, v);
  }
}
void PutLenencString(std::string* s, std::string_view v) {
  PutLenenc(s, v.size());
  s->append(v);
}
// Reads a length-encoded integer at *at; false if truncated.
bool GetLenenc(std::string_view s, size_t* at, uint64_t* v) {
  if (*at >= s.size()) return false;
  uint8_t first = static_cast<uint8_t>(s[*at]);
  int n = first < 0xfb ? 0 : first == 0xfc ? 2 : first == 0xfd ? 3 : first == 0xfe ? 8 : -1;
  if (n < 0 || *at + 1 + n > s.size()) return false;
  *v = n == 0 ? first : GetN(s, *at + 1, n);
  *at += 1 + n;
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) != 0)) s.remove_prefix(1);
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) != 0 || s.back() == ';')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Sha1(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_sha1(), nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

// mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).
std::string NativeScramble(std::string_view scramble, std::string_view password) {
  if (password.empty()) return "";
  std::string h1 = Sha1(password);
  std::string h3 = Sha1(std::string(scramble) + Sha1(h1));
  for (size_t i = 0; i < h1.size(); ++i) h1[i] = static_cast<char>(h1[i] ^ h3[i]);
  return h1;
}

// major * 10000 + minor * 100 + patch of "8.0.36-log".
int VersionNumber(std::string_view v) {
  int parts[3] = {0, 0, 0};
  size_t i = 0;
  for (int k = 0; k < 3 && i < v.size(); ++k) {
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])) != 0) {
      parts[k] = parts[k] * 10 + (v[i] - '0');
      ++i;
    }
    if (i < v.size() && v[i] == '.') ++i;
    else break;
  }
  return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

// Sends and receives MySQL packets (3-byte length, sequence id) on one socket.
class Wire {
 public:
  explicit Wire(int fd) : fd_(fd) {}
  void ResetSeq(uint8_t seq) { seq_ = seq; }

  // One logical packet (joins 16 MB chunks). False when the peer closed or on error.
  bool Read(std::string* payload) {
    payload->clear();
    while (true) {
      unsigned char h[4];
      if (!ReadAll(reinterpret_cast<char*>(h), 4)) return false;
      size_t len = h[0] | (h[1] << 8) | (h[2] << 16);
      seq_ = static_cast<uint8_t>(h[3] + 1);
      size_t old = payload->size();
      payload->resize(old + len);
      if (len > 0 && !ReadAll(payload->data() + old, len)) return false;
      if (len < kMaxPacket) return true;
    }
  }

  bool Write(std::string_view payload) {
    while (true) {
      size_t len = std::min(payload.size(), kMaxPacket);
      char h[4] = {static_cast<char>(len), static_cast<char>(len >> 8),
                   static_cast<char>(len >> 16), static_cast<char>(seq_++)};
      if (!WriteAll(h, 4) || !WriteAll(payload.data(), len)) return false;
      payload.remove_prefix(len);
      if (len < kMaxPacket) return true;  // a chunk of exactly 16 MB - 1 needs an empty one after
    }
  }

  bool Ok() {
    std::string p(1, '\0');
    PutLenenc(&p, 0);  // affected rows
    PutLenenc(&p, 0);  // last insert id
    Put16(&p, kStatusAutocommit);
    Put16(&p, 0);  // warnings
    return Write(p);
  }
  bool Err(uint16_t code, std::string_view sqlstate, std::string_view message) {
    std::string p(1, static_cast<char>(0xff));
    Put16(&p, code);
    p += '#';
    p += sqlstate;
    p += message;
    return Write(p);
  }
  bool Eof() {
    std::string p(1, static_cast<char>(0xfe));
    Put16(&p, 0);  // warnings
    Put16(&p, kStatusAutocommit);
    return Write(p);
  }
  // A text-protocol result set: every column a VARCHAR, nullopt = NULL.
  bool ResultSet(const std::vector<std::string>& columns,
                 const std::vector<std::vector<std::optional<std::string>>>& rows) {
    std::string p;
    PutLenenc(&p, columns.size());
    if (!Write(p)) return false;
    for (const auto& c : columns) {
      p.clear();
      PutLenencString(&p, "def");
      PutLenencString(&p, "");  // schema
      PutLenencString(&p, "");  // table
      PutLenencString(&p, "");  // org_table
      PutLenencString(&p, c);
      PutLenencString(&p, "");  // org_name
      PutLenenc(&p, 0x0c);
      Put16(&p, kCharsetUtf8GeneralCi);
      Put32(&p, 1024);  // column length
      p.push_back(static_cast<char>(0xfd));  // MYSQL_TYPE_VAR_STRING
      Put16(&p, 0);                          // flags
      p.push_back(0);                        // decimals
      Put16(&p, 0);
      if (!Write(p)) return false;
    }
    if (!Eof()) return false;
    for (const auto& r : rows) {
      p.clear();
      for (const auto& v : r) {
        if (v) PutLenencString(&p, *v);
        else p.push_back(static_cast<char>(0xfb));
      }
      if (!Write(p)) return false;
    }
    return Eof();
  }

 private:
  bool ReadAll(char* p, size_t n) {
    while (n > 0) {
      ssize_t r = ::recv(fd_, p, n, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  bool WriteAll(const char* p, size_t n) {
    while (n > 0) {
      ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }

  int fd_;
  uint8_t seq_ = 0;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open binlog file " + path + " for the MySQL test primary");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// One binlog file as the primary serves it.
struct MysqlPrimary::File {
  struct Event {
    uint64_t offset = 0;
    std::string_view raw;
    EventType type = EventType::kUnknown;
    std::optional<gtid::MysqlGtid> gtid;  // GTID / GTID_TAGGED events
  };
  std::string name;   // base name, as the client sees it
  std::string bytes;  // the whole file
  bool checksum = false;  // the FORMAT_DESCRIPTION says CRC32
  std::vector<Event> events;  // events[0] is the FORMAT_DESCRIPTION
  gtid::MysqlGtidSet previous_gtids;
  std::optional<gtid::MysqlGtid> first_gtid;
  gtid::MysqlGtidSet gtids;  // every GTID in the file

  static Result<std::shared_ptr<const File>> Load(const std::string& path) {
    auto f = std::make_shared<File>();
    DM_ASSIGN_OR_RETURN(f->bytes, ReadFile(path));
    f->name = path.substr(path.find_last_of('/') + 1);
    binlog::FileEventSplitter split(f->bytes, path);
    binlog::Decoder decoder;
    std::string_view raw;
    uint64_t off = 0;
    binlog::Event e;
    while (split.Next(&raw, &off)) {
      Event ev;
      ev.offset = off;
      ev.raw = raw;
      ev.type = static_cast<EventType>(static_cast<uint8_t>(raw[4]));
      // Only the events the primary must understand are decoded (FORMAT_DESCRIPTION first,
      // for the checksum and post-header lengths).
      bool decode = f->events.empty() || ev.type == EventType::kGtid ||
                    ev.type == EventType::kGtidTagged || ev.type == EventType::kPreviousGtids;
      if (decode) {
        Status s = decoder.Decode(raw, &e);
        if (!s.ok()) return std::move(s).WithContext(path + " offset " + std::to_string(off));
        if (f->events.empty()) {
          const auto* fd = e.As<binlog::FormatDescriptionEvent>();
          if (fd == nullptr) {
            return Status::InvalidArgument(path + " does not start with a FORMAT_DESCRIPTION "
                                                  "event; the MySQL test primary serves v4 binlogs");
          }
          f->checksum = fd->checksum_alg == binlog::ChecksumAlg::kCrc32;
        } else if (const auto* pg = e.As<binlog::PreviousGtidsEvent>()) {
          f->previous_gtids = pg->gtids;
        } else if (const auto* g = e.As<binlog::MysqlGtidEvent>(); g && !g->anonymous) {
          ev.gtid = gtid::MysqlGtid{g->sid, g->tag, g->gno};
          if (!f->first_gtid) f->first_gtid = ev.gtid;
          DM_RETURN_IF_ERROR(f->gtids.Add(*ev.gtid));
        }
      }
      f->events.push_back(ev);
    }
    DM_RETURN_IF_ERROR(split.status());
    if (f->events.empty()) return Status::InvalidArgument(path + " has no events");
    return std::shared_ptr<const File>(std::move(f));
  }
};

// State of one client connection.
struct MysqlPrimary::Conn {
  int fd;
  Wire wire;
  std::map<std::string, std::string> user_vars;  // lower-case name -> value
  explicit Conn(int f) : fd(f), wire(f) {}
};

Result<std::unique_ptr<MysqlPrimary>> MysqlPrimary::Start(MysqlPrimaryOptions options) {
  std::unique_ptr<MysqlPrimary> p(new MysqlPrimary());
  if (options.binlog_files.empty()) {
    return Status::InvalidArgument("MysqlPrimary needs at least one binlog file to serve");
  }
  for (const auto& path : options.binlog_files) {
    DM_ASSIGN_OR_RETURN(auto f, File::Load(path));
    p->files_.push_back(std::move(f));
  }
  p->checksum_ = p->files_.front()->checksum ? "CRC32" : "NONE";
  p->server_uuid_ = options.server_uuid;
  if (p->server_uuid_.empty()) {
    for (const auto& f : p->files_) {
      if (f->first_gtid) {
        p->server_uuid_ = f->first_gtid->sid.ToString();
        break;
      }
    }
  }
  if (p->server_uuid_.empty()) p->server_uuid_ = "5a0c63a6-9b1e-11ee-a000-000000000001";
  if (options.gtid_purged) {
    DM_ASSIGN_OR_RETURN(p->purged_, gtid::MysqlGtidSet::Parse(*options.gtid_purged));
  } else {
    p->purged_ = p->files_.front()->previous_gtids;
  }
  p->executed_ = p->purged_;
  for (const auto& f : p->files_) {
    p->executed_.Union(f->previous_gtids);
    p->executed_.Union(f->gtids);
  }
  p->options_ = std::move(options);
  p->version_ = VersionNumber(p->options_.server_version);

  p->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (p->listen_fd_ < 0) return Status::IOError(fmt::format("socket: {}", std::strerror(errno)));
  int one = 1;
  setsockopt(p->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof(addr);
  if (bind(p->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(p->listen_fd_, 16) != 0 ||
      getsockname(p->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) {
    return Status::IOError(fmt::format("MysqlPrimary cannot listen on 127.0.0.1: {}",
                                       std::strerror(errno)));
  }
  p->port_ = ntohs(addr.sin_port);
  p->wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (p->wake_fd_ < 0) return Status::IOError(fmt::format("eventfd: {}", std::strerror(errno)));
  MysqlPrimary* raw = p.get();
  p->acceptor_ = std::thread([raw] { raw->AcceptLoop(); });
  LogInfo("MySQL test primary {} listening on 127.0.0.1:{} serving {} file(s)",
          p->options_.server_version, p->port_, p->files_.size());
  return p;
}

MysqlPrimary::~MysqlPrimary() { Stop(); }

void MysqlPrimary::Stop() {
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  listen_fd_ = wake_fd_ = -1;
}

mysql::ConnectOptions MysqlPrimary::connect_options() const {
  mysql::ConnectOptions o;
  o.host = "127.0.0.1";
  o.port = port_;
  o.user = options_.user;
  o.password = options_.password;
  return o;
}

std::vector<std::string> MysqlPrimary::queries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queries_;
}

std::vector<DumpRequest> MysqlPrimary::dumps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dumps_;
}

void MysqlPrimary::AcceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      LogWarn("MySQL test primary: poll failed: {}", std::strerror(errno));
      return;
    }
    if (stopping_ || (fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // Replies are written packet by packet: without this, Nagle + delayed ACK add 40 ms to
    // each query.
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] {
      Serve(fd);
      std::lock_guard<std::mutex> l(mu_);
      open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
      close(fd);
    });
  }
}

void MysqlPrimary::Serve(int fd) {
  ++connections_;
  for (int n = refuse_next_; n > 0; n = refuse_next_) {
    if (refuse_next_.compare_exchange_weak(n, n - 1)) {
      ++refused_;
      return;  // closed by the caller, before any greeting
    }
  }
  Conn c(fd);
  if (!Handshake(c)) return;
  std::string pkt;
  while (!stopping_) {
    if (!c.wire.Read(&pkt) || pkt.empty()) return;
    const uint8_t cmd = static_cast<uint8_t>(pkt[0]);
    std::string_view arg(pkt.data() + 1, pkt.size() - 1);
    bool ok = true;
    switch (cmd) {
      case kComQuit:
        return;
      case kComPing:
      case kComInitDb:
      case kComRegisterSlave:
        ok = c.wire.Ok();
        break;
      case kComQuery:
        ok = Query(c, arg);
        break;
      case kComBinlogDump:
      case kComBinlogDumpGtid:
        ok = Dump(c, cmd, arg);
        break;
      default:
        ok = c.wire.Err(kErUnknownCom, "08S01", "Unknown command");
        break;
    }
    if (!ok) return;
  }
}

bool MysqlPrimary::Handshake(Conn& c) {
  Wire& w = c.wire;
  const uint32_t conn_id = next_conn_id_++;
  std::string scramble(20, '\0');
  {
    std::random_device rd;
    std::uniform_int_distribution<int> dist(1, 126);
    for (auto& ch : scramble) ch = static_cast<char>(dist(rd));
  }
  std::string hs(1, '\x0a');
  hs += options_.server_version;
  hs.push_back(0);
  Put32(&hs, conn_id);
  hs.append(scramble, 0, 8);
  hs.push_back(0);
  Put16(&hs, static_cast<uint16_t>(kServerCaps));
  hs.push_back(static_cast<char>(kCharsetUtf8GeneralCi));
  Put16(&hs, kStatusAutocommit);
  Put16(&hs, static_cast<uint16_t>(kServerCaps >> 16));
  hs.push_back(21);               // length of the auth plugin data
  hs.append(10, '\0');            // reserved
  hs.append(scramble, 8, 12);
  hs.push_back(0);
  hs += kNativePassword;
  hs.push_back(0);
  w.ResetSeq(0);
  if (!w.Write(hs)) return false;

  std::string pkt;
  if (!w.Read(&pkt)) return false;
  // HandshakeResponse41: caps u32, max packet u32, charset u8, 23 filler, user NUL, auth data.
  if (pkt.size() < 32) {
    w.Err(1043, "08S01", "Bad handshake");
    return false;
  }
  const uint32_t caps = static_cast<uint32_t>(GetN(pkt, 0, 4));
  size_t at = 32;
  size_t nul = pkt.find('\0', at);
  if (nul == std::string::npos) {
    w.Err(1043, "08S01", "Bad handshake");
    return false;
  }
  std::string user = pkt.substr(at, nul - at);
  at = nul + 1;
  std::string auth;
  if ((caps & kClientPluginAuthLenencData) != 0) {
    uint64_t n = 0;
    if (!GetLenenc(pkt, &at, &n) || at + n > pkt.size()) {
      w.Err(1043, "08S01", "Bad handshake");
      return false;
    }
    auth = pkt.substr(at, n);
    at += n;
  } else if ((caps & kClientSecureConnection) != 0 && at < pkt.size()) {
    size_t n = static_cast<uint8_t>(pkt[at++]);
    auth = pkt.substr(at, n);
    at += n;
  }
  std::string plugin = kNativePassword;
  if ((caps & kClientConnectWithDb) != 0 && at < pkt.size()) {
    nul = pkt.find('\0', at);
    at = nul == std::string::npos ? pkt.size() : nul + 1;
  }
  if ((caps & kClientPluginAuth) != 0 && at < pkt.size()) {
    nul = pkt.find('\0', at);
    plugin = pkt.substr(at, nul == std::string::npos ? std::string::npos : nul - at);
  }
  if (plugin != kNativePassword) {
    ++auth_failures_;
    w.Err(1251, "08004",
          "Client does not support authentication protocol requested by server; the MySQL test "
          "primary speaks mysql_native_password only (client asked for " + plugin + ")");
    return false;
  }
  if (user != options_.user || auth != NativeScramble(scramble, options_.password)) {
    ++auth_failures_;
    w.Err(kErAccessDenied, "28000",
          fmt::format("Access denied for user '{}'@'127.0.0.1' (using password: {})", user,
                      auth.empty() ? "NO" : "YES"));
    return false;
  }
  return w.Ok();
}

std::optional<std::string> MysqlPrimary::SysVar(const std::string& name) const {
  if (name == "version") return options_.server_version;
  if (name == "version_comment") return std::string("MySQL Community Server - GPL (dm test primary)");
  if (name == "server_id") return std::to_string(options_.server_id);
  if (name == "server_uuid") return server_uuid_;
  if (name == "log_bin") return std::string("1");
  if (name == "binlog_format") return options_.binlog_format;
  if (name == "binlog_row_image") return options_.binlog_row_image;
  if (name == "binlog_checksum") return checksum_;
  if (name == "gtid_mode") return std::string(options_.gtid_mode ? "ON" : "OFF");
  if (name == "enforce_gtid_consistency") return std::string(options_.gtid_mode ? "ON" : "OFF");
  if (name == "gtid_executed") return executed_.ToString();
  if (name == "gtid_purged") return purged_.ToString();
  return std::nullopt;
}

namespace {
// The statements DetectUpstream and BinlogStream send, and nothing else:
//   SELECT @@[global.|session.]<variable>        (one system variable)
//   SET @user_var = <number | 'string' | @@[global.]variable> [, ...]   (and other SETs: OK)
//   SHOW MASTER STATUS (before 8.4), SHOW BINARY LOG STATUS (8.2+), SHOW BINARY LOGS
const std::regex kSelectVar(R"(SELECT\s+@@(?:(GLOBAL|SESSION)\.)?([A-Za-z_][A-Za-z0-9_]*))",
                            std::regex::icase);
const std::regex kUserVarAssign(R"(\s*@([A-Za-z_][A-Za-z0-9_]*)\s*:?=\s*(.*?)\s*)");
const std::regex kNumber(R"(-?[0-9]+)");
const std::regex kString(R"('((?:[^'\\]|''|\\.)*)')");
const std::regex kSysVarRef(R"(@@(?:(?:GLOBAL|SESSION)\.)?([A-Za-z_][A-Za-z0-9_]*))",
                            std::regex::icase);
}  // namespace

bool MysqlPrimary::Query(Conn& c, std::string_view sql_in) {
  Wire& w = c.wire;
  std::string sql(Trim(sql_in));
  {
    std::lock_guard<std::mutex> lock(mu_);
    queries_.push_back(sql);
  }
  std::string up = Upper(sql);
  std::smatch m;
  if (std::regex_match(sql, m, kSelectVar)) {
    std::string name = Lower(m[2].str());
    auto v = SysVar(name);
    if (!v) {
      return w.Err(kErUnknownSystemVariable, "HY000",
                   "Unknown system variable '" + name + "'");
    }
    return w.ResultSet({sql.substr(7)}, {{*v}});
  }
  if (up.rfind("SET ", 0) == 0) {
    // Split the assignments at top-level commas (outside quotes).
    std::vector<std::string> parts;
    std::string cur;
    bool quoted = false;
    for (size_t i = 4; i < sql.size(); ++i) {
      char ch = sql[i];
      if (ch == '\'') quoted = !quoted;
      if (ch == ',' && !quoted) {
        parts.push_back(cur);
        cur.clear();
      } else {
        cur += ch;
      }
    }
    parts.push_back(cur);
    for (const auto& part : parts) {
      std::smatch a;
      if (!std::regex_match(part, a, kUserVarAssign)) continue;  // system variable: accepted
      std::string name = Lower(a[1].str());
      std::string expr = a[2].str();
      std::smatch v;
      if (std::regex_match(expr, kNumber)) {
        c.user_vars[name] = expr;
      } else if (std::regex_match(expr, v, kString)) {
        c.user_vars[name] = v[1].str();
      } else if (std::regex_match(expr, v, kSysVarRef)) {
        auto val = SysVar(Lower(v[1].str()));
        if (!val) {
          return w.Err(kErUnknownSystemVariable, "HY000",
                       "Unknown system variable '" + Lower(v[1].str()) + "'");
        }
        c.user_vars[name] = *val;
      } else {
        return w.Err(kErUnknown, "HY000",
                     "the MySQL test primary (src/dm/testing/mysql_primary.cc) cannot evaluate '" +
                         expr + "' in '" + sql + "'; teach it what MySQL returns");
      }
    }
    return w.Ok();
  }
  const bool master_status = up == "SHOW MASTER STATUS" && version_ < 80400;
  const bool binary_log_status = up == "SHOW BINARY LOG STATUS" && version_ >= 80200;
  if (master_status || binary_log_status) {
    return w.ResultSet({"File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set"},
                       {{files_.back()->name, std::to_string(files_.back()->bytes.size()), "", "",
                         executed_.ToString()}});
  }
  if (up == "SHOW MASTER STATUS" || up == "SHOW BINARY LOG STATUS") {
    return w.Err(kErParse, "42000",
                 "You have an error in your SQL syntax; check the manual that corresponds to "
                 "your MySQL server version for the right syntax to use near '" +
                     sql.substr(5) + "' at line 1");
  }
  if (up == "SHOW BINARY LOGS" || up == "SHOW MASTER LOGS") {
    std::vector<std::string> cols = {"Log_name", "File_size"};
    if (version_ >= 80014) cols.push_back("Encrypted");
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (const auto& f : files_) {
      rows.push_back({f->name, std::to_string(f->bytes.size())});
      if (version_ >= 80014) rows.back().push_back("No");
    }
    return w.ResultSet(cols, rows);
  }
  return w.Err(kErUnknown, "HY000",
               "the MySQL test primary (src/dm/testing/mysql_primary.cc) does not answer the "
               "query '" + sql + "'; teach it what MySQL returns for it");
}

// COM_BINLOG_DUMP / COM_BINLOG_DUMP_GTID. Returns false when the connection must close.
bool MysqlPrimary::Dump(Conn& c, uint8_t cmd, std::string_view arg) {
  Wire& w = c.wire;
  const int fd = c.fd;
  // ---- parse the request ----
  DumpRequest req;
  req.command = cmd;
  bool bad = false;
  if (cmd == kComBinlogDump) {
    // pos u32, flags u16, server_id u32, file name (rest)
    if (arg.size() < 10) {
      bad = true;
    } else {
      req.pos = GetN(arg, 0, 4);
      req.flags = static_cast<uint16_t>(GetN(arg, 4, 2));
      req.server_id = static_cast<uint32_t>(GetN(arg, 6, 4));
      req.file = std::string(arg.substr(10));
    }
  } else {
    // flags u16, server_id u32, name_len u32, name, pos u64, data_len u32, data. MySQL
    // (com_binlog_dump_gtid) reads data_len whatever the flags say; the replica sets
    // BINLOG_THROUGH_GTID when it sends a set.
    if (arg.size() < 10) {
      bad = true;
    } else {
      req.flags = static_cast<uint16_t>(GetN(arg, 0, 2));
      req.server_id = static_cast<uint32_t>(GetN(arg, 2, 4));
      size_t name_len = GetN(arg, 6, 4);
      size_t p = 10;
      if (p + name_len + 8 > arg.size()) {
        bad = true;
      } else {
        req.file = std::string(arg.substr(p, name_len));
        p += name_len;
        req.pos = GetN(arg, p, 8);
        p += 8;
        if (p + 4 > arg.size()) {
          bad = true;
        } else {
          size_t n = GetN(arg, p, 4);
          p += 4;
          if (p + n > arg.size()) bad = true;
          else req.gtid_data = std::string(arg.substr(p, n));
        }
      }
    }
  }
  gtid::MysqlGtidSet requested;
  if (!bad && cmd == kComBinlogDumpGtid) {
    auto set = gtid::DecodeMysqlGtidSet(req.gtid_data);
    if (!set.ok()) {
      // A real MySQL fails the same way (Gtid_set::add_gtid_encoding); say why, so an
      // encoding bug in the client shows in the test's error.
      w.Err(kErMasterFatalReadingBinlog, "HY000",
            "COM_BINLOG_DUMP_GTID with a malformed GTID set: " + set.status().ToString());
      std::lock_guard<std::mutex> lock(mu_);
      dumps_.push_back(req);
      return false;
    } else {
      requested = std::move(set).value();
      req.gtid_set = requested.ToString();
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    dumps_.push_back(req);
  }
  if (bad) {
    w.Err(kErMasterFatalReadingBinlog, "HY000", "malformed binlog dump request");
    return false;
  }
  auto fatal = [&](const std::string& msg) {
    w.Err(kErMasterFatalReadingBinlog, "HY000", msg);
  };

  // ---- checks, as MySQL's Binlog_sender::init / check_start_file ----
  const bool by_gtid = cmd == kComBinlogDumpGtid;
  if (by_gtid && !options_.gtid_mode) {
    fatal("Request to dump GTID when @@GLOBAL.GTID_MODE <> ON.");
    return true;
  }
  std::string declared;  // the replica's @source/@master_binlog_checksum
  for (const char* n : {"source_binlog_checksum", "master_binlog_checksum"}) {
    if (auto it = c.user_vars.find(n); it != c.user_vars.end()) declared = Upper(it->second);
  }
  if (declared.empty() && files_.front()->checksum) {
    fatal("Slave can not handle replication events with the checksum that master is "
          "configured to log");
    return true;
  }
  bool checksum_on = declared == "CRC32";  // for the artificial events until the first FD
  size_t idx = 0;
  bool clear_fd = false;
  if (!req.file.empty()) {
    auto it = std::find_if(files_.begin(), files_.end(),
                           [&](const auto& f) { return f->name == req.file; });
    if (it == files_.end()) {
      fatal("Could not find first log file name in binary log index file");
      return true;
    }
    idx = static_cast<size_t>(it - files_.begin());
  } else if (by_gtid) {
    if (!requested.Contains(purged_)) {
      if (version_ >= 80000) {
        fatal("Cannot replicate because the source purged required binary logs. Replicate "
              "the missing transactions from elsewhere, or provision a new replica from "
              "backup. Consider increasing the source's binary log expiration period. The "
              "GTID set sent by the replica is '" + requested.ToString() +
              "', and the missing transactions are '" +
              purged_.Subtract(requested).ToString() + "'");
      } else {
        fatal("The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but "
              "the master has purged binary logs containing GTIDs that the slave requires.");
      }
      return true;
    }
    bool more = false;
    const gtid::MysqlGtidSet unknown = requested.Subtract(executed_);
    for (const auto& [tsid, iv] : unknown.entries()) {
      if (tsid.uuid.ToString() == server_uuid_) more = true;
    }
    if (more) {
      fatal("Slave has more GTIDs than the master has, using the master's SERVER_UUID. This "
            "may indicate that the end of the binary log was truncated or that the last "
            "binary log file was lost, e.g., after a power or disk failure when "
            "sync_binlog != 1.");
      return true;
    }
    // The last file whose PREVIOUS_GTIDS the replica already has.
    for (size_t i = 0; i < files_.size(); ++i) {
      if (requested.Contains(files_[i]->previous_gtids)) idx = i;
    }
    const auto& first = files_[idx]->first_gtid;
    clear_fd = first && requested.Contains(*first);
  }
  uint64_t start_pos = req.pos;
  if (start_pos < 4) {
    fatal("Client requested master to start replication from position < 4");
    return true;
  }
  if (start_pos > files_[idx]->bytes.size()) {
    fatal("Client requested master to start replication from position > file size");
    return true;
  }

  // ---- stream ----
  const std::string hb_name = c.user_vars.count("source_heartbeat_period")
                                  ? "source_heartbeat_period"
                                  : "master_heartbeat_period";
  uint64_t heartbeat_ns = 0;
  if (auto it = c.user_vars.find(hb_name); it != c.user_vars.end()) {
    heartbeat_ns = std::strtoull(it->second.c_str(), nullptr, 10);
  }
  int drop_after = drop_next_after_.exchange(0);
  int sent_file_events = 0;
  bool alive = true;
  auto send_event = [&](std::string_view ev) {
    std::string p(1, '\0');
    p += ev;
    alive = alive && w.Write(p);
    return alive;
  };
  auto artificial = [&](EventType type, uint32_t log_pos, uint16_t flags,
                        const std::string& body) {
    std::string ev(19, '\0');
    ev += body;
    if (checksum_on) ev.append(4, '\0');
    ev[4] = static_cast<char>(type);
    Store32(&ev[5], options_.server_id);
    Store32(&ev[9], static_cast<uint32_t>(ev.size()));
    Store32(&ev[13], log_pos);
    ev[17] = static_cast<char>(flags);
    ev[18] = static_cast<char>(flags >> 8);
    if (checksum_on) {
      Store32(&ev[ev.size() - 4],
              binlog::Crc32(std::string_view(ev.data(), ev.size() - 4)));
    }
    return send_event(ev);
  };
  auto heartbeat = [&](const File& f, uint64_t log_pos) {
    return artificial(EventType::kHeartbeat, static_cast<uint32_t>(log_pos), 0, f.name);
  };
  bool dropped = false;
  for (size_t i = idx; i < files_.size() && alive && !dropped; ++i) {
    const File& f = *files_[i];
    std::string rot;
    Put64(&rot, start_pos);
    rot += f.name;
    if (!artificial(EventType::kRotate, 0, binlog::kLogEventArtificial, rot)) break;
    // FORMAT_DESCRIPTION: BINLOG_IN_USE cleared; log_pos and created zeroed when the
    // dump skips the start of the file (the CRC is recomputed then).
    std::string fde(f.events[0].raw);
    fde[17] = static_cast<char>(fde[17] & ~binlog::kLogEventBinlogInUse);
    // Binlog_sender::send_binlog: by position, for a start inside the file; by GTID, when
    // the first GTID of the first file is skipped (the same answer for every file).
    if (by_gtid ? clear_fd : start_pos > 4) {
      Store32(&fde[13], 0);
      if (fde.size() >= 19 + 2 + 50 + 4) Store32(&fde[19 + 2 + 50], 0);
      if (f.checksum) {
        Store32(&fde[fde.size() - 4],
                binlog::Crc32(std::string_view(fde.data(), fde.size() - 4)));
      }
    }
    if (!send_event(fde)) break;
    checksum_on = f.checksum;
    const uint64_t from = start_pos == 4 ? f.events[0].offset + f.events[0].raw.size() : start_pos;
    size_t k = 1;
    while (k < f.events.size() && f.events[k].offset < from) ++k;
    if (k < f.events.size() && f.events[k].offset != from) {
      fatal("bogus data in log event; the first event '" + f.name + "' at " +
            std::to_string(start_pos) + " does not start an event");
      alive = false;
      break;
    }
    bool in_excluded = false;
    uint64_t excluded_end = 0;
    for (; k < f.events.size() && alive; ++k) {
      const File::Event& ev = f.events[k];
      const uint64_t end = ev.offset + ev.raw.size();
      if (by_gtid) {
        // Binlog_sender::skip_event: a GTID decides for its group; ROTATE is always
        // sent; every other event follows the group it is in.
        if (ev.type == EventType::kGtid || ev.type == EventType::kGtidTagged) {
          in_excluded = ev.gtid && requested.Contains(*ev.gtid);
        } else if (ev.type == EventType::kRotate) {
          in_excluded = false;
        }
        if (in_excluded) {
          excluded_end = end;
          continue;
        }
        if (excluded_end != 0) {
          if (!heartbeat(f, excluded_end)) break;
          excluded_end = 0;
        }
      }
      if (!send_event(ev.raw)) break;
      if (drop_after > 0 && ++sent_file_events >= drop_after) {
        dropped = true;
        break;
      }
    }
    if (alive && !dropped && in_excluded && !heartbeat(f, excluded_end)) break;
    start_pos = 4;
  }
  if (dropped) {
    LogInfo("MySQL test primary: dropping the dump connection after {} events as asked",
            sent_file_events);
    shutdown(fd, SHUT_RDWR);
    return false;
  }
  if (!alive) return false;
  if ((req.flags & kDumpNonBlock) != 0) {
    return w.Eof();
  }
  // Wait for new events that never come: heartbeats until the client goes away.
  const File& lf = *files_.back();
  const int wait_ms = heartbeat_ns == 0 ? -1 : static_cast<int>(std::max<uint64_t>(1, heartbeat_ns / 1000000));
  while (!stopping_) {
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r != 0) return false;  // the client sent something or closed: end the dump
    if (!heartbeat(lf, lf.bytes.size())) return false;
  }
  return false;
}

}  // namespace dm::testing
