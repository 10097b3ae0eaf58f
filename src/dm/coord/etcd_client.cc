#include "dm/coord/etcd_client.h"

#include <fmt/format.h>

#include "dm/coord/internal/transport.h"
#include "dm/coord/watcher.h"

namespace dm::coord {
namespace {

using Retry = Transport::Retry;
namespace pb = etcdserverpb;

KeyValue FromPb(const mvccpb::KeyValue& kv) {
  KeyValue out;
  out.key = kv.key();
  out.value = kv.value();
  out.create_revision = kv.create_revision();
  out.mod_revision = kv.mod_revision();
  out.version = kv.version();
  out.lease = kv.lease();
  return out;
}

RangeResult FromPb(const pb::RangeResponse& resp) {
  RangeResult out;
  out.revision = resp.header().revision();
  out.more = resp.more();
  out.kvs.reserve(resp.kvs_size());
  for (const auto& kv : resp.kvs()) out.kvs.push_back(FromPb(kv));
  return out;
}

void ToPb(const Compare& c, pb::Compare* out) {
  out->set_key(c.key);
  switch (c.op) {
    case Compare::Op::kEqual:
      out->set_result(pb::Compare::EQUAL);
      break;
    case Compare::Op::kNotEqual:
      out->set_result(pb::Compare::NOT_EQUAL);
      break;
    case Compare::Op::kGreater:
      out->set_result(pb::Compare::GREATER);
      break;
    case Compare::Op::kLess:
      out->set_result(pb::Compare::LESS);
      break;
  }
  switch (c.target) {
    case Compare::Target::kValue:
      out->set_target(pb::Compare::VALUE);
      out->set_value(c.value);
      break;
    case Compare::Target::kVersion:
      out->set_target(pb::Compare::VERSION);
      out->set_version(c.number);
      break;
    case Compare::Target::kCreateRevision:
      out->set_target(pb::Compare::CREATE);
      out->set_create_revision(c.number);
      break;
    case Compare::Target::kModRevision:
      out->set_target(pb::Compare::MOD);
      out->set_mod_revision(c.number);
      break;
    case Compare::Target::kLease:
      out->set_target(pb::Compare::LEASE);
      out->set_lease(c.number);
      break;
  }
}

void ToPb(const std::vector<Compare>& compares, const std::vector<TxnOp>& then_ops,
          const std::vector<TxnOp>& else_ops, pb::TxnRequest* out);

void ToPb(const TxnOp& op, pb::RequestOp* out) {
  switch (op.type) {
    case TxnOp::Type::kGet: {
      auto* r = out->mutable_request_range();
      r->set_key(op.key);
      r->set_range_end(op.range_end);
      break;
    }
    case TxnOp::Type::kPut: {
      auto* r = out->mutable_request_put();
      r->set_key(op.key);
      r->set_value(op.value);
      r->set_lease(op.lease);
      break;
    }
    case TxnOp::Type::kDelete: {
      auto* r = out->mutable_request_delete_range();
      r->set_key(op.key);
      r->set_range_end(op.range_end);
      break;
    }
    case TxnOp::Type::kTxn:
      ToPb(op.compares, op.then_ops, op.else_ops, out->mutable_request_txn());
      break;
  }
}

void ToPb(const std::vector<Compare>& compares, const std::vector<TxnOp>& then_ops,
          const std::vector<TxnOp>& else_ops, pb::TxnRequest* out) {
  for (const auto& c : compares) ToPb(c, out->add_compare());
  for (const auto& op : then_ops) ToPb(op, out->add_success());
  for (const auto& op : else_ops) ToPb(op, out->add_failure());
}

TxnOpResult FromPb(const pb::ResponseOp& r) {
  TxnOpResult out;
  switch (r.response_case()) {
    case pb::ResponseOp::kResponseRange:
      out.type = TxnOp::Type::kGet;
      for (const auto& kv : r.response_range().kvs()) out.kvs.push_back(FromPb(kv));
      break;
    case pb::ResponseOp::kResponsePut:
      out.type = TxnOp::Type::kPut;
      break;
    case pb::ResponseOp::kResponseDeleteRange:
      out.type = TxnOp::Type::kDelete;
      out.deleted = r.response_delete_range().deleted();
      break;
    case pb::ResponseOp::kResponseTxn:
      out.type = TxnOp::Type::kTxn;
      out.succeeded = r.response_txn().succeeded();
      for (const auto& sub : r.response_txn().responses()) out.responses.push_back(FromPb(sub));
      break;
    case pb::ResponseOp::RESPONSE_NOT_SET:
      break;
  }
  return out;
}

// The first key a Txn touches, for error messages.
std::string_view FirstKey(const std::vector<Compare>& compares, const std::vector<TxnOp>& ops) {
  if (!compares.empty()) return compares.front().key;
  if (!ops.empty()) return ops.front().key;
  return {};
}

}  // namespace

std::string PrefixRangeEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(end.back());
    if (c < 0xff) {
      ++c;
      return end;
    }
    end.pop_back();
  }
  // Empty prefix, or all 0xff bytes: no upper bound ("\0" means "to the end").
  return std::string(1, '\0');
}

Compare Compare::Value(std::string key, Op op, std::string value) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::kValue;
  c.op = op;
  c.value = std::move(value);
  return c;
}
Compare Compare::Version(std::string key, Op op, int64_t version) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::kVersion;
  c.op = op;
  c.number = version;
  return c;
}
Compare Compare::CreateRevision(std::string key, Op op, int64_t revision) {
  Compare c = Version(std::move(key), op, revision);
  c.target = Target::kCreateRevision;
  return c;
}
Compare Compare::ModRevision(std::string key, Op op, int64_t revision) {
  Compare c = Version(std::move(key), op, revision);
  c.target = Target::kModRevision;
  return c;
}
Compare Compare::Lease(std::string key, Op op, int64_t lease) {
  Compare c = Version(std::move(key), op, lease);
  c.target = Target::kLease;
  return c;
}

TxnOp TxnOp::Get(std::string key) {
  TxnOp op;
  op.type = Type::kGet;
  op.key = std::move(key);
  return op;
}
TxnOp TxnOp::GetPrefix(std::string prefix) {
  TxnOp op;
  op.type = Type::kGet;
  op.range_end = PrefixRangeEnd(prefix);
  op.key = prefix.empty() ? std::string(1, '\0') : std::move(prefix);
  return op;
}
TxnOp TxnOp::Put(std::string key, std::string value, int64_t lease) {
  TxnOp op;
  op.type = Type::kPut;
  op.key = std::move(key);
  op.value = std::move(value);
  op.lease = lease;
  return op;
}
TxnOp TxnOp::Delete(std::string key) {
  TxnOp op;
  op.type = Type::kDelete;
  op.key = std::move(key);
  return op;
}
TxnOp TxnOp::DeletePrefix(std::string prefix) {
  TxnOp op = GetPrefix(std::move(prefix));
  op.type = Type::kDelete;
  return op;
}
TxnOp TxnOp::Txn(std::vector<Compare> compares, std::vector<TxnOp> then_ops,
                 std::vector<TxnOp> else_ops) {
  TxnOp op;
  op.type = Type::kTxn;
  op.compares = std::move(compares);
  op.then_ops = std::move(then_ops);
  op.else_ops = std::move(else_ops);
  return op;
}

Result<std::unique_ptr<EtcdClient>> EtcdClient::Connect(const std::vector<std::string>& endpoints,
                                                        ClientOptions options) {
  DM_ASSIGN_OR_RETURN(std::shared_ptr<Transport> t, Transport::Dial(endpoints, options));
  return std::unique_ptr<EtcdClient>(new EtcdClient(std::move(t)));
}

EtcdClient::EtcdClient(std::shared_ptr<Transport> transport) : transport_(std::move(transport)) {}
EtcdClient::~EtcdClient() = default;

std::string EtcdClient::current_endpoint() const { return transport_->Current()->endpoint; }
const std::vector<std::string>& EtcdClient::endpoints() const { return transport_->endpoints(); }
const ClientOptions& EtcdClient::options() const { return transport_->options(); }

Result<std::optional<KeyValue>> EtcdClient::Get(std::string_view key) {
  pb::RangeRequest req;
  req.set_key(std::string(key));
  pb::RangeResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary("Get", key, Retry::kOtherEndpoints,
                                       [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                                         return c.kv->Range(ctx, req, &resp);
                                       }));
  if (resp.kvs_size() == 0) return std::optional<KeyValue>();
  return std::optional<KeyValue>(FromPb(resp.kvs(0)));
}

Result<RangeResult> EtcdClient::GetPrefix(std::string_view prefix, const GetOptions& options) {
  pb::RangeRequest req;
  req.set_key(prefix.empty() ? std::string(1, '\0') : std::string(prefix));
  req.set_range_end(PrefixRangeEnd(prefix));
  req.set_limit(options.limit);
  req.set_revision(options.revision);
  req.set_max_create_revision(options.max_create_revision);
  req.set_keys_only(options.keys_only);
  switch (options.sort_by) {
    case GetOptions::SortBy::kKey:
      req.set_sort_target(pb::RangeRequest::KEY);
      break;
    case GetOptions::SortBy::kCreateRevision:
      req.set_sort_target(pb::RangeRequest::CREATE);
      break;
    case GetOptions::SortBy::kModRevision:
      req.set_sort_target(pb::RangeRequest::MOD);
      break;
  }
  req.set_sort_order(options.descending ? pb::RangeRequest::DESCEND : pb::RangeRequest::ASCEND);
  pb::RangeResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary("GetPrefix", prefix, Retry::kOtherEndpoints,
                                       [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                                         return c.kv->Range(ctx, req, &resp);
                                       }));
  return FromPb(resp);
}

Result<int64_t> EtcdClient::Put(std::string_view key, std::string_view value, int64_t lease) {
  pb::PutRequest req;
  req.set_key(std::string(key));
  req.set_value(std::string(value));
  req.set_lease(lease);
  pb::PutResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary("Put", key, Retry::kNo,
                                       [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                                         return c.kv->Put(ctx, req, &resp);
                                       }));
  return resp.header().revision();
}

Result<DeleteResult> EtcdClient::Delete(std::string_view key) {
  pb::DeleteRangeRequest req;
  req.set_key(std::string(key));
  pb::DeleteRangeResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary("Delete", key, Retry::kNo,
                                       [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                                         return c.kv->DeleteRange(ctx, req, &resp);
                                       }));
  return DeleteResult{resp.deleted(), resp.header().revision()};
}

Result<DeleteResult> EtcdClient::DeletePrefix(std::string_view prefix) {
  pb::DeleteRangeRequest req;
  req.set_key(prefix.empty() ? std::string(1, '\0') : std::string(prefix));
  req.set_range_end(PrefixRangeEnd(prefix));
  pb::DeleteRangeResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary("DeletePrefix", prefix, Retry::kNo,
                                       [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                                         return c.kv->DeleteRange(ctx, req, &resp);
                                       }));
  return DeleteResult{resp.deleted(), resp.header().revision()};
}

Result<TxnResult> EtcdClient::Txn(const std::vector<Compare>& compares,
                                  const std::vector<TxnOp>& then_ops,
                                  const std::vector<TxnOp>& else_ops) {
  pb::TxnRequest req;
  ToPb(compares, then_ops, else_ops, &req);
  pb::TxnResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary("Txn", FirstKey(compares, then_ops), Retry::kNo,
                                       [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                                         return c.kv->Txn(ctx, req, &resp);
                                       }));
  TxnResult out;
  out.succeeded = resp.succeeded();
  out.revision = resp.header().revision();
  for (const auto& r : resp.responses()) out.responses.push_back(FromPb(r));
  return out;
}

Status EtcdClient::Compact(int64_t revision) {
  pb::CompactionRequest req;
  req.set_revision(revision);
  pb::CompactionResponse resp;
  return transport_->Unary("Compact", fmt::format("revision {}", revision), Retry::kNo,
                           [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                             return c.kv->Compact(ctx, req, &resp);
                           });
}

Result<LeaseGrantResult> EtcdClient::LeaseGrant(int64_t ttl_seconds) {
  if (ttl_seconds <= 0) {
    return Status::InvalidArgument(
        fmt::format("etcd LeaseGrant: TTL must be > 0, got {}", ttl_seconds));
  }
  pb::LeaseGrantRequest req;
  req.set_ttl(ttl_seconds);
  pb::LeaseGrantResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary("LeaseGrant", "", Retry::kNo,
                                       [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                                         return c.lease->LeaseGrant(ctx, req, &resp);
                                       }));
  if (!resp.error().empty()) {
    return Status::Internal(fmt::format("etcd LeaseGrant: {}", resp.error()));
  }
  return LeaseGrantResult{resp.id(), resp.ttl()};
}

Status EtcdClient::LeaseRevoke(int64_t id) {
  pb::LeaseRevokeRequest req;
  req.set_id(id);
  pb::LeaseRevokeResponse resp;
  return transport_->Unary("LeaseRevoke", fmt::format("lease {:x}", id), Retry::kNo,
                           [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                             return c.lease->LeaseRevoke(ctx, req, &resp);
                           });
}

Result<int64_t> EtcdClient::LeaseKeepAliveOnce(int64_t id, std::chrono::milliseconds timeout) {
  // etcd has only the streaming KeepAlive: one request, one response, close.
  pb::LeaseKeepAliveRequest req;
  req.set_id(id);
  pb::LeaseKeepAliveResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary(
      "LeaseKeepAlive", fmt::format("lease {:x}", id), Retry::kOtherEndpoints,
      [&](const Transport::Conn& c, grpc::ClientContext* ctx) -> grpc::Status {
        auto stream = c.lease->LeaseKeepAlive(ctx);
        bool ok = stream->Write(req) && stream->Read(&resp);
        if (ok) {
          stream->WritesDone();
          ctx->TryCancel();  // we have our answer; do not wait for the server to end the stream
          stream->Finish().IgnoreError();
          return grpc::Status::OK;
        }
        grpc::Status st = stream->Finish();
        if (st.ok()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "keepalive stream closed");
        return st;
      },
      timeout));
  return resp.ttl() > 0 ? resp.ttl() : 0;
}

Result<LeaseTimeToLiveResult> EtcdClient::LeaseTimeToLive(int64_t id, bool with_keys) {
  pb::LeaseTimeToLiveRequest req;
  req.set_id(id);
  req.set_keys(with_keys);
  pb::LeaseTimeToLiveResponse resp;
  DM_RETURN_IF_ERROR(transport_->Unary("LeaseTimeToLive", fmt::format("lease {:x}", id),
                                       Retry::kOtherEndpoints,
                                       [&](const Transport::Conn& c, grpc::ClientContext* ctx) {
                                         return c.lease->LeaseTimeToLive(ctx, req, &resp);
                                       }));
  LeaseTimeToLiveResult out;
  out.id = resp.id();
  out.ttl = resp.ttl();
  out.granted_ttl = resp.grantedttl();
  for (const auto& k : resp.keys()) out.keys.push_back(k);
  return out;
}

Result<std::unique_ptr<Watcher>> EtcdClient::Watch(WatchOptions options) {
  return Watcher::Start(transport_, std::move(options));
}

}  // namespace dm::coord
