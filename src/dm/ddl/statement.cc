// Statement methods: printing, table listing, route rewriting, event names, splitting.
#include <strings.h>

#include <cctype>

#include "dm/ddl/ast.h"
#include "dm/ddl/lexer.h"

namespace dm::ddl {

namespace {

using T = AlterAction::Type;
using P = AlterAction::PartitionOp;

std::string Q(std::string_view s) { return QuoteIdent(s); }

std::string Name(const TableName& t) {
  if (t.schema.empty()) return Q(t.name);
  return Q(t.schema) + "." + Q(t.name);
}

// Charset / collation names print bare when they are plain words, else as a string.
std::string CsName(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) plain = false;
  }
  return plain ? std::string(s) : QuoteString(s);
}

std::string PrintType(const DataType& t) {
  std::string out = t.text;
  if (t.binary) out += " BINARY";
  if (!t.charset.empty()) out += " CHARACTER SET " + CsName(t.charset);
  if (!t.collation.empty()) out += " COLLATE " + CsName(t.collation);
  return out;
}

std::string PrintRef(const ReferenceDef& r) {
  std::string out = "REFERENCES " + Name(r.table);
  if (!r.columns.empty()) {
    out += " (";
    for (size_t i = 0; i < r.columns.size(); ++i) out += (i ? ", " : "") + Q(r.columns[i]);
    out += ")";
  }
  if (!r.actions.empty()) out += " " + r.actions;
  return out;
}

std::string PrintColumn(const ColumnDef& c) {
  std::string out = Q(c.name) + " " + PrintType(c.type);
  if (!c.collation.empty()) out += " COLLATE " + CsName(c.collation);
  if (c.generated) {
    out += " GENERATED ALWAYS AS (" + c.generated->expr + ")";
    if (!c.generated->storage.empty()) out += " " + c.generated->storage;
  }
  if (c.nullable) out += *c.nullable ? " NULL" : " NOT NULL";
  if (c.default_expr) out += " DEFAULT " + *c.default_expr;
  if (c.on_update) out += " ON UPDATE " + *c.on_update;
  if (c.auto_increment) out += " AUTO_INCREMENT";
  if (c.unique_key) out += " UNIQUE KEY";
  if (c.primary_key) out += " PRIMARY KEY";
  if (c.comment) out += " COMMENT " + QuoteString(*c.comment);
  for (const Sql& e : c.extra) out += " " + e;
  if (c.check) out += " " + *c.check;
  if (c.references) out += " " + PrintRef(*c.references);
  return out;
}

std::string PrintParts(const std::vector<KeyPart>& parts) {
  std::string out = "(";
  for (size_t i = 0; i < parts.size(); ++i) {
    const KeyPart& p = parts[i];
    if (i) out += ", ";
    if (p.column.empty()) {
      out += "(" + p.expr + ")";
    } else {
      out += Q(p.column);
      if (p.length) out += "(" + *p.length + ")";
    }
    if (!p.order.empty()) out += " " + p.order;
  }
  return out + ")";
}

std::string PrintIndex(const IndexDef& x) {
  std::string out;
  bool ine_on_constraint = x.has_constraint && x.if_not_exists && !x.constraint_name.empty();
  if (x.has_constraint) {
    out += "CONSTRAINT ";
    if (ine_on_constraint) out += "IF NOT EXISTS ";
    if (!x.constraint_name.empty()) out += Q(x.constraint_name) + " ";
  }
  std::string ine = (x.if_not_exists && !ine_on_constraint) ? "IF NOT EXISTS " : "";
  switch (x.type) {
    case IndexDef::Type::kPrimary: out += "PRIMARY KEY "; break;
    case IndexDef::Type::kUnique: out += "UNIQUE KEY " + ine; break;
    case IndexDef::Type::kIndex: out += "KEY " + ine; break;
    case IndexDef::Type::kFulltext: out += "FULLTEXT KEY " + ine; break;
    case IndexDef::Type::kSpatial: out += "SPATIAL KEY " + ine; break;
    case IndexDef::Type::kForeignKey: {
      out += "FOREIGN KEY " + ine;
      if (!x.name.empty()) out += Q(x.name) + " ";
      out += PrintParts(x.parts) + " " + PrintRef(x.references);
      return out;
    }
    case IndexDef::Type::kCheck:
      out += "CHECK (" + x.check_expr + ")";
      if (!x.check_tail.empty()) out += " " + x.check_tail;
      return out;
  }
  if (!x.name.empty()) out += Q(x.name) + " ";
  if (!x.using_type.empty()) out += "USING " + x.using_type + " ";
  out += PrintParts(x.parts);
  for (const Sql& o : x.options) out += " " + o;
  return out;
}

std::string PrintOption(const TableOption& o) {
  bool plain = !o.name.empty();
  for (char c : o.name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ' ')) plain = false;
  }
  std::string name = plain ? o.name : QuoteIdent(o.name);  // engine-defined option names
  if (o.value.empty()) return name;
  if (o.name == "TABLESPACE") return name + " " + o.value;
  return name + "=" + o.value;
}

std::string PrintOptions(const std::vector<TableOption>& opts) {
  std::string out;
  for (size_t i = 0; i < opts.size(); ++i) out += (i ? " " : "") + PrintOption(opts[i]);
  return out;
}

std::string PrintPosition(const AlterAction& a) {
  if (a.position == "FIRST") return " FIRST";
  if (a.position == "AFTER") return " AFTER " + Q(a.after_column);
  return "";
}

std::string PrintAction(const AlterAction& a) {
  std::string ie = a.if_exists ? "IF EXISTS " : "";
  std::string ine = a.if_not_exists ? "IF NOT EXISTS " : "";
  std::string col = a.has_column_keyword ? "COLUMN " : "";
  switch (a.type) {
    case T::kAddColumn: return "ADD " + col + ine + PrintColumn(a.column) + PrintPosition(a);
    case T::kDropColumn: return "DROP " + col + ie + Q(a.name) + (a.text.empty() ? "" : " " + a.text);
    case T::kModifyColumn: return "MODIFY " + col + ie + PrintColumn(a.column) + PrintPosition(a);
    case T::kChangeColumn:
      return "CHANGE " + col + ie + Q(a.name) + " " + PrintColumn(a.column) + PrintPosition(a);
    case T::kRenameColumn: return "RENAME COLUMN " + ie + Q(a.name) + " TO " + Q(a.new_name);
    case T::kSetDefault: return "ALTER " + col + ie + Q(a.name) + " SET DEFAULT " + a.text;
    case T::kDropDefault: return "ALTER " + col + ie + Q(a.name) + " DROP DEFAULT";
    case T::kColumnVisibility: return "ALTER " + col + ie + Q(a.name) + " SET " + a.text;
    case T::kAddIndex: return "ADD " + PrintIndex(a.index);
    case T::kDropIndex: return "DROP INDEX " + ie + Q(a.name);
    case T::kDropPrimaryKey: return "DROP PRIMARY KEY";
    case T::kDropForeignKey: return "DROP FOREIGN KEY " + ie + Q(a.name);
    case T::kDropCheck: return "DROP " + a.keyword + " " + ie + Q(a.name);
    case T::kAlterCheck: return "ALTER " + a.keyword + " " + Q(a.name) + " " + a.text;
    case T::kIndexVisibility: return "ALTER INDEX " + Q(a.name) + " " + a.text;
    case T::kRenameIndex: return "RENAME INDEX " + ie + Q(a.name) + " TO " + Q(a.new_name);
    case T::kRenameTable: return "RENAME TO " + Name(a.new_table);
    case T::kConvertCharset:
      return "CONVERT TO CHARACTER SET " + CsName(a.charset) +
             (a.collation.empty() ? "" : " COLLATE " + CsName(a.collation));
    case T::kTableOptions: return PrintOptions(a.options);
    case T::kPartition:
      if (a.partition_op == P::kExchange) {
        return "EXCHANGE PARTITION " + Q(a.name) + " WITH TABLE " + Name(a.new_table) +
               (a.text.empty() ? "" : " " + a.text);
      }
      return a.text;
    case T::kAlgorithm: return "ALGORITHM=" + a.text;
    case T::kLock: return "LOCK=" + a.text;
    case T::kForce: return "FORCE";
    case T::kOrderBy: return "ORDER BY " + a.text;
    case T::kKeys:
    case T::kTablespace:
    case T::kValidation: return a.text;
  }
  return "";
}

std::string Join(const std::vector<Sql>& v) {
  std::string out;
  for (const Sql& s : v) out += " " + s;
  return out;
}

struct Printer {
  std::string operator()(const std::monostate&) const { return ""; }
  std::string operator()(const CreateTable& c) const {
    std::string out = "CREATE ";
    if (c.or_replace) out += "OR REPLACE ";
    if (c.temporary) out += "TEMPORARY ";
    out += "TABLE ";
    if (c.if_not_exists) out += "IF NOT EXISTS ";
    out += Name(c.table);
    if (c.like) return out + " LIKE " + Name(*c.like);
    if (!c.columns.empty() || !c.constraints.empty()) {
      out += " (";
      bool first = true;
      for (const ColumnDef& col : c.columns) {
        out += (first ? "" : ", ") + PrintColumn(col);
        first = false;
      }
      for (const IndexDef& idx : c.constraints) {
        out += (first ? "" : ", ") + PrintIndex(idx);
        first = false;
      }
      out += ")";
    }
    if (!c.options.empty()) out += " " + PrintOptions(c.options);
    if (!c.partition.empty()) out += " " + c.partition;
    if (!c.select.empty()) {
      if (!c.select_duplicates.empty()) out += " " + c.select_duplicates;
      out += " AS " + c.select;
    }
    return out;
  }
  std::string operator()(const AlterTable& a) const {
    std::string out = "ALTER ";
    if (a.online) out += "ONLINE ";
    if (a.ignore) out += "IGNORE ";
    out += "TABLE ";
    if (a.if_exists) out += "IF EXISTS ";
    out += Name(a.table);
    if (!a.wait.empty()) out += " " + a.wait;
    for (size_t i = 0; i < a.actions.size(); ++i) {
      const AlterAction& act = a.actions[i];
      // Partition clauses and options after partitioning take no comma.
      bool comma = i > 0 && !(act.type == T::kPartition && (act.partition_op == P::kPartitionBy ||
                                                            act.partition_op == P::kRemovePartitioning));
      out += (comma ? ", " : " ") + PrintAction(act);
    }
    return out;
  }
  std::string operator()(const DropTable& d) const {
    std::string out = "DROP ";
    if (d.temporary) out += "TEMPORARY ";
    out += "TABLE ";
    if (d.if_exists) out += "IF EXISTS ";
    for (size_t i = 0; i < d.tables.size(); ++i) out += (i ? ", " : "") + Name(d.tables[i]);
    if (!d.tail.empty()) out += " " + d.tail;
    return out;
  }
  std::string operator()(const RenameTable& r) const {
    std::string out = "RENAME TABLE ";
    if (r.if_exists) out += "IF EXISTS ";
    for (size_t i = 0; i < r.pairs.size(); ++i) {
      out += (i ? ", " : "") + Name(r.pairs[i].first);
      if (i == 0 && !r.wait.empty()) out += " " + r.wait;
      out += " TO " + Name(r.pairs[i].second);
    }
    return out;
  }
  std::string operator()(const TruncateTable& t) const {
    return "TRUNCATE TABLE " + Name(t.table) + (t.wait.empty() ? "" : " " + t.wait);
  }
  std::string operator()(const CreateIndex& c) const {
    std::string out = "CREATE ";
    if (c.or_replace) out += "OR REPLACE ";
    if (!c.modifier.empty()) out += c.modifier + " ";
    switch (c.index.type) {
      case IndexDef::Type::kUnique: out += "UNIQUE "; break;
      case IndexDef::Type::kFulltext: out += "FULLTEXT "; break;
      case IndexDef::Type::kSpatial: out += "SPATIAL "; break;
      default: break;
    }
    out += "INDEX ";
    if (c.index.if_not_exists) out += "IF NOT EXISTS ";
    out += Q(c.index.name);
    if (!c.index.using_type.empty()) out += " USING " + c.index.using_type;
    out += " ON " + Name(c.table) + " " + PrintParts(c.index.parts);
    out += Join(c.index.options) + Join(c.tail);
    return out;
  }
  std::string operator()(const DropIndex& d) const {
    std::string out = "DROP ";
    if (!d.modifier.empty()) out += d.modifier + " ";
    out += "INDEX ";
    if (d.if_exists) out += "IF EXISTS ";
    return out + Q(d.name) + " ON " + Name(d.table) + Join(d.tail);
  }
  std::string operator()(const DatabaseDdl&) const { return ""; }  // needs the kind: see Print
  std::string operator()(const ViewDdl&) const { return ""; }      // needs the kind: see Print
};

std::string PrintDatabase(StatementKind kind, const DatabaseDdl& d) {
  std::string out;
  if (kind == StatementKind::kCreateDatabase) {
    out = "CREATE ";
    if (d.or_replace) out += "OR REPLACE ";
    out += "DATABASE ";
    if (d.if_not_exists) out += "IF NOT EXISTS ";
    out += Q(d.name);
  } else if (kind == StatementKind::kAlterDatabase) {
    out = "ALTER DATABASE";
    if (!d.name.empty()) out += " " + Q(d.name);
  } else {
    out = "DROP DATABASE ";
    if (d.if_exists) out += "IF EXISTS ";
    out += Q(d.name);
  }
  if (!d.options.empty()) out += " " + PrintOptions(d.options);
  return out;
}

std::string PrintView(StatementKind kind, const ViewDdl& v) {
  if (kind == StatementKind::kDropView) {
    std::string out = "DROP VIEW ";
    if (v.if_exists) out += "IF EXISTS ";
    for (size_t i = 0; i < v.views.size(); ++i) out += (i ? ", " : "") + Name(v.views[i]);
    if (!v.tail.empty()) out += " " + v.tail;
    return out;
  }
  std::string out = kind == StatementKind::kCreateView ? "CREATE " : "ALTER ";
  if (v.or_replace) out += "OR REPLACE ";
  if (!v.prefix.empty()) out += v.prefix + " ";
  out += "VIEW ";
  if (v.if_not_exists) out += "IF NOT EXISTS ";
  if (!v.views.empty()) out += Name(v.views[0]);
  if (!v.columns.empty()) out += " " + v.columns;
  return out + " AS " + v.body;
}

// Calls fn(name, role) for every table name in the node; role 0 = acted on, 1 = referred to.
template <class Node, class Fn>
void VisitTables(Node& node, Fn&& fn) {
  using N = std::remove_const_t<Node>;
  auto refs_in_column = [&](auto& col) {
    if (col.references) fn(col.references->table, 1);
  };
  if constexpr (std::is_same_v<N, CreateTable>) {
    fn(node.table, 0);
    if (node.like) fn(*node.like, 1);
    for (auto& c : node.columns) refs_in_column(c);
    for (auto& i : node.constraints) {
      if (i.type == IndexDef::Type::kForeignKey) fn(i.references.table, 1);
    }
  } else if constexpr (std::is_same_v<N, AlterTable>) {
    fn(node.table, 0);
    for (auto& a : node.actions) {
      if (a.type == T::kRenameTable) fn(a.new_table, 0);
    }
    for (auto& a : node.actions) {
      if (a.type == T::kPartition && a.partition_op == P::kExchange) fn(a.new_table, 1);
      if (a.type == T::kAddColumn || a.type == T::kModifyColumn || a.type == T::kChangeColumn) {
        refs_in_column(a.column);
      }
      if (a.type == T::kAddIndex && a.index.type == IndexDef::Type::kForeignKey) {
        fn(a.index.references.table, 1);
      }
    }
  } else if constexpr (std::is_same_v<N, DropTable>) {
    for (auto& t : node.tables) fn(t, 0);
  } else if constexpr (std::is_same_v<N, RenameTable>) {
    for (auto& [from, to] : node.pairs) {
      fn(from, 0);
      fn(to, 0);
    }
  } else if constexpr (std::is_same_v<N, TruncateTable>) {
    fn(node.table, 0);
  } else if constexpr (std::is_same_v<N, CreateIndex> || std::is_same_v<N, DropIndex>) {
    fn(node.table, 0);
  } else if constexpr (std::is_same_v<N, ViewDdl>) {
    for (auto& v : node.views) fn(v, 0);
  }
}

rules::TableRef Resolve(const TableName& t, std::string_view default_schema) {
  return rules::TableRef{t.schema.empty() ? std::string(default_schema) : t.schema, t.name};
}

bool EqualFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view StatementKindName(StatementKind kind) {
  switch (kind) {
    case StatementKind::kCreateDatabase: return "CREATE DATABASE";
    case StatementKind::kAlterDatabase: return "ALTER DATABASE";
    case StatementKind::kDropDatabase: return "DROP DATABASE";
    case StatementKind::kCreateTable: return "CREATE TABLE";
    case StatementKind::kCreateTableLike: return "CREATE TABLE LIKE";
    case StatementKind::kAlterTable: return "ALTER TABLE";
    case StatementKind::kDropTable: return "DROP TABLE";
    case StatementKind::kRenameTable: return "RENAME TABLE";
    case StatementKind::kTruncateTable: return "TRUNCATE TABLE";
    case StatementKind::kCreateIndex: return "CREATE INDEX";
    case StatementKind::kDropIndex: return "DROP INDEX";
    case StatementKind::kCreateTableSelect: return "CREATE TABLE SELECT";
    case StatementKind::kCreateView: return "CREATE VIEW";
    case StatementKind::kAlterView: return "ALTER VIEW";
    case StatementKind::kDropView: return "DROP VIEW";
    case StatementKind::kBegin: return "BEGIN";
    case StatementKind::kCommit: return "COMMIT";
    case StatementKind::kRollback: return "ROLLBACK";
    case StatementKind::kDml: return "DML";
    case StatementKind::kSet: return "SET";
    case StatementKind::kUse: return "USE";
    case StatementKind::kAccount: return "ACCOUNT";
    case StatementKind::kAdmin: return "ADMIN";
    case StatementKind::kRoutine: return "ROUTINE";
    case StatementKind::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::string Statement::Print() const {
  if (const auto* d = std::get_if<DatabaseDdl>(&node)) return PrintDatabase(kind, *d);
  if (const auto* v = std::get_if<ViewDdl>(&node)) return PrintView(kind, *v);
  if (!HasAst()) return text;
  return std::visit(Printer{}, node);
}

std::vector<rules::TableRef> Statement::Tables(std::string_view default_schema) const {
  std::vector<rules::TableRef> acted, referred;
  if (const auto* d = std::get_if<DatabaseDdl>(&node)) {
    return {rules::TableRef{d->name.empty() ? std::string(default_schema) : d->name, ""}};
  }
  std::visit(
      [&](const auto& n) {
        VisitTables(n, [&](const TableName& t, int role) {
          (role == 0 ? acted : referred).push_back(Resolve(t, default_schema));
        });
      },
      node);
  acted.insert(acted.end(), referred.begin(), referred.end());
  return acted;
}

void Statement::RewriteTables(std::string_view default_schema,
                              const std::function<rules::TableRef(const rules::TableRef&)>& fn) {
  if (auto* d = std::get_if<DatabaseDdl>(&node)) {
    rules::TableRef r = fn(rules::TableRef{d->name.empty() ? std::string(default_schema) : d->name, ""});
    d->name = r.schema;
  } else {
    std::visit(
        [&](auto& n) {
          VisitTables(n, [&](TableName& t, int) {
            rules::TableRef r = fn(Resolve(t, default_schema));
            t.schema = std::move(r.schema);
            t.name = std::move(r.table);
          });
        },
        node);
  }
  if (HasAst()) text = Print();
}

std::vector<std::string> AlterActionEventNames(const AlterAction& a) {
  switch (a.type) {
    case T::kAddColumn: return {"add column"};
    case T::kDropColumn: return {"drop column"};
    case T::kModifyColumn: return {"modify column"};
    case T::kChangeColumn:
      if (!EqualFold(a.name, a.column.name)) return {"modify column", "rename column"};
      return {"modify column"};
    case T::kRenameColumn: return {"rename column"};
    case T::kSetDefault: return {"set default value"};
    case T::kDropDefault: return {"modify default value"};
    case T::kAddIndex:
      switch (a.index.type) {
        case IndexDef::Type::kPrimary: return {"add primary key"};
        case IndexDef::Type::kForeignKey: return {"add foreign key"};
        case IndexDef::Type::kCheck: return {"modify constraint"};
        default: return {"create index"};
      }
    case T::kDropIndex: return {"drop index"};
    case T::kDropPrimaryKey: return {"drop primary key"};
    case T::kDropForeignKey: return {"drop foreign key"};
    case T::kDropCheck:
    case T::kAlterCheck: return {"modify constraint"};
    case T::kIndexVisibility: return {"alter index visibility"};
    case T::kRenameIndex: return {"rename index"};
    case T::kRenameTable: return {"rename table"};
    case T::kConvertCharset: return {"modify table charset and collate"};
    case T::kTableOptions: {
      std::vector<std::string> out;
      for (const TableOption& o : a.options) {
        std::string n;
        if (o.name == "ENGINE") n = "modify storage engine";
        else if (o.name.find("CHARSET") != std::string::npos || o.name.find("COLLATE") != std::string::npos)
          n = "modify table charset and collate";
        else if (o.name == "COMMENT") n = "modify table comment";
        else if (o.name == "AUTO_INCREMENT") n = "rebase auto id";
        else continue;
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
      }
      return out;
    }
    case T::kPartition:
      switch (a.partition_op) {
        case P::kAdd: return {"add table partition"};
        case P::kDrop: return {"drop table partition"};
        case P::kTruncate: return {"truncate table partition"};
        case P::kReorganize: return {"reorganize table partition"};
        case P::kRebuild: return {"rebuild table partition"};
        case P::kCoalesce: return {"coalesce table partition"};
        case P::kExchange: return {"exchange table partition"};
        case P::kPartitionBy: return {"alter table partitioning"};
        case P::kRemovePartitioning: return {"remove table partitioning"};
        default: return {};
      }
    default: return {};
  }
}

std::string Statement::EventName() const {
  switch (kind) {
    case StatementKind::kCreateDatabase: return "create database";
    case StatementKind::kAlterDatabase: return "alter database";
    case StatementKind::kDropDatabase: return "drop database";
    case StatementKind::kCreateTable:
    case StatementKind::kCreateTableLike:
    case StatementKind::kCreateTableSelect: return "create table";
    case StatementKind::kAlterTable: return "alter table";
    case StatementKind::kDropTable: return "drop table";
    case StatementKind::kRenameTable: return "rename table";
    case StatementKind::kTruncateTable: return "truncate table";
    case StatementKind::kCreateIndex: return "create index";
    case StatementKind::kDropIndex: return "drop index";
    case StatementKind::kCreateView: return "create view";
    case StatementKind::kDropView: return "drop view";
    default: return "";
  }
}

std::vector<std::string> Statement::EventNames() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  if (const auto* a = std::get_if<AlterTable>(&node)) {
    for (const AlterAction& act : a->actions) {
      for (const std::string& n : AlterActionEventNames(act)) add(n);
    }
  }
  if (const auto* d = std::get_if<DatabaseDdl>(&node); d && kind == StatementKind::kAlterDatabase) {
    for (const TableOption& o : d->options) {
      if (o.name.find("CHARSET") != std::string::npos || o.name.find("COLLATE") != std::string::npos) {
        add("modify schema charset and collate");
      }
    }
  }
  add(EventName());
  return out;
}

std::vector<Statement> Statement::Split(bool alter_actions) const {
  auto make = [&](Node n) {
    Statement s;
    s.kind = kind;
    s.keyword = keyword;
    s.node = std::move(n);
    s.text = s.Print();
    return s;
  };
  std::vector<Statement> out;
  if (const auto* d = std::get_if<DropTable>(&node); d && d->tables.size() > 1) {
    for (const TableName& t : d->tables) {
      DropTable one = *d;
      one.tables = {t};
      out.push_back(make(std::move(one)));
    }
    return out;
  }
  if (const auto* r = std::get_if<RenameTable>(&node); r && r->pairs.size() > 1) {
    for (const auto& p : r->pairs) {
      RenameTable one = *r;
      one.pairs = {p};
      out.push_back(make(std::move(one)));
    }
    return out;
  }
  if (const auto* v = std::get_if<ViewDdl>(&node);
      v && kind == StatementKind::kDropView && v->views.size() > 1) {
    for (const TableName& t : v->views) {
      ViewDdl one = *v;
      one.views = {t};
      out.push_back(make(std::move(one)));
    }
    return out;
  }
  if (const auto* a = std::get_if<AlterTable>(&node)) {
    std::vector<AlterAction> common, renames, others;
    for (const AlterAction& act : a->actions) {
      if (act.type == T::kAlgorithm || act.type == T::kLock) {
        common.push_back(act);
      } else if (act.type == T::kRenameTable) {
        renames.push_back(act);
      } else {
        others.push_back(act);
      }
    }
    bool split_rename = !renames.empty() && !others.empty();
    if (!split_rename && !(alter_actions && others.size() + renames.size() > 1)) return {*this};
    std::vector<std::vector<AlterAction>> groups;
    if (alter_actions) {
      for (const AlterAction& act : others) groups.push_back({act});
    } else if (!others.empty()) {
      groups.push_back(others);
    }
    // MySQL applies RENAME after every other action; the last rename wins.
    if (!renames.empty()) groups.push_back({renames.back()});
    for (auto& g : groups) {
      AlterTable one = *a;
      one.actions = g;
      one.actions.insert(one.actions.end(), common.begin(), common.end());
      out.push_back(make(std::move(one)));
    }
    return out;
  }
  return {*this};
}

}  // namespace dm::ddl
