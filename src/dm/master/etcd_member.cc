#include "dm/master/etcd_member.h"

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "dm/api/http.h"
#include "dm/base/log.h"
#include "dm/process/child_process.h"

namespace dm::master {

namespace {

std::string Url(const std::string& addr, bool https) {
  std::string a = addr;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (a.rfind(scheme, 0) == 0) a = a.substr(scheme.size());
  }
  if (!a.empty() && a[0] == ':') a = "0.0.0.0" + a;
  return (https ? "https://" : "http://") + a;
}

// Every URL of a comma-separated list (items may be `name=url`, as in initial-cluster)
// with the scheme TLS calls for, as DM's WrapSchemes: with TLS on, "http://" becomes
// "https://" (and a URL without scheme gets one).
std::string WithScheme(const std::string& list, bool https) {
  std::string out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) {
      size_t eq = item.find('=');
      std::string prefix = eq == std::string::npos ? "" : item.substr(0, eq + 1);
      out += (out.empty() ? "" : ",") + prefix + Url(item.substr(prefix.size()), https);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string Advertised(const std::string& url) {
  std::string u = url;
  size_t p = u.find("0.0.0.0");
  if (p != std::string::npos) u.replace(p, 7, "127.0.0.1");
  return u;
}

// initial-cluster for a joining member: every named member plus ourselves, from a
// member list/add response.
std::string ClusterFromMembers(const nlohmann::json& resp, const std::string& name,
                               const std::string& peer) {
  std::string cluster;
  for (const auto& mem : resp.value("members", nlohmann::json::array())) {
    if (!mem.contains("peerURLs") || mem["peerURLs"].empty()) continue;
    std::string purl = mem["peerURLs"][0].get<std::string>();
    std::string n = purl == peer ? name : mem.value("name", "");
    if (n.empty()) continue;  // another member that was added but never started
    cluster += (cluster.empty() ? "" : ",") + n + "=" + purl;
  }
  return cluster;
}

bool HasPeer(const nlohmann::json& resp, const std::string& peer) {
  for (const auto& mem : resp.value("members", nlohmann::json::array())) {
    for (const auto& u : mem.value("peerURLs", nlohmann::json::array())) {
      if (u.get<std::string>() == peer) return true;
    }
  }
  return false;
}

// Asks the running masters for the etcd client endpoints, then adds this member. etcd
// refuses a member add until every member has been connected for a few seconds ("not
// healthy for reconfigure", e.g. right after a restart), so this retries for up to a
// minute. It is idempotent: a member add that went through but whose answer was lost is
// found in the member list instead of being added twice.
Result<std::string> JoinExisting(const EtcdMemberOptions& o, const std::string& peer) {
  Status last = Status::Unavailable("no master given in --join");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& m : o.join) {
      auto r = api::HttpCall(m, "GET", "/internal/v1/cluster/etcd", "", 5000, o.tls);
      if (!r.ok() || r->status != 200) {
        last = r.ok() ? Status::Unavailable("master " + m + " answered " +
                                            std::to_string(r->status) + ": " + r->body)
                      : r.status();
        continue;
      }
      nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_object() || !j["endpoints"].is_array()) {
        last = Status::Internal("master " + m + " sent a malformed endpoint list");
        continue;
      }
      for (const auto& ep_json : j["endpoints"]) {
        const std::string ep = ep_json.get<std::string>();
        auto list = api::HttpCall(ep, "POST", "/v3/cluster/member/list", "{}", 5000, o.tls);
        if (list.ok() && list->status == 200) {
          nlohmann::json members = nlohmann::json::parse(list->body, nullptr, false);
          if (members.is_object() && HasPeer(members, peer)) {
            return ClusterFromMembers(members, o.name, peer);
          }
        }
        nlohmann::json add = {{"peerURLs", {peer}}};
        auto a = api::HttpCall(ep, "POST", "/v3/cluster/member/add", add.dump(), 10000, o.tls);
        if (a.ok() && a->status == 200) {
          nlohmann::json resp = nlohmann::json::parse(a->body, nullptr, false);
          if (resp.is_object()) return ClusterFromMembers(resp, o.name, peer);
        }
        last = a.ok() ? Status::Unavailable("etcd " + ep + " refused member add: " + a->body)
                      : a.status();
      }
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return std::move(last).WithContext("joining the cluster through " +
                                     std::to_string(o.join.size()) + " master(s) for 60 s");
}

}  // namespace

Result<std::unique_ptr<EtcdMember>> EtcdMember::Start(EtcdMemberOptions o, int timeout_s) {
  std::unique_ptr<EtcdMember> m(new EtcdMember());
  if (o.data_dir.empty()) o.data_dir = "default." + o.name;
  std::filesystem::create_directories(o.data_dir);
  const std::string data = o.data_dir + "/etcd";
  const bool https = o.tls.enabled();
  o.peer_urls = WithScheme(o.peer_urls, https);
  o.advertise_peer_urls = o.advertise_peer_urls.empty() ? Advertised(o.peer_urls)
                                                        : WithScheme(o.advertise_peer_urls, https);
  if (!o.initial_cluster.empty()) o.initial_cluster = WithScheme(o.initial_cluster, https);
  const std::string client = Url(o.client_addr, https);
  m->client_url_ = Advertised(o.advertise_client_addr.empty() ? client
                                                               : Url(o.advertise_client_addr, https));
  if (o.log_file.empty()) o.log_file = o.data_dir + "/etcd.log";

  std::vector<std::string> argv = {
      o.etcd_binary,
      "--name=" + o.name,
      "--data-dir=" + data,
      "--listen-client-urls=" + client,
      "--advertise-client-urls=" + m->client_url_,
      "--listen-peer-urls=" + o.peer_urls,
      "--initial-advertise-peer-urls=" + o.advertise_peer_urls,
      "--auto-compaction-mode=periodic",
      "--auto-compaction-retention=1h",
      "--max-txn-ops=2048",
  };
  if (https) {
    // Mutual TLS for clients (dm-master, dm-worker, etcd's own gateway) and peers.
    for (const char* side : {"", "peer-"}) {
      argv.push_back(std::string("--") + side + "cert-file=" + o.tls.cert_file);
      argv.push_back(std::string("--") + side + "key-file=" + o.tls.key_file);
      argv.push_back(std::string("--") + side + "trusted-ca-file=" + o.tls.ca_file);
      argv.push_back(std::string("--") + side + "client-cert-auth");
    }
  }
  if (o.quota_backend_bytes > 0) {
    argv.push_back("--quota-backend-bytes=" + std::to_string(o.quota_backend_bytes));
  }
  const bool restart = std::filesystem::exists(data + "/member");
  if (!restart) {
    if (!o.join.empty()) {
      DM_ASSIGN_OR_RETURN(std::string cluster, JoinExisting(o, o.advertise_peer_urls));
      argv.push_back("--initial-cluster=" + cluster);
      argv.push_back("--initial-cluster-state=existing");
    } else {
      argv.push_back("--initial-cluster=" +
                     (o.initial_cluster.empty() ? o.name + "=" + o.advertise_peer_urls
                                                : o.initial_cluster));
      argv.push_back("--initial-cluster-state=new");
    }
  }
  process::ChildProcess::Options co;
  co.argv = argv;
  co.output_path = o.log_file;
  auto child = process::ChildProcess::Spawn(co);
  if (!child.ok()) {
    return std::move(child).status().WithContext(
        "starting the embedded etcd member (install etcd-server, or use --etcd-endpoints)");
  }
  m->child_ = std::move(child).value();
  m->options_ = std::move(o);
  LogInfo("etcd member {} started (pid {}), client {}, log {}", m->options_.name,
          m->child_->pid(), m->client_url_, m->options_.log_file);
  if (timeout_s > 0) DM_RETURN_IF_ERROR(m->WaitServing(timeout_s));
  return m;
}

Status EtcdMember::WaitServing(int timeout_s) {
  for (int i = 0; i < timeout_s * 10; ++i) {
    if (!child_ || !child_->Running()) {
      return Status(Code::kUnavailable,
                    "the embedded etcd member exited (" +
                        (child_ ? child_->DescribeExit() : std::string("stopped")) +
                        "); its log " + options_.log_file + " ends with:\n" +
                        process::TailFile(options_.log_file, 15),
                    Scope::kInternal);
    }
    auto h = api::HttpCall(client_url_, "GET", "/version", "", 1000, options_.tls);
    if (h.ok() && h->status == 200) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status(Code::kDeadlineExceeded,
                "the embedded etcd member did not serve on " + client_url_ + " within " +
                    std::to_string(timeout_s) +
                    " s (a new multi-member cluster serves once a majority of its members "
                    "run); see " + options_.log_file,
                Scope::kInternal);
}

EtcdMember::~EtcdMember() { (void)Stop(); }

bool EtcdMember::Running() { return child_ && child_->Running(); }

Status EtcdMember::Stop() {
  if (!child_) return Status::OK();
  Status s = child_->Stop(std::chrono::seconds(10));
  child_.reset();
  return s;
}

namespace {

// POST `path` with `body` to the first endpoint that answers 200; its JSON.
Result<nlohmann::json> GatewayCall(const std::vector<std::string>& endpoints, const std::string& path,
                                   const std::string& body, const api::TlsOptions& tls) {
  Status last = Status::Unavailable("no etcd endpoint known");
  for (const auto& ep : endpoints) {
    auto r = api::HttpCall(ep, "POST", path, body, 10000, tls);
    if (!r.ok()) {
      last = r.status();
      continue;
    }
    nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status == 200 && j.is_object()) return j;
    std::string msg = j.is_object() ? j.value("message", j.value("error", r->body)) : r->body;
    // An answer from etcd (not a connection problem) is final.
    return Status::FailedPrecondition("etcd " + ep + " refused " + path + ": " + msg);
  }
  return last;
}

}  // namespace

Result<std::vector<EtcdMemberInfo>> ListEtcdMembers(const std::vector<std::string>& endpoints,
                                                    const api::TlsOptions& tls) {
  DM_ASSIGN_OR_RETURN(nlohmann::json j,
                      GatewayCall(endpoints, "/v3/cluster/member/list", "{}", tls));
  std::vector<EtcdMemberInfo> out;
  for (const auto& m : j.value("members", nlohmann::json::array())) {
    EtcdMemberInfo info;
    const auto& id = m.contains("ID") ? m["ID"] : nlohmann::json();
    info.id = id.is_string() ? id.get<std::string>() : id.is_number() ? std::to_string(id.get<uint64_t>()) : "";
    info.name = m.value("name", "");
    for (const auto& u : m.value("peerURLs", nlohmann::json::array())) info.peer_urls.push_back(u.get<std::string>());
    for (const auto& u : m.value("clientURLs", nlohmann::json::array())) info.client_urls.push_back(u.get<std::string>());
    out.push_back(std::move(info));
  }
  return out;
}

Status RemoveEtcdMember(const std::vector<std::string>& endpoints, const std::string& id,
                        const api::TlsOptions& tls) {
  nlohmann::json body = {{"ID", id}};
  return GatewayCall(endpoints, "/v3/cluster/member/remove", body.dump(), tls).status();
}

}  // namespace dm::master
