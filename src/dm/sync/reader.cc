#include "dm/sync/reader.h"

#include <charconv>

#include "dm/base/log.h"
#include "dm/binlog/row_reader.h"
#include "dm/sync/applier.h"
#include "dm/sync/dml.h"

namespace dm::sync {

namespace {

std::string_view EventName(binlog::RowsKind k) {
  switch (k) {
    case binlog::RowsKind::kWrite: return "insert";
    case binlog::RowsKind::kUpdate: return "update";
    case binlog::RowsKind::kDelete: return "delete";
  }
  return "";
}

// The expression filter's view of a value (rules::Datum), with ENUM/SET as names.
rules::Datum ToDatum(const binlog::Value& v, const ColumnMeta& c) {
  using binlog::ValueKind;
  rules::Datum d;
  switch (v.kind) {
    case ValueKind::kNull: case ValueKind::kMissing:
      d.kind = rules::Datum::Kind::kNull;
      break;
    case ValueKind::kInt:
      if (c.is_unsigned && v.i < 0) {
        d.kind = rules::Datum::Kind::kUint;
        d.u = static_cast<uint64_t>(v.i);
        Literal l;
        binlog::ColumnInfo bc;
        bc.type = v.type;
        if (RenderLiteral(v, bc, c, &l).ok()) {
          std::from_chars(l.text.data(), l.text.data() + l.text.size(), d.u);
        }
      } else {
        d.kind = rules::Datum::Kind::kInt;
        d.i = v.i;
      }
      break;
    case ValueKind::kUint: case ValueKind::kBit:
      d.kind = rules::Datum::Kind::kUint;
      d.u = v.u;
      break;
    case ValueKind::kYear:
      d.kind = rules::Datum::Kind::kInt;
      d.i = static_cast<int64_t>(v.u);
      break;
    case ValueKind::kFloat:
      d.kind = rules::Datum::Kind::kDouble;
      d.d = v.f;
      break;
    case ValueKind::kDouble:
      d.kind = rules::Datum::Kind::kDouble;
      d.d = v.d;
      break;
    case ValueKind::kDecimal:
      d.kind = rules::Datum::Kind::kDecimal;
      (void)binlog::AppendValueText(v, &d.s);
      break;
    case ValueKind::kDate: case ValueKind::kTime: case ValueKind::kDateTime:
    case ValueKind::kTimestamp:
      d.kind = rules::Datum::Kind::kTemporal;
      (void)binlog::AppendValueText(v, &d.s);
      break;
    case ValueKind::kEnum:
      d.kind = rules::Datum::Kind::kString;
      if (v.u >= 1 && v.u <= c.elements.size()) d.s = c.elements[v.u - 1];
      break;
    case ValueKind::kSet:
      d.kind = rules::Datum::Kind::kString;
      for (size_t i = 0; i < c.elements.size() && i < 64; ++i) {
        if (v.u & (uint64_t{1} << i)) {
          if (!d.s.empty()) d.s += ',';
          d.s += c.elements[i];
        }
      }
      break;
    case ValueKind::kJson: case ValueKind::kVector: case ValueKind::kJsonDiff:
      d.kind = rules::Datum::Kind::kString;
      (void)binlog::AppendValueText(v, &d.s);
      break;
    case ValueKind::kString: case ValueKind::kGeometry:
      d.kind = rules::Datum::Kind::kString;
      d.s = std::string(v.bytes);
      break;
  }
  return d;
}

std::string Where(const std::string& file, const binlog::EventHeader& h) {
  return "binlog " + file + ":" + std::to_string(h.log_pos - std::min(h.log_pos, h.event_size));
}

}  // namespace

struct ChangeReader::TableState {
  bool allowed = false;
  rules::Route route;
  bool expr = false;
  std::shared_ptr<const TableMeta> meta;
  std::shared_ptr<const binlog::TableMap> map;  // the map `meta` was checked against
};

ChangeReader::ChangeReader(ReaderOptions options, std::shared_ptr<const rules::RuleSet> rules,
                           std::unique_ptr<SchemaSource> schemas, BoundedQueue<Item>* out)
    : options_(std::move(options)), rules_(std::move(rules)), schemas_(std::move(schemas)),
      out_(out) {
  boundary_ = options_.start;
}

ChangeReader::~ChangeReader() { Stop(); }

Status ChangeReader::Start() {
  DM_ASSIGN_OR_RETURN(stream_, upstream::BinlogStream::Open(options_.stream));
  upstream_ = stream_->upstream();
  start_.position = options_.start.position.file.empty() ? stream_->boundary_position()
                                                         : options_.start.position;
  start_.gtid_set = stream_->boundary_gtids();
  boundary_ = start_;
  thread_ = std::jthread([this](std::stop_token st) { Run(st); });
  return Status::OK();
}

void ChangeReader::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  if (stream_) stream_->Stop();
  out_->Close();
  thread_.join();
}

bool ChangeReader::Emit(Item item, std::stop_token st) {
  item.events = events_;
  events_ = 0;
  return out_->Push(std::move(item), st);
}

void ChangeReader::Run(std::stop_token st) {
  upstream::StreamEvent ev;
  while (!st.stop_requested()) {
    bool end = false;
    Status s = stream_->Next(&ev, &end);
    if (s.ok() && end) return;
    bool handled = false;
    if (s.ok()) {
      handled = true;
      s = Handle(ev, st);
    }
    if (!s.ok()) {
      if (st.stop_requested()) return;
      Item item;
      item.kind = Item::Kind::kError;
      item.error = std::move(s);
      if (handled && ev.event.As<binlog::QueryEvent>()) {
        const binlog::EventHeader& h = ev.event.header;
        item.event_pos = {ev.file, h.log_pos - std::min(h.log_pos, h.event_size)};
      }
      Emit(std::move(item), st);
      return;
    }
  }
}

Result<ChangeReader::TableState*> ChangeReader::Table(const binlog::TableMap& map) {
  rules::TableRef key{map.schema, map.table};
  auto& slot = tables_[key];
  if (!slot) {
    slot = std::make_unique<TableState>();
    slot->allowed = rules_->block_allow.AllowTable(map.schema, map.table);
    // Rows of online schema change helper tables (ghost copies, changelogs) are not
    // replicated: the cut-over applies their DDL to the real table instead.
    if (online_ && online_->Kind(map.table) != OnlineDdl::TableKind::kNormal) slot->allowed = false;
    if (slot->allowed) {
      slot->route = rules_->router.RouteTable(options_.source_id, key);
      slot->expr = rules_->expression_filter.HasRules(key);
    }
  }
  return slot.get();
}

Status ChangeReader::HandleRows(const upstream::StreamEvent& ev, std::stop_token st) {
  const auto& r = *ev.event.As<binlog::RowsEvent>();
  const binlog::EventHeader& h = ev.event.header;
  if (!r.table) {
    return Status(Code::kCorruption, Where(ev.file, h) + ": rows event without its TABLE_MAP",
                  Scope::kUpstream);
  }
  const binlog::TableMap& map = *r.table;
  rules::TableRef key{map.schema, map.table};
  DM_ASSIGN_OR_RETURN(TableState * t, Table(map));
  bool keep = t->allowed;
  if (keep) {
    switch (rules_->event_filter.Filter(key, EventName(r.kind), "")) {
      case rules::FilterAction::kIgnore:
        keep = false;
        break;
      case rules::FilterAction::kError:
        return DmError(Code::kFailedPrecondition, Scope::kConfig, 36021, "sync-unit",
                       "a binlog event filter with action Error matched " +
                           std::string(EventName(r.kind)) + " on " +
                           mysql::QuoteTable(map.schema, map.table) + " at " + Where(ev.file, h),
                       "change the filter rule (its action or patterns), then resume-task");
      case rules::FilterAction::kDo:
        break;
    }
  }
  if (keep && (!t->meta || t->map.get() != r.table.get())) {
    // A new TABLE_MAP: check the structure against it (types and count), reloading the
    // downstream structure once if the cached one no longer fits.
    bool fits = t->meta && t->map && t->map->columns.size() == map.columns.size();
    for (size_t i = 0; fits && i < map.columns.size(); ++i) {
      fits = t->map->columns[i].type == map.columns[i].type &&
             t->map->columns[i].meta == map.columns[i].meta;
    }
    if (!fits) {
      if (t->meta) schemas_->AfterDdl(key);
      DM_ASSIGN_OR_RETURN(auto info, schemas_->Get(key, t->route));
      auto meta = BuildTableMeta(key, t->route, *info, map);
      if (!meta.ok()) {
        Status s = meta.status();
        return DmError(s.code(), s.scope(), 36027, "sync-unit",
                       std::string(s.message()) + " (at " + Where(ev.file, h) + ")", "");
      }
      t->meta = std::move(meta).value();
    }
    t->map = r.table;
  }
  binlog::RowReader reader(r);
  std::vector<binlog::Value> a, b;
  std::vector<std::string> names;
  while (reader.Next(&a, &b)) {
    ++trx_stamp_.row;
    if (!keep) continue;
    const TableMeta& meta = *t->meta;
    RowChange rc;
    rc.table = t->meta;
    rc.stamp = trx_stamp_;
    auto render = [&](const std::vector<binlog::Value>& vals, std::vector<Literal>* out) -> Status {
      out->resize(meta.columns.size());
      for (size_t i = 0; i < meta.upstream_columns; ++i) {
        Status s = RenderLiteral(vals[i], map.columns[i], meta.columns[i], &(*out)[i]);
        if (!s.ok()) {
          return std::move(s).WithContext(mysql::QuoteTable(map.schema, map.table) + " at " +
                                          Where(ev.file, h));
        }
      }
      for (size_t i = 0; i < meta.extra_values.size(); ++i) {
        (*out)[meta.upstream_columns + i] = Literal{meta.extra_values[i], false};
      }
      return Status::OK();
    };
    switch (r.kind) {
      case binlog::RowsKind::kWrite:
        rc.kind = RowKind::kInsert;
        DM_RETURN_IF_ERROR(render(a, &rc.after));
        break;
      case binlog::RowsKind::kDelete:
        rc.kind = RowKind::kDelete;
        DM_RETURN_IF_ERROR(render(a, &rc.before));
        break;
      case binlog::RowsKind::kUpdate:
        rc.kind = RowKind::kUpdate;
        DM_RETURN_IF_ERROR(render(a, &rc.before));
        DM_RETURN_IF_ERROR(render(b, &rc.after));
        break;
    }
    if (t->expr) {
      if (names.empty()) {
        for (size_t i = 0; i < meta.upstream_columns; ++i) names.push_back(meta.columns[i].name);
      }
      auto datums = [&](const std::vector<binlog::Value>& vals) {
        std::vector<rules::Datum> d;
        for (size_t i = 0; i < meta.upstream_columns; ++i) d.push_back(ToDatum(vals[i], meta.columns[i]));
        return d;
      };
      Result<bool> skip = false;
      switch (r.kind) {
        case binlog::RowsKind::kWrite:
          skip = rules_->expression_filter.SkipInsert(key, names, datums(a));
          break;
        case binlog::RowsKind::kDelete:
          skip = rules_->expression_filter.SkipDelete(key, names, datums(a));
          break;
        case binlog::RowsKind::kUpdate:
          skip = rules_->expression_filter.SkipUpdate(key, names, datums(a), datums(b));
          break;
      }
      if (!skip.ok()) {
        return skip.status().WithContext("expression filter on " +
                                         mysql::QuoteTable(map.schema, map.table));
      }
      if (*skip) continue;
    }
    rows_.push_back(std::move(rc));
    if (rows_.size() >= kRowsPerItem) DM_RETURN_IF_ERROR(FlushRows(st));
  }
  if (!reader.status().ok()) {
    return reader.status().WithContext(mysql::QuoteTable(map.schema, map.table) + " at " +
                                       Where(ev.file, h));
  }
  return Status::OK();
}

Status ChangeReader::FlushRows(std::stop_token st) {
  if (rows_.empty()) return Status::OK();
  Item item;
  item.kind = Item::Kind::kRows;
  item.rows = std::move(rows_);
  rows_.clear();
  if (!Emit(std::move(item), st)) return Status::Cancelled("sync stopped");
  return Status::OK();
}

Status ChangeReader::RunDdl(Item item, bool ends_trx, std::stop_token st) {
  item.trx = trx_stamp_;
  item.before = boundary_;
  item.has_after = ends_trx;
  if (ends_trx) item.after = {stream_->boundary_position(), stream_->boundary_gtids()};
  item.timestamp = trx_ts_;
  item.done = std::make_shared<std::promise<Status>>();
  std::future<Status> done = item.done->get_future();
  rules::TableRef changed = item.ddl_table;
  gtid::Location after = item.after;
  if (!Emit(std::move(item), st)) return Status::Cancelled("sync stopped");
  while (done.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (st.stop_requested()) return Status::Cancelled("sync stopped");
  }
  DM_RETURN_IF_ERROR(done.get());
  // The structure may have changed: read it again from the downstream when needed.
  schemas_->AfterDdl({changed.schema, ""});
  tables_.clear();
  if (ends_trx) {
    boundary_ = std::move(after);
    have_trx_ = false;
  }
  return Status::OK();
}

Status ChangeReader::Handle(const upstream::StreamEvent& ev, std::stop_token st) {
  const binlog::Event& e = ev.event;
  const binlog::EventHeader& h = e.header;
  ++events_;
  if (h.type == binlog::EventType::kHeartbeat || h.type == binlog::EventType::kHeartbeatV2) {
    return Status::OK();
  }
  auto start_trx = [&] {
    have_trx_ = true;
    trx_stamp_ = RowStamp{BinlogFileSeq(ev.file), h.log_pos - std::min(h.log_pos, h.event_size), 0};
    trx_ts_ = h.timestamp;
  };
  if (e.As<binlog::MariaGtidEvent>() || e.As<binlog::MysqlGtidEvent>()) {
    start_trx();
  } else if (const auto* q = e.As<binlog::QueryEvent>()) {
    if (binlog::QueryIs(q->query, "BEGIN")) {
      if (!have_trx_) start_trx();
    } else if (!binlog::QueryIs(q->query, "COMMIT") && !binlog::QueryIs(q->query, "ROLLBACK")) {
      if (!have_trx_) start_trx();
      const ddl::ParseOptions po = ParseOptionsForSqlMode(q->sql_mode);
      // collation_compatible: strict: the upstream's defaults, and its session's
      // collation_server for a CREATE DATABASE that names neither charset nor collation.
      std::optional<ddl::CollationDefaults> strict;
      if (options_.strict_collations) {
        strict.emplace();
        strict->by_charset = options_.strict_collations->default_by_charset;
        if (q->collation_server) {
          auto it = options_.strict_collations->by_id.find(*q->collation_server);
          if (it != options_.strict_collations->by_id.end()) strict->server_collation = it->second;
        }
      }
      const ddl::CollationDefaults* sc = strict ? &*strict : nullptr;
      const gtid::BinlogPosition event_pos{ev.file,
                                           h.log_pos - std::min(h.log_pos, h.event_size)};
      DdlDecision d;
      std::vector<std::string> meta_sql;
      bool online_handled = false;
      // The operator's `binlog skip/replace` for this event replaces its normal handling.
      std::optional<BinlogOperation> op;
      if (ops_) op = ops_->Find(event_pos);
      if (op) {
        online_handled = true;
        d.action = DdlAction::kExecute;
        d.default_schema = std::string(q->schema);
        d.reason = op->kind == BinlogOperation::Kind::kSkip ? "binlog skip" : "binlog replace";
        if (op->kind == BinlogOperation::Kind::kReplace) {
          for (const auto& sql : op->sqls) {
            DdlDecision one = PlanDdl(sql, q->schema, po, *rules_, options_.source_id, sc);
            if (one.action == DdlAction::kError) {
              return DmError(Code::kFailedPrecondition, Scope::kInternal, 11006, "functional",
                             "binlog replace statement '" + sql.substr(0, 200) + "' for " +
                                 Where(ev.file, h) + ": " + one.reason,
                             "`dmctl binlog revert <task> -b " + event_pos.ToString() +
                                 "`, then `binlog replace` with a statement that can run");
            }
            for (auto& p : one.parts) d.parts.push_back(std::move(p));
          }
        }
        LogInfo("sync {}: {} operation at {} (upstream '{}'){}", options_.source_id, d.reason,
                event_pos.ToString(), std::string(q->query).substr(0, 200),
                op->sqls.empty() ? "" : ": " + std::to_string(op->sqls.size()) + " statement(s)");
      }
      if (online_ && !op) {
        auto parsed = ddl::Parse(q->query, po);
        if (parsed.ok() && parsed->IsTableDdl() && parsed->HasAst()) {
          OnlineDdl::Outcome o = online_->Handle(*parsed, q->schema);
          if (o.handled) {
            // The statement is replaced by what the online DDL handling says (the
            // recorded ALTERs at a cut-over, the other parts of a mixed statement).
            online_handled = true;
            LogInfo("sync {}: online DDL at {}: {}", options_.source_id, Where(ev.file, h), o.note);
            d.default_schema = std::string(q->schema);
            d.reason = o.note;
            for (const auto& sql : o.sqls) {
              DdlDecision one = PlanDdl(sql, q->schema, po, *rules_, options_.source_id, sc);
              if (one.action == DdlAction::kError) {
                d = std::move(one);
                break;
              }
              if (one.action == DdlAction::kExecute) {
                d.action = DdlAction::kExecute;
                for (auto& p : one.parts) d.parts.push_back(std::move(p));
              }
            }
            meta_sql = std::move(o.meta_sql);
            if (d.action == DdlAction::kSkip && !meta_sql.empty()) d.action = DdlAction::kExecute;
          }
        }
      }
      if (!online_handled) d = PlanDdl(q->query, q->schema, po, *rules_, options_.source_id, sc);
      trx_.Feed(e);
      bool ends_trx = trx_.committed();
      switch (d.action) {
        case DdlAction::kError:
          return DmError(Code::kFailedPrecondition, Scope::kInternal, 11006, "functional",
                         d.reason + " (at " + Where(ev.file, h) + ")", "");
        case DdlAction::kSkip:
          LogDebug("sync {}: skipping query at {}: {}", options_.source_id, Where(ev.file, h),
                   d.reason);
          break;
        case DdlAction::kExecute: {
          // Run it now, before any row that follows it (CREATE TABLE ... SELECT logs the
          // CREATE and then the rows in one transaction).
          DM_RETURN_IF_ERROR(FlushRows(st));
          // The schema tracker follows every part that passes the block-allow list,
          // filtered or not, BEFORE the downstream runs it (tables it needs are loaded
          // first, in their state before this DDL).
          auto route = [&](const rules::TableRef& t) {
            return t.table.empty() ? rules::Route{{rules_->router.RouteSchema(t.schema), ""}, {}}
                                   : rules_->router.RouteTable(options_.source_id, t);
          };
          std::vector<bool> tracked(d.parts.size(), false);
          for (size_t i = 0; i < d.parts.size(); ++i) {
            const DdlPart& p = d.parts[i];
            if (!p.track) continue;
            Status s = schemas_->PrepareDdl(p.statement, q->schema, route);
            if (s.ok()) {
              tracked[i] = true;
            } else if (s.IsNotFound()) {
              LogWarn("sync {}: DDL at {} on {} not tracked: {}", options_.source_id,
                      Where(ev.file, h), mysql::QuoteTable(p.table.schema, p.table.table),
                      s.ToString());
            } else {
              return DmError(s.code(), s.scope(), 44006, "schema-tracker",
                             "loading the schema for DDL '" + p.statement.text.substr(0, 200) +
                                 "' at " + Where(ev.file, h) + ": " + std::string(s.message()),
                             "fix the cause, then resume-task");
            }
          }
          std::vector<TableCheckpoint> before = schemas_->TakeChanges();
          for (size_t i = 0; i < d.parts.size(); ++i) {
            if (!tracked[i]) continue;
            const DdlPart& p = d.parts[i];
            Status s = schemas_->ApplyDdl(p.statement, q->schema);
            if (s.IsNotFound()) {
              LogWarn("sync {}: DDL at {} not tracked: {}", options_.source_id, Where(ev.file, h),
                      s.ToString());
            } else if (!s.ok()) {
              return DmError(s.code(), Scope::kInternal, 44006, "schema-tracker",
                             "the schema tracker cannot apply DDL '" +
                                 p.statement.text.substr(0, 200) + "' at " + Where(ev.file, h) +
                                 ": " + std::string(s.message()),
                             "if the statement is right, report it; to get past it, "
                             "`dmctl binlog replace <task> \"<statements>\"` or `dmctl "
                             "binlog skip <task>`, or fix the tracked structure with "
                             "`dmctl binlog-schema update` and resume-task");
            }
          }
          std::vector<TableCheckpoint> after = schemas_->TakeChanges();
          std::vector<std::string> stmts = d.Statements();
          if (!op && stmts.empty() && before.empty() && after.empty() && meta_sql.empty()) {
            LogDebug("sync {}: skipping DDL at {}: {}", options_.source_id, Where(ev.file, h),
                     d.parts.empty() ? d.reason : d.parts.front().reason);
            break;
          }
          Item item;
          item.kind = Item::Kind::kDdl;
          item.ddl_text = std::string(q->query);
          item.ddl_table = d.parts.empty() ? rules::TableRef{std::string(q->schema), ""}
                                          : d.parts.front().table;
          item.ddl = std::move(d);
          item.tables_before = std::move(before);
          item.tables_after = std::move(after);
          item.meta_sql = std::move(meta_sql);
          item.event_pos = event_pos;
          item.operation = op.has_value();
          Status s = RunDdl(std::move(item), ends_trx, st);
          if (s.ok() && op) {
            // Its effect ran and the checkpoint after it is saved: the operation is used.
            ops_->Done(event_pos);
            LogInfo("sync {}: binlog {} operation at {} done", options_.source_id,
                    op->kind == BinlogOperation::Kind::kSkip ? "skip" : "replace",
                    event_pos.ToString());
          }
          return s;
        }
      }
      return ends_trx ? Commit(st) : Status::OK();
    }
  } else if (e.As<binlog::RowsEvent>()) {
    DM_RETURN_IF_ERROR(HandleRows(ev, st));
  }
  trx_.Feed(e);
  return trx_.committed() ? Commit(st) : Status::OK();
}

Status ChangeReader::Commit(std::stop_token st) {
  DM_RETURN_IF_ERROR(FlushRows(st));
  gtid::Location after{stream_->boundary_position(), stream_->boundary_gtids()};
  Item item;
  item.kind = Item::Kind::kCommit;
  item.tables_after = schemas_->TakeChanges();  // tables first loaded in this transaction
  item.trx = trx_stamp_;
  item.after = after;
  item.timestamp = trx_ts_;
  if (!Emit(std::move(item), st)) return Status::Cancelled("sync stopped");
  boundary_ = std::move(after);
  have_trx_ = false;
  return Status::OK();
}

}  // namespace dm::sync
