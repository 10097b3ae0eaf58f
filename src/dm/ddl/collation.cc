#include "dm/ddl/collation.h"

#include <algorithm>
#include <cctype>
#include <variant>

#include "dm/ddl/ast.h"

namespace dm::ddl {
namespace {

// A charset or collation name as written (bare, quoted or back-quoted) -> lower-case.
std::string Norm(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"' || v.front() == '`') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  std::string out(v);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool IsCharsetOption(const TableOption& o) { return o.name == "CHARSET" || o.name == "DEFAULT CHARSET"; }
bool IsCollateOption(const TableOption& o) { return o.name == "COLLATE" || o.name == "DEFAULT COLLATE"; }

class Adder {
 public:
  Adder(const CollationDefaults& d, CollationChanges* out) : d_(d), out_(out) {}

  // The default collation of `charset`, or "" (recorded as unknown).
  std::string DefaultOf(const std::string& charset) {
    std::string cs = Norm(charset);
    if (cs == "binary") return "";  // the binary charset has only its own collation
    auto it = d_.by_charset.find(cs);
    if (it != d_.by_charset.end()) return it->second;
    if (std::find(out_->unknown.begin(), out_->unknown.end(), cs) == out_->unknown.end()) {
      out_->unknown.push_back(cs);
    }
    return "";
  }

  void Column(ColumnDef& c) {
    if (c.type.charset.empty() || !c.type.collation.empty() || !c.collation.empty() || c.type.binary) return;
    std::string coll = DefaultOf(c.type.charset);
    if (coll.empty()) return;
    c.type.collation = coll;
    out_->added.push_back("column `" + c.name + "`: " + coll);
  }

  // Options of a table or database: a charset without a collation gets one.
  void Options(std::vector<TableOption>& opts, const std::string& what) {
    const TableOption* charset = nullptr;
    for (const auto& o : opts) {
      if (IsCollateOption(o)) return;
      if (IsCharsetOption(o)) charset = &o;
    }
    if (!charset) return;
    std::string coll = DefaultOf(charset->value);
    if (coll.empty()) return;
    opts.push_back(TableOption{"COLLATE", coll});
    out_->added.push_back(what + ": " + coll);
  }

 private:
  const CollationDefaults& d_;
  CollationChanges* out_;
};

}  // namespace

CollationChanges MakeCollationsExplicit(Statement& stmt, const CollationDefaults& defaults) {
  CollationChanges out;
  Adder add(defaults, &out);
  if (auto* ct = std::get_if<CreateTable>(&stmt.node)) {
    if (ct->like || !ct->select.empty()) return out;
    for (auto& c : ct->columns) add.Column(c);
    add.Options(ct->options, "table");
  } else if (auto* at = std::get_if<AlterTable>(&stmt.node)) {
    using T = AlterAction::Type;
    for (auto& a : at->actions) {
      if (a.type == T::kAddColumn || a.type == T::kModifyColumn || a.type == T::kChangeColumn) {
        add.Column(a.column);
      } else if (a.type == T::kConvertCharset && a.collation.empty()) {
        std::string coll = add.DefaultOf(a.charset);
        if (!coll.empty()) {
          a.collation = coll;
          out.added.push_back("table: " + coll);
        }
      } else if (a.type == T::kTableOptions) {
        add.Options(a.options, "table");
      }
    }
  } else if (auto* db = std::get_if<DatabaseDdl>(&stmt.node)) {
    if (stmt.kind == StatementKind::kCreateDatabase || stmt.kind == StatementKind::kAlterDatabase) {
      const bool any = std::any_of(db->options.begin(), db->options.end(), [](const TableOption& o) {
        return IsCharsetOption(o) || IsCollateOption(o);
      });
      if (any) {
        add.Options(db->options, "database");
      } else if (stmt.kind == StatementKind::kCreateDatabase && !defaults.server_collation.empty()) {
        db->options.push_back(TableOption{"COLLATE", defaults.server_collation});
        out.added.push_back("database: " + defaults.server_collation + " (the upstream's collation_server)");
      }
    }
  }
  if (out.changed()) stmt.text = stmt.Print();
  return out;
}

}  // namespace dm::ddl
