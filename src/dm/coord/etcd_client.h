#pragma once
// EtcdClient: a synchronous client for etcd's v3 gRPC API (KV, Txn, Lease; Watch through
// dm/coord/watcher.h). This is the only way the control plane talks to etcd.
//
// Endpoints: Connect() dials the endpoints in the given order and uses the first one that
// accepts a connection. Before each call the client makes sure the current endpoint is
// connected (waiting at most dial_timeout); one that is not is skipped for the next one
// (nothing was sent, so this is safe for writes too). A call that fails with gRPC
// UNAVAILABLE switches the client to the next endpoint; reads (Get, GetPrefix,
// LeaseTimeToLive, LeaseKeepAliveOnce) are then retried there, writes are not (the write
// may have been applied: the caller decides; make writes idempotent with a Txn).
//
// Deadlines: every call has one (ClientOptions::request_timeout); nothing blocks forever.
//
// Failure: errors are dm::Status, classified once from the gRPC status code:
//   UNAVAILABLE -> kUnavailable, DEADLINE_EXCEEDED -> kDeadlineExceeded (both retryable),
//   RESOURCE_EXHAUSTED -> kUnavailable, OUT_OF_RANGE (compacted / future revision) and
//   FAILED_PRECONDITION -> kFailedPrecondition, NOT_FOUND (unknown lease) -> kNotFound,
//   INVALID_ARGUMENT -> kInvalidArgument, PERMISSION_DENIED / UNAUTHENTICATED ->
//   kFailedPrecondition (scope kConfig), UNIMPLEMENTED -> kNotSupported, CANCELLED ->
//   kCancelled, DATA_LOSS -> kCorruption, others -> kInternal.
// Messages read "etcd <endpoint>: <Method> <key>: <server message>".
//
// Ownership: the client owns its gRPC channels. Watchers it creates share the channels and
// may outlive it; Session and Election borrow the client (it must outlive them).
// Thread-safety: all methods are thread-safe; calls from many threads run concurrently.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::coord {

class Transport;  // internal: channels and stubs (dm/coord/internal/transport.h)
class Watcher;
struct WatchOptions;

struct TlsOptions {
  std::string ca_file;    // PEM; empty = system roots
  std::string cert_file;  // PEM client certificate; empty = no client auth
  std::string key_file;   // PEM private key for cert_file
};

struct ClientOptions {
  std::chrono::milliseconds dial_timeout{5000};     // per endpoint, in Connect()
  std::chrono::milliseconds request_timeout{5000};  // per call (and per attempt)
  std::optional<TlsOptions> tls;  // set: TLS for every endpoint; "https://" also turns it on
};

// One stored key as etcd reports it. Revisions are etcd's store revisions.
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // 1 after creation, +1 per update
  int64_t lease = 0;    // 0 = none

  bool operator==(const KeyValue&) const = default;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  int64_t revision = 0;  // store revision the read was served at
  bool more = false;     // true if `limit` cut the result
};

struct GetOptions {
  enum class SortBy { kKey, kCreateRevision, kModRevision };
  SortBy sort_by = SortBy::kKey;
  bool descending = false;
  int64_t limit = 0;                // 0 = no limit
  int64_t revision = 0;             // 0 = latest; older revisions may be compacted
  int64_t max_create_revision = 0;  // 0 = no bound; else only keys created at or before it
  bool keys_only = false;
};

struct DeleteResult {
  int64_t deleted = 0;
  int64_t revision = 0;
};

// A Txn guard. Build with the factories: Compare::Value("k", Compare::Op::kEqual, "v").
struct Compare {
  enum class Target { kValue, kVersion, kCreateRevision, kModRevision, kLease };
  enum class Op { kEqual, kNotEqual, kGreater, kLess };

  std::string key;
  Target target = Target::kVersion;
  Op op = Op::kEqual;
  int64_t number = 0;  // for every target but kValue
  std::string value;   // for kValue

  static Compare Value(std::string key, Op op, std::string value);
  static Compare Version(std::string key, Op op, int64_t version);
  static Compare CreateRevision(std::string key, Op op, int64_t revision);
  static Compare ModRevision(std::string key, Op op, int64_t revision);
  static Compare Lease(std::string key, Op op, int64_t lease);
  // The key does not exist (CreateRevision == 0) / exists (CreateRevision > 0).
  static Compare Missing(std::string key) { return CreateRevision(std::move(key), Op::kEqual, 0); }
  static Compare Exists(std::string key) { return CreateRevision(std::move(key), Op::kGreater, 0); }
};

// One operation inside a Txn. Build with the factories: TxnOp::Put("k", "v").
struct TxnOp {
  enum class Type { kGet, kPut, kDelete, kTxn };

  Type type = Type::kGet;
  std::string key;
  std::string range_end;  // empty = just `key`; set by the *Prefix factories
  std::string value;      // kPut
  int64_t lease = 0;      // kPut
  // kTxn (a nested transaction, etcd >= 3.3): If compares Then then_ops Else else_ops.
  std::vector<Compare> compares;
  std::vector<TxnOp> then_ops;
  std::vector<TxnOp> else_ops;

  static TxnOp Get(std::string key);
  static TxnOp GetPrefix(std::string prefix);
  static TxnOp Put(std::string key, std::string value, int64_t lease = 0);
  static TxnOp Delete(std::string key);
  static TxnOp DeletePrefix(std::string prefix);
  static TxnOp Txn(std::vector<Compare> compares, std::vector<TxnOp> then_ops,
                   std::vector<TxnOp> else_ops = {});
};

struct TxnOpResult {
  TxnOp::Type type = TxnOp::Type::kGet;
  std::vector<KeyValue> kvs;           // kGet
  int64_t deleted = 0;                 // kDelete
  bool succeeded = false;              // kTxn: which branch the nested transaction took
  std::vector<TxnOpResult> responses;  // kTxn: results of that branch
};

struct TxnResult {
  bool succeeded = false;              // all compares held: the "then" ops ran, else the "else" ops
  int64_t revision = 0;                // store revision after the transaction
  std::vector<TxnOpResult> responses;  // one per op of the branch that ran, in order
};

struct LeaseGrantResult {
  int64_t id = 0;
  int64_t ttl = 0;  // seconds, as granted (etcd may raise a very small TTL)
};

struct LeaseTimeToLiveResult {
  int64_t id = 0;
  int64_t ttl = -1;  // remaining seconds; -1 if the lease expired or never existed
  int64_t granted_ttl = 0;
  std::vector<std::string> keys;  // only when asked for
};

// The range end that selects every key starting with `prefix` ("" selects all keys).
std::string PrefixRangeEnd(std::string_view prefix);

class EtcdClient {
 public:
  // Endpoints are "host:port", "http://host:port" or "https://host:port" (TLS).
  // Tries them in order, each for options.dial_timeout, and returns once one accepts a
  // connection. Fails with kInvalidArgument (no endpoints, unreadable TLS files) or
  // kUnavailable naming every endpoint that could not be reached.
  static Result<std::unique_ptr<EtcdClient>> Connect(const std::vector<std::string>& endpoints,
                                                     ClientOptions options = {});

  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // The key, or nullopt if it does not exist.
  Result<std::optional<KeyValue>> Get(std::string_view key);
  // Every key starting with `prefix`, sorted by key unless options say otherwise.
  Result<RangeResult> GetPrefix(std::string_view prefix, const GetOptions& options = {});
  // Returns the store revision of the write. `lease` 0 = no lease; an unknown lease fails
  // with kNotFound.
  Result<int64_t> Put(std::string_view key, std::string_view value, int64_t lease = 0);
  Result<DeleteResult> Delete(std::string_view key);
  Result<DeleteResult> DeletePrefix(std::string_view prefix);
  // Atomically: if every compare holds, run `then_ops`, else `else_ops`. A key may be
  // written at most once per transaction (else kInvalidArgument from etcd).
  Result<TxnResult> Txn(const std::vector<Compare>& compares, const std::vector<TxnOp>& then_ops,
                        const std::vector<TxnOp>& else_ops = {});
  // Discards history before `revision` (watches from older revisions then fail).
  Status Compact(int64_t revision);

  Result<LeaseGrantResult> LeaseGrant(int64_t ttl_seconds);
  // Revokes the lease and deletes its keys. kNotFound if it does not exist (any more).
  Status LeaseRevoke(int64_t id);
  // Renews the lease once; returns its new TTL in seconds, 0 if it has expired.
  // `timeout` bounds this call (0 = request_timeout).
  Result<int64_t> LeaseKeepAliveOnce(
      int64_t id, std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  Result<LeaseTimeToLiveResult> LeaseTimeToLive(int64_t id, bool with_keys = false);

  // Starts a watch (see dm/coord/watcher.h). Returns once etcd has created it, so every
  // change after this call returns (or from options.start_revision) is delivered.
  // Fails with kUnavailable if no endpoint creates the watch within request_timeout.
  Result<std::unique_ptr<Watcher>> Watch(WatchOptions options);

  // The endpoint calls currently go to.
  std::string current_endpoint() const;
  const std::vector<std::string>& endpoints() const;
  const ClientOptions& options() const;

 private:
  explicit EtcdClient(std::shared_ptr<Transport> transport);

  const std::shared_ptr<Transport> transport_;
};

}  // namespace dm::coord
