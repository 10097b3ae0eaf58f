#pragma once
// EtcdMember: the etcd member a dm-master runs and supervises as a child process, built
// from dm-master's DM-style flags. To the user it is embedded, as in DM.
//
//  - new cluster: `--initial-cluster name1=peer1,name2=peer2,...` (default: just this one)
//  - joining: `--join` lists running masters; we ask one of them for the etcd client
//    endpoints (GET /internal/v1/cluster/etcd), add ourselves as a member through etcd's JSON
//    gateway (POST /v3/cluster/member/add) and start with initial-cluster-state=existing.
//  - TLS (options.tls enabled, DM's ssl-* of dm-master): client and peer URLs are https;
//    the member serves with ssl-cert/ssl-key and requires client and peer certificates
//    signed by ssl-ca (--client-cert-auth, --peer-client-cert-auth). The certificate must
//    allow both server and client use: etcd's gateway and its peers present it as a client.
//  - restart: a data dir that already holds a member restarts it as is (flags other than
//    the data dir are then ignored by etcd).
//
// The child dies with dm-master (PDEATHSIG) and is stopped by pid on Stop()/destruction.
// Thread-safety: Start/Stop from one thread; endpoint() is immutable after Start.

#include <memory>
#include <string>
#include <vector>

#include "dm/api/http.h"
#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::process {
class ChildProcess;
}

namespace dm::master {

struct EtcdMemberOptions {
  std::string name = "dm-master";
  std::string data_dir;                 // etcd data goes to <data_dir>/etcd
  std::string peer_urls = "http://127.0.0.1:8291";
  std::string advertise_peer_urls;      // default: peer_urls
  std::string client_addr;              // host:port of the member's client listener
  std::string advertise_client_addr;    // default: client_addr (0.0.0.0 -> 127.0.0.1)
  std::string initial_cluster;          // default: name=advertise_peer_urls
  std::vector<std::string> join;        // master addresses of a running cluster
  std::string etcd_binary = "etcd";
  std::string log_file;                 // etcd's own log; default <data_dir>/etcd.log
  int quota_backend_bytes = 0;          // 0 = etcd default
  api::TlsOptions tls;                  // enabled: https client and peer URLs, mutual TLS
};

class EtcdMember {
 public:
  // Starts the member and, if `timeout_s` > 0, waits that long until it serves clients.
  // A member of a new multi-member cluster serves only once a majority runs: start them
  // all with timeout_s = 0, then WaitServing(). Errors name the log file to read.
  static Result<std::unique_ptr<EtcdMember>> Start(EtcdMemberOptions options, int timeout_s = 60);
  Status WaitServing(int timeout_s);
  ~EtcdMember();

  // The client URL other components use, e.g. "http://127.0.0.1:9261".
  const std::string& client_url() const { return client_url_; }
  // The peer URLs other members reach this one at (with the scheme TLS calls for).
  const std::string& advertise_peer_urls() const { return options_.advertise_peer_urls; }
  bool Running();
  Status Stop();

 private:
  EtcdMember() = default;
  EtcdMemberOptions options_;
  std::string client_url_;
  std::unique_ptr<process::ChildProcess> child_;
};

// The etcd cluster's members, through etcd's JSON gateway at the first of `endpoints`
// (client URLs) that answers. For list-member and offline-member --master.
struct EtcdMemberInfo {
  std::string id;    // etcd's uint64 member id, as the gateway writes it (decimal)
  std::string name;  // the dm-master name for members a master runs
  std::vector<std::string> peer_urls, client_urls;
};
Result<std::vector<EtcdMemberInfo>> ListEtcdMembers(const std::vector<std::string>& endpoints,
                                                    const api::TlsOptions& tls = {});
// Removes member `id` from the cluster (etcd refuses to remove the last one, and a removal
// that would lose quorum is refused by etcd too; its message is returned).
Status RemoveEtcdMember(const std::vector<std::string>& endpoints, const std::string& id,
                        const api::TlsOptions& tls = {});

}  // namespace dm::master
