#include "dm/ddl/parser.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace dm::ddl {

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Canonical base type for each spelling the grammar accepts as one word.
const std::map<std::string, std::string>& SimpleTypes() {
  static const std::map<std::string, std::string> kTypes = {
      {"TINYINT", "tinyint"},   {"SMALLINT", "smallint"},   {"MEDIUMINT", "mediumint"},
      {"INT", "int"},           {"INTEGER", "int"},         {"BIGINT", "bigint"},
      {"INT1", "tinyint"},      {"INT2", "smallint"},       {"INT3", "mediumint"},
      {"MIDDLEINT", "mediumint"}, {"INT4", "int"},          {"INT8", "bigint"},
      {"BOOL", "tinyint"},      {"BOOLEAN", "tinyint"},     {"SERIAL", "bigint"},
      {"BIT", "bit"},           {"DECIMAL", "decimal"},     {"DEC", "decimal"},
      {"NUMERIC", "decimal"},   {"FIXED", "decimal"},       {"FLOAT", "float"},
      {"FLOAT4", "float"},      {"DOUBLE", "double"},       {"FLOAT8", "double"},
      {"REAL", "double"},       {"DATE", "date"},           {"TIME", "time"},
      {"DATETIME", "datetime"}, {"TIMESTAMP", "timestamp"}, {"YEAR", "year"},
      {"CHAR", "char"},         {"CHARACTER", "char"},      {"NCHAR", "char"},
      {"VARCHAR", "varchar"},   {"VARCHARACTER", "varchar"}, {"NVARCHAR", "varchar"},
      {"VARCHAR2", "varchar"},  {"BINARY", "binary"},       {"VARBINARY", "varbinary"},
      {"TINYBLOB", "tinyblob"}, {"BLOB", "blob"},           {"MEDIUMBLOB", "mediumblob"},
      {"LONGBLOB", "longblob"}, {"TINYTEXT", "tinytext"},   {"TEXT", "text"},
      {"MEDIUMTEXT", "mediumtext"}, {"LONGTEXT", "longtext"}, {"LONG", "mediumtext"},
      {"CLOB", "longtext"},     {"ENUM", "enum"},           {"SET", "set"},
      {"JSON", "json"},         {"GEOMETRY", "geometry"},   {"POINT", "point"},
      {"LINESTRING", "linestring"}, {"POLYGON", "polygon"}, {"MULTIPOINT", "multipoint"},
      {"MULTILINESTRING", "multilinestring"}, {"MULTIPOLYGON", "multipolygon"},
      {"GEOMETRYCOLLECTION", "geometrycollection"}, {"GEOMCOLLECTION", "geometrycollection"},
      {"INET4", "inet4"},       {"INET6", "inet6"},         {"UUID", "uuid"},
      {"VECTOR", "vector"},
  };
  return kTypes;
}

class Parser {
 public:
  Parser(std::string_view sql, std::vector<Token> toks) : sql_(sql), t_(std::move(toks)) {}

  Result<Statement> Run() {
    Statement st;
    st.text = std::string(sql_);
    Status s = Dispatch(&st);
    if (!s.ok()) return s;
    return st;
  }

  // Classification only (for Classify): sets kind/keyword, no error on bad bodies.
  void ClassifyOnly(Statement* st) {
    classify_only_ = true;
    Status s = Dispatch(st);
    (void)s;
    st->node = std::monostate();
  }

 private:
  // ---- token access ----
  const Token& Cur() const { return t_[std::min(p_, t_.size() - 1)]; }
  const Token& At(size_t i) const { return t_[std::min(i, t_.size() - 1)]; }
  bool AtEnd() const { return Cur().kind == TokenKind::kEnd || (Cur().IsOp(";") && At(p_ + 1).kind == TokenKind::kEnd); }
  bool Is(std::string_view kw) const { return Cur().Is(kw); }
  bool IsAt(size_t off, std::string_view kw) const { return At(p_ + off).Is(kw); }
  bool IsOp(std::string_view op) const { return Cur().IsOp(op); }
  bool Accept(std::string_view kw) {
    if (!Is(kw)) return false;
    ++p_;
    return true;
  }
  bool AcceptSeq(std::initializer_list<std::string_view> kws) {
    size_t i = 0;
    for (auto kw : kws) {
      if (!IsAt(i++, kw)) return false;
    }
    p_ += kws.size();
    return true;
  }
  bool AcceptOp(std::string_view op) {
    if (!IsOp(op)) return false;
    ++p_;
    return true;
  }
  std::string Found() const {
    if (Cur().kind == TokenKind::kEnd) return "end of statement";
    std::string_view raw = sql_.substr(Cur().begin, Cur().end - Cur().begin);
    if (raw.size() > 40) raw = raw.substr(0, 40);
    return "'" + std::string(raw) + "'";
  }
  Status Fail(std::string_view expected) const {
    return Status::InvalidArgument(
        DescribeError(sql_, Cur().begin, "expected " + std::string(expected) + ", found " + Found()));
  }
  Status Expect(std::string_view kw) {
    if (Accept(kw)) return Status::OK();
    return Fail(kw);
  }
  Status ExpectOp(std::string_view op) {
    if (AcceptOp(op)) return Status::OK();
    return Fail("'" + std::string(op) + "'");
  }
  Status ExpectEnd() {
    AcceptOp(";");
    if (Cur().kind == TokenKind::kEnd) return Status::OK();
    return Fail("end of statement");
  }

  // Tokens [from, to) re-joined (comments dropped, single spaces where the source had any).
  Sql Slice(size_t from, size_t to) const {
    Sql out;
    for (size_t i = from; i < to && i < t_.size(); ++i) {
      const Token& tok = t_[i];
      if (tok.kind == TokenKind::kEnd) break;
      if (i > from && tok.space_before) out.push_back(' ');
      out.append(sql_.substr(tok.begin, tok.end - tok.begin));
    }
    return out;
  }

  // ---- names ----
  Result<std::string> Ident(std::string_view what = "an identifier") {
    const Token& tok = Cur();
    if (tok.kind == TokenKind::kIdent || tok.kind == TokenKind::kQuotedIdent) {
      ++p_;
      return tok.text;
    }
    return Fail(what);
  }
  Result<TableName> Table() {
    TableName n;
    DM_ASSIGN_OR_RETURN(n.name, Ident("a table name"));
    if (IsOp(".")) {
      ++p_;
      n.schema = std::move(n.name);
      DM_ASSIGN_OR_RETURN(n.name, Ident("a table name after '.'"));
    }
    return n;
  }
  Result<std::vector<std::string>> IdentList() {
    std::vector<std::string> out;
    DM_RETURN_IF_ERROR(ExpectOp("("));
    do {
      DM_ASSIGN_OR_RETURN(std::string n, Ident("a column name"));
      out.push_back(std::move(n));
    } while (AcceptOp(","));
    DM_RETURN_IF_ERROR(ExpectOp(")"));
    return out;
  }
  Result<std::string> StringValue(std::string_view what) {
    if (Cur().kind != TokenKind::kString) return Fail(what);
    std::string v = Cur().text;
    ++p_;
    while (Cur().kind == TokenKind::kString && Cur().charset.empty()) v += t_[p_++].text;
    return v;
  }
  // Charset / collation names: identifiers, strings ('utf8mb4') or BINARY / DEFAULT.
  Result<std::string> CharsetName() {
    if (Cur().kind == TokenKind::kString) return StringValue("a character set name");
    DM_ASSIGN_OR_RETURN(std::string n, Ident("a character set or collation name"));
    return Lower(n);
  }

  // ---- balanced text and expressions ----
  // Skips a parenthesised group starting at '('; returns the index one past its ')'.
  Status SkipParens() {
    if (!IsOp("(")) return Fail("'('");
    size_t open = p_;
    int depth = 0;
    while (true) {
      const Token& tok = Cur();
      if (tok.kind == TokenKind::kEnd) {
        return Status::InvalidArgument(
            DescribeError(sql_, At(open).begin, "unbalanced parenthesis: no matching ')'"));
      }
      ++p_;
      if (tok.IsOp("(")) ++depth;
      if (tok.IsOp(")") && --depth == 0) return Status::OK();
    }
  }
  // Text inside a parenthesised group: "(a + b)" -> "a + b".
  Result<Sql> ParenBody() {
    size_t open = p_;
    DM_RETURN_IF_ERROR(SkipParens());
    return Slice(open + 1, p_ - 1);
  }
  static bool IsBinaryOp(const Token& tok) {
    static constexpr std::string_view kOps[] = {"+", "-", "*", "/", "%", "^", "&", "|", "<<",
                                                ">>", "||", "&&", "->", "->>"};
    if (tok.kind == TokenKind::kOperator) {
      for (auto op : kOps) {
        if (tok.text == op) return true;
      }
      return false;
    }
    return tok.Is("DIV") || tok.Is("MOD");
  }
  Status ScanPrimary() {
    const Token& tok = Cur();
    switch (tok.kind) {
      case TokenKind::kString:
        ++p_;
        while (Cur().kind == TokenKind::kString && Cur().charset.empty()) ++p_;
        return Status::OK();
      case TokenKind::kNumber:
      case TokenKind::kHex:
      case TokenKind::kBit:
      case TokenKind::kVariable:
      case TokenKind::kParam:
        ++p_;
        return Status::OK();
      case TokenKind::kOperator:
        if (tok.IsOp("(")) return SkipParens();
        return Fail("an expression");
      case TokenKind::kIdent:
      case TokenKind::kQuotedIdent: {
        if (tok.kind == TokenKind::kIdent && (tok.Is("NOT") || tok.Is("ON") || tok.Is("COMMENT") ||
                                              tok.Is("COLLATE") || tok.Is("AUTO_INCREMENT"))) {
          return Fail("an expression");
        }
        bool next_value = tok.Is("NEXT") && IsAt(1, "VALUE") && IsAt(2, "FOR");
        bool prev_value = tok.Is("PREVIOUS") && IsAt(1, "VALUE") && IsAt(2, "FOR");
        if (next_value || prev_value) {
          p_ += 3;
          DM_ASSIGN_OR_RETURN(TableName seq, Table());
          (void)seq;
          return Status::OK();
        }
        bool typed_literal = tok.Is("DATE") || tok.Is("TIME") || tok.Is("TIMESTAMP");
        ++p_;
        if (typed_literal && Cur().kind == TokenKind::kString) {
          ++p_;
          return Status::OK();
        }
        while (IsOp(".") && At(p_ + 1).IsWord()) p_ += 2;
        if (IsOp("(")) return SkipParens();
        return Status::OK();
      }
      case TokenKind::kEnd:
        return Fail("an expression");
    }
    return Fail("an expression");
  }
  Status ScanUnary() {
    while (IsOp("-") || IsOp("+") || IsOp("~") || IsOp("!")) ++p_;
    return ScanPrimary();
  }
  // A DEFAULT / ON UPDATE / SET DEFAULT expression: literal, function call, parenthesised
  // expression, or such operands joined by arithmetic/bit/string operators.
  Result<Sql> Expr() {
    size_t start = p_;
    DM_RETURN_IF_ERROR(ScanUnary());
    while (IsBinaryOp(Cur())) {
      ++p_;
      DM_RETURN_IF_ERROR(ScanUnary());
    }
    return Slice(start, p_);
  }

  // ---- data types ----
  Result<DataType> Type() {
    DataType dt;
    size_t start = p_;
    const Token& first = Cur();
    if (first.kind != TokenKind::kIdent) return Fail("a data type");
    std::string w = Upper(first.text);
    ++p_;
    std::string canon;
    if (w == "DOUBLE" && Accept("PRECISION")) {
      canon = "double";
    } else if (w == "LONG") {
      if (Accept("VARBINARY")) {
        canon = "mediumblob";
      } else {
        Accept("VARCHAR") || Accept("VARCHARACTER");
        canon = "mediumtext";
      }
    } else if (w == "NATIONAL") {
      if (Accept("VARCHAR") || Accept("VARCHARACTER")) {
        canon = "varchar";
      } else if (Accept("CHAR") || Accept("CHARACTER")) {
        canon = Accept("VARYING") ? "varchar" : "char";
      } else {
        return Fail("CHAR or VARCHAR after NATIONAL");
      }
      dt.national = true;
    } else if ((w == "CHAR" || w == "CHARACTER") && Accept("VARYING")) {
      canon = "varchar";
    } else if (w == "NCHAR") {
      canon = (Accept("VARCHAR") || Accept("VARCHARACTER") || Accept("VARYING")) ? "varchar" : "char";
      dt.national = true;
    } else {
      auto it = SimpleTypes().find(w);
      if (it == SimpleTypes().end()) {
        p_ = start;
        return Status::InvalidArgument(
            DescribeError(sql_, first.begin, "unknown data type '" + first.text + "'"));
      }
      canon = it->second;
      if (w == "NVARCHAR") dt.national = true;
    }
    dt.name = canon;
    if (IsOp("(")) {
      ++p_;
      if (canon == "enum" || canon == "set") {
        do {
          DM_ASSIGN_OR_RETURN(std::string v, StringValue("a quoted " + Upper(canon) + " member"));
          dt.args.push_back(std::move(v));
        } while (AcceptOp(","));
      } else {
        do {
          const Token& a = Cur();
          if (a.kind != TokenKind::kNumber && a.kind != TokenKind::kIdent) return Fail("a length or precision");
          dt.args.push_back(a.text);
          ++p_;
        } while (AcceptOp(","));
      }
      DM_RETURN_IF_ERROR(ExpectOp(")"));
    }
    if (w == "BOOL" || w == "BOOLEAN") dt.args = {"1"};
    while (true) {
      if (Accept("UNSIGNED")) {
        dt.is_unsigned = true;
      } else if (Accept("SIGNED")) {
      } else if (Accept("ZEROFILL")) {
        dt.zerofill = true;
        dt.is_unsigned = true;
      } else {
        break;
      }
    }
    if (w == "SERIAL") dt.is_unsigned = true;
    dt.text = Slice(start, p_);
    // Charset part of the type: [CHARACTER SET x | CHARSET x] [BINARY] [ASCII|UNICODE|BYTE].
    while (true) {
      if (AcceptSeq({"CHARACTER", "SET"}) || Accept("CHARSET") || AcceptSeq({"CHAR", "SET"})) {
        DM_ASSIGN_OR_RETURN(dt.charset, CharsetName());
      } else if (Accept("BINARY")) {
        dt.binary = true;
      } else if (Accept("ASCII")) {
        dt.charset = "latin1";
      } else if (Accept("UNICODE")) {
        dt.charset = "ucs2";
      } else if (Accept("BYTE")) {
        if (dt.name == "char") dt.name = "binary";
        if (dt.name == "varchar") dt.name = "varbinary";
        dt.text = Slice(start, p_);  // BYTE changes the type: keep it in the text
      } else {
        break;
      }
    }
    return dt;
  }

  // ---- REFERENCES ----
  Result<ReferenceDef> References() {
    ReferenceDef r;
    DM_RETURN_IF_ERROR(Expect("REFERENCES"));
    DM_ASSIGN_OR_RETURN(r.table, Table());
    if (IsOp("(")) {
      DM_ASSIGN_OR_RETURN(r.columns, IdentList());
    }
    size_t start = p_;
    while (true) {
      if (Accept("MATCH")) {
        if (!(Accept("FULL") || Accept("PARTIAL") || Accept("SIMPLE"))) return Fail("FULL, PARTIAL or SIMPLE");
      } else if (Is("ON") && (IsAt(1, "DELETE") || IsAt(1, "UPDATE"))) {
        p_ += 2;
        if (Accept("RESTRICT") || Accept("CASCADE") || AcceptSeq({"SET", "NULL"}) ||
            AcceptSeq({"SET", "DEFAULT"}) || AcceptSeq({"NO", "ACTION"})) {
        } else {
          return Fail("RESTRICT, CASCADE, SET NULL, SET DEFAULT or NO ACTION");
        }
      } else {
        break;
      }
    }
    r.actions = Slice(start, p_);
    return r;
  }

  // ---- column definitions ----
  Status CheckClause(size_t start, Sql* out) {
    // [CONSTRAINT [name]] CHECK (expr) [[NOT] ENFORCED]
    DM_RETURN_IF_ERROR(Expect("CHECK"));
    DM_RETURN_IF_ERROR(SkipParens());
    if (!AcceptSeq({"NOT", "ENFORCED"})) Accept("ENFORCED");
    *out = Slice(start, p_);
    return Status::OK();
  }

  Result<ColumnDef> Column() {
    ColumnDef c;
    DM_ASSIGN_OR_RETURN(c.name, Ident("a column name"));
    DM_ASSIGN_OR_RETURN(c.type, Type());
    while (true) {
      size_t start = p_;
      if (AcceptSeq({"NOT", "NULL"})) {
        c.nullable = false;
      } else if (Accept("NULL")) {
        c.nullable = true;
      } else if (Accept("DEFAULT")) {
        DM_ASSIGN_OR_RETURN(Sql e, Expr());
        c.default_expr = std::move(e);
      } else if (Is("ON") && IsAt(1, "UPDATE")) {
        p_ += 2;
        DM_ASSIGN_OR_RETURN(Sql e, Expr());
        c.on_update = std::move(e);
      } else if (Accept("AUTO_INCREMENT")) {
        c.auto_increment = true;
      } else if (AcceptSeq({"PRIMARY", "KEY"})) {
        c.primary_key = true;
      } else if (Accept("KEY")) {
        c.primary_key = true;
      } else if (Accept("UNIQUE")) {
        Accept("KEY");
        c.unique_key = true;
      } else if (Accept("COMMENT")) {
        DM_ASSIGN_OR_RETURN(std::string v, StringValue("a quoted comment"));
        c.comment = std::move(v);
      } else if (Accept("COLLATE")) {
        DM_ASSIGN_OR_RETURN(c.collation, CharsetName());
      } else if (AcceptSeq({"CHARACTER", "SET"}) || Accept("CHARSET")) {
        DM_ASSIGN_OR_RETURN(c.type.charset, CharsetName());
      } else if (Is("GENERATED") || Is("AS")) {
        if (Accept("GENERATED")) DM_RETURN_IF_ERROR(Expect("ALWAYS"));
        DM_RETURN_IF_ERROR(Expect("AS"));
        GeneratedDef g;
        DM_ASSIGN_OR_RETURN(g.expr, ParenBody());
        if (Is("VIRTUAL") || Is("STORED") || Is("PERSISTENT")) g.storage = Upper(t_[p_++].text);
        c.generated = std::move(g);
      } else if ((Is("VIRTUAL") || Is("STORED") || Is("PERSISTENT")) && c.generated) {
        c.generated->storage = Upper(t_[p_++].text);
      } else if (Is("CHECK") || Is("CONSTRAINT")) {
        if (Accept("CONSTRAINT") && !Is("CHECK")) DM_RETURN_IF_ERROR(Ident("a constraint name").status());
        Sql chk;
        DM_RETURN_IF_ERROR(CheckClause(start, &chk));
        c.check = std::move(chk);
      } else if (Is("REFERENCES")) {
        DM_ASSIGN_OR_RETURN(ReferenceDef r, References());
        c.references = std::move(r);
      } else if (Accept("INVISIBLE") || Accept("VISIBLE") || AcceptSeq({"SERIAL", "DEFAULT", "VALUE"}) ||
                 AcceptSeq({"WITH", "SYSTEM", "VERSIONING"}) ||
                 AcceptSeq({"WITHOUT", "SYSTEM", "VERSIONING"})) {
        c.extra.push_back(Slice(start, p_));
      } else if (Accept("COLUMN_FORMAT") || Accept("STORAGE")) {
        DM_RETURN_IF_ERROR(Ident("a column format or storage").status());
        c.extra.push_back(Slice(start, p_));
      } else if (Accept("SRID") || Accept("REF_SYSTEM_ID") || Accept("ENGINE_ATTRIBUTE") ||
                 Accept("SECONDARY_ENGINE_ATTRIBUTE") || Accept("COMPRESSED")) {
        bool needs_value = !t_[p_ - 1].Is("COMPRESSED");
        bool eq = AcceptOp("=");
        if (needs_value || eq) {
          if (Cur().kind == TokenKind::kEnd || IsOp(",") || IsOp(")")) return Fail("a value");
          ++p_;
        }
        c.extra.push_back(Slice(start, p_));
      } else {
        break;
      }
    }
    return c;
  }

  // ---- keys and constraints ----
  Result<std::vector<KeyPart>> KeyParts() {
    std::vector<KeyPart> parts;
    DM_RETURN_IF_ERROR(ExpectOp("("));
    do {
      KeyPart kp;
      if (IsOp("(")) {
        DM_ASSIGN_OR_RETURN(kp.expr, ParenBody());
      } else {
        DM_ASSIGN_OR_RETURN(kp.column, Ident("a key column"));
        if (AcceptOp("(")) {
          if (Cur().kind != TokenKind::kNumber) return Fail("a prefix length");
          kp.length = t_[p_++].text;
          DM_RETURN_IF_ERROR(ExpectOp(")"));
        }
      }
      if (Accept("ASC")) kp.order = "ASC";
      else if (Accept("DESC")) kp.order = "DESC";
      parts.push_back(std::move(kp));
    } while (AcceptOp(","));
    DM_RETURN_IF_ERROR(ExpectOp(")"));
    return parts;
  }
  Status IndexOptions(IndexDef* idx) {
    while (true) {
      size_t start = p_;
      if (Accept("USING")) {
        DM_RETURN_IF_ERROR(Ident("BTREE, HASH or RTREE").status());
      } else if (Accept("KEY_BLOCK_SIZE") || Accept("ENGINE_ATTRIBUTE") ||
                 Accept("SECONDARY_ENGINE_ATTRIBUTE") || Accept("CLUSTERING")) {
        AcceptOp("=");
        if (Cur().kind == TokenKind::kEnd || IsOp(",") || IsOp(")")) return Fail("a value");
        ++p_;
      } else if (Accept("COMMENT")) {
        DM_RETURN_IF_ERROR(StringValue("a quoted comment").status());
      } else if (AcceptSeq({"WITH", "PARSER"})) {
        DM_RETURN_IF_ERROR(Ident("a parser name").status());
      } else if (Accept("VISIBLE") || Accept("INVISIBLE") || Accept("IGNORED") ||
                 AcceptSeq({"NOT", "IGNORED"})) {
      } else {
        return Status::OK();
      }
      idx->options.push_back(Slice(start, p_));
    }
  }
  bool AtIndexStart() const {
    return Is("PRIMARY") || Is("UNIQUE") || Is("KEY") || Is("INDEX") || Is("FULLTEXT") ||
           Is("SPATIAL") || Is("FOREIGN") || Is("CONSTRAINT") || Is("CHECK");
  }
  // One key/constraint definition (CREATE TABLE element or ALTER TABLE ADD ...).
  Result<IndexDef> Index() {
    IndexDef idx;
    if (Accept("CONSTRAINT")) {
      idx.has_constraint = true;
      if (Accept("IF")) {
        DM_RETURN_IF_ERROR(Expect("NOT"));
        DM_RETURN_IF_ERROR(Expect("EXISTS"));
        idx.if_not_exists = true;
      }
      if (!(Is("PRIMARY") || Is("UNIQUE") || Is("FOREIGN") || Is("CHECK"))) {
        DM_ASSIGN_OR_RETURN(idx.constraint_name, Ident("a constraint name"));
      }
    }
    bool name_allowed = true;
    if (AcceptSeq({"PRIMARY", "KEY"})) {
      idx.type = IndexDef::Type::kPrimary;
      name_allowed = false;
    } else if (Accept("UNIQUE")) {
      idx.type = IndexDef::Type::kUnique;
      Accept("INDEX") || Accept("KEY");
    } else if (Accept("INDEX") || Accept("KEY")) {
      idx.type = IndexDef::Type::kIndex;
    } else if (Accept("FULLTEXT")) {
      idx.type = IndexDef::Type::kFulltext;
      Accept("INDEX") || Accept("KEY");
    } else if (Accept("SPATIAL")) {
      idx.type = IndexDef::Type::kSpatial;
      Accept("INDEX") || Accept("KEY");
    } else if (AcceptSeq({"FOREIGN", "KEY"})) {
      idx.type = IndexDef::Type::kForeignKey;
      if (AcceptSeq({"IF", "NOT", "EXISTS"})) idx.if_not_exists = true;
      if (!IsOp("(")) {
        DM_ASSIGN_OR_RETURN(idx.name, Ident("an index name"));
      }
      DM_ASSIGN_OR_RETURN(std::vector<std::string> cols, IdentList());
      for (auto& c : cols) idx.parts.push_back(KeyPart{std::move(c), std::nullopt, "", ""});
      DM_ASSIGN_OR_RETURN(idx.references, References());
      return idx;
    } else if (Is("CHECK")) {
      idx.type = IndexDef::Type::kCheck;
      ++p_;
      DM_ASSIGN_OR_RETURN(idx.check_expr, ParenBody());
      size_t start = p_;
      if (!AcceptSeq({"NOT", "ENFORCED"})) Accept("ENFORCED");
      idx.check_tail = Slice(start, p_);
      return idx;
    } else {
      return Fail("PRIMARY KEY, UNIQUE, INDEX, KEY, FULLTEXT, SPATIAL, FOREIGN KEY or CHECK");
    }
    if (AcceptSeq({"IF", "NOT", "EXISTS"})) idx.if_not_exists = true;
    if (name_allowed && !IsOp("(") && !Is("USING") && !Is("TYPE")) {
      DM_ASSIGN_OR_RETURN(idx.name, Ident("an index name"));
    }
    if (Accept("USING") || Accept("TYPE")) {
      DM_ASSIGN_OR_RETURN(std::string u, Ident("BTREE, HASH or RTREE"));
      idx.using_type = Upper(u);
    }
    DM_ASSIGN_OR_RETURN(idx.parts, KeyParts());
    DM_RETURN_IF_ERROR(IndexOptions(&idx));
    return idx;
  }

  // ---- table options ----
  bool AtTableOption() const {
    static constexpr std::string_view kNames[] = {
        "ENGINE", "TYPE", "AUTO_INCREMENT", "AVG_ROW_LENGTH", "CHARACTER", "CHARSET", "CHECKSUM",
        "TABLE_CHECKSUM", "PAGE_CHECKSUM", "COLLATE", "COMMENT", "COMPRESSION", "CONNECTION",
        "DATA", "INDEX", "DELAY_KEY_WRITE", "ENCRYPTION", "ENCRYPTED", "ENCRYPTION_KEY_ID",
        "IETF_QUOTES", "INSERT_METHOD", "KEY_BLOCK_SIZE", "MAX_ROWS", "MIN_ROWS", "PACK_KEYS",
        "PASSWORD", "ROW_FORMAT", "STATS_AUTO_RECALC", "STATS_PERSISTENT", "STATS_SAMPLE_PAGES",
        "TABLESPACE", "UNION", "TRANSACTIONAL", "PAGE_COMPRESSED", "PAGE_COMPRESSION_LEVEL",
        "SEQUENCE", "ENGINE_ATTRIBUTE", "SECONDARY_ENGINE", "SECONDARY_ENGINE_ATTRIBUTE",
        "AUTOEXTEND_SIZE", "STORAGE"};
    if (Is("DEFAULT")) {
      return IsAt(1, "CHARACTER") || IsAt(1, "CHARSET") || IsAt(1, "COLLATE") ||
             IsAt(1, "CHAR");
    }
    if (Is("START") && IsAt(1, "TRANSACTION")) return true;
    if (Is("WITH") && IsAt(1, "SYSTEM")) return true;
    if (Is("DATA") || Is("INDEX")) return IsAt(1, "DIRECTORY");
    if (Is("CHARACTER")) return IsAt(1, "SET");
    for (auto n : kNames) {
      if (Is(n)) return true;
    }
    // Engine-defined options (MariaDB): name = value.
    return Cur().IsWord() && At(p_ + 1).IsOp("=");
  }
  Result<TableOption> Option() {
    TableOption o;
    bool dflt = Accept("DEFAULT");
    if (AcceptSeq({"CHARACTER", "SET"}) || Accept("CHARSET") || AcceptSeq({"CHAR", "SET"})) {
      o.name = dflt ? "DEFAULT CHARSET" : "CHARSET";
    } else if (Accept("COLLATE")) {
      o.name = dflt ? "DEFAULT COLLATE" : "COLLATE";
    } else if (dflt) {
      return Fail("CHARACTER SET or COLLATE after DEFAULT");
    } else if (AcceptSeq({"START", "TRANSACTION"})) {
      o.name = "START TRANSACTION";
      return o;
    } else if (AcceptSeq({"WITH", "SYSTEM", "VERSIONING"})) {
      o.name = "WITH SYSTEM VERSIONING";
      return o;
    } else if (AcceptSeq({"DATA", "DIRECTORY"})) {
      o.name = "DATA DIRECTORY";
    } else if (AcceptSeq({"INDEX", "DIRECTORY"})) {
      o.name = "INDEX DIRECTORY";
    } else {
      bool quoted = Cur().kind == TokenKind::kQuotedIdent;
      DM_ASSIGN_OR_RETURN(std::string n, Ident("a table option"));
      o.name = quoted ? n : Upper(n);
      if (o.name == "TYPE") o.name = "ENGINE";
    }
    AcceptOp("=");
    size_t start = p_;
    if (IsOp("(")) {
      DM_RETURN_IF_ERROR(SkipParens());
    } else if (Cur().kind == TokenKind::kString) {
      DM_RETURN_IF_ERROR(StringValue("a value").status());
    } else if (Cur().kind == TokenKind::kEnd || IsOp(",") || IsOp(";")) {
      return Fail("a value for " + o.name);
    } else {
      ++p_;
      if (o.name == "TABLESPACE" && Accept("STORAGE")) {
        DM_RETURN_IF_ERROR(Ident("DISK or MEMORY").status());
      }
    }
    o.value = Slice(start, p_);
    return o;
  }
  Status TableOptions(std::vector<TableOption>* out) {
    while (AtTableOption()) {
      DM_ASSIGN_OR_RETURN(TableOption o, Option());
      out->push_back(std::move(o));
      if (IsOp(",") && (At(p_ + 1).kind == TokenKind::kIdent) && !classify_only_) {
        size_t save = p_;
        ++p_;
        if (!AtTableOption()) {
          p_ = save;
          break;
        }
      }
    }
    return Status::OK();
  }
  // PARTITION BY ... as written, up to `stop` (SELECT part of CREATE TABLE) or the end.
  Result<Sql> PartitionClause(bool stop_at_select) {
    size_t start = p_;
    int depth = 0;
    while (!(depth == 0 && AtEnd())) {
      if (Cur().kind == TokenKind::kEnd) break;
      if (depth == 0 && stop_at_select && (Is("AS") || Is("SELECT") || Is("IGNORE") || Is("REPLACE") || Is("WITH"))) break;
      if (IsOp("(")) ++depth;
      if (IsOp(")")) {
        if (depth == 0) return Fail("end of partition clause");
        --depth;
      }
      ++p_;
    }
    if (depth != 0) return Fail("')'");
    return Slice(start, p_);
  }

  // ---- statements ----
  Status Dispatch(Statement* st) {
    if (Cur().kind == TokenKind::kEnd) {
      st->kind = StatementKind::kUnknown;
      return Status::InvalidArgument(DescribeError(sql_, 0, "empty statement"));
    }
    if (IsOp("(")) return Classified(st, StatementKind::kDml, "SELECT");
    std::string w = Upper(Cur().kind == TokenKind::kIdent ? Cur().text : "");
    if (w == "CREATE") return Create(st);
    if (w == "ALTER") return Alter(st);
    if (w == "DROP") return Drop(st);
    if (w == "RENAME") {
      if (IsAt(1, "TABLE") || IsAt(1, "TABLES")) return Rename(st);
      return Classified(st, StatementKind::kAccount, "RENAME " + Upper(At(p_ + 1).text));
    }
    if (w == "TRUNCATE") return Truncate(st);
    if (w == "BEGIN") {
      if (IsAt(1, "NOT") || (At(p_ + 1).kind != TokenKind::kEnd && !IsAt(1, "WORK") && !At(p_ + 1).IsOp(";"))) {
        return Classified(st, StatementKind::kUnknown, "BEGIN ... END");
      }
      return Classified(st, StatementKind::kBegin, "BEGIN");
    }
    if (w == "START") {
      if (IsAt(1, "TRANSACTION")) return Classified(st, StatementKind::kBegin, "START TRANSACTION");
      return Classified(st, StatementKind::kAdmin, "START " + Upper(At(p_ + 1).text));
    }
    if (w == "COMMIT") return Classified(st, StatementKind::kCommit, "COMMIT");
    if (w == "ROLLBACK") return Classified(st, StatementKind::kRollback, "ROLLBACK");
    if (w == "SAVEPOINT") return Classified(st, StatementKind::kRollback, "SAVEPOINT");
    if (w == "RELEASE") return Classified(st, StatementKind::kRollback, "RELEASE SAVEPOINT");
    if (w == "XA") {
      std::string sub = Upper(At(p_ + 1).text);
      StatementKind k = (sub == "START" || sub == "BEGIN") ? StatementKind::kBegin
                        : sub == "ROLLBACK"                ? StatementKind::kRollback
                                                           : StatementKind::kCommit;
      return Classified(st, k, "XA " + sub);
    }
    static constexpr std::string_view kDml[] = {"INSERT", "REPLACE", "UPDATE", "DELETE", "CALL",
                                                "DO",     "SELECT",  "WITH",   "HANDLER", "VALUES",
                                                "TABLE"};
    for (auto d : kDml) {
      if (w == d) return Classified(st, StatementKind::kDml, w);
    }
    if (w == "LOAD") {
      std::string sub = Upper(At(p_ + 1).text);
      if (sub == "DATA" || sub == "XML") return Classified(st, StatementKind::kDml, "LOAD " + sub);
      return Classified(st, StatementKind::kAdmin, "LOAD " + sub);
    }
    if (w == "SET") {
      std::string sub = Upper(At(p_ + 1).text);
      if (sub == "PASSWORD" || sub == "ROLE" || (sub == "DEFAULT" && IsAt(2, "ROLE"))) {
        return Classified(st, StatementKind::kAccount, "SET " + sub);
      }
      return Classified(st, StatementKind::kSet, "SET");
    }
    if (w == "USE") return Classified(st, StatementKind::kUse, "USE");
    if (w == "GRANT" || w == "REVOKE") return Classified(st, StatementKind::kAccount, w);
    static constexpr std::string_view kAdmin[] = {
        "FLUSH",   "RESET",    "PURGE",    "KILL",     "ANALYZE", "OPTIMIZE", "REPAIR",
        "CHECK",   "CHECKSUM", "INSTALL",  "UNINSTALL", "LOCK",   "UNLOCK",   "SHOW",
        "EXPLAIN", "DESCRIBE", "DESC",     "CACHE",    "BINLOG",  "CHANGE",   "STOP",
        "PREPARE", "EXECUTE",  "DEALLOCATE", "HELP",   "SHUTDOWN", "RESTART", "CLONE",
        "IMPORT",  "BACKUP",   "GET",      "SIGNAL",   "RESIGNAL"};
    for (auto a : kAdmin) {
      if (w == a) {
        std::string kw = w;
        if (At(p_ + 1).kind == TokenKind::kIdent) kw += " " + Upper(At(p_ + 1).text);
        return Classified(st, StatementKind::kAdmin, kw);
      }
    }
    return Classified(st, StatementKind::kUnknown, w.empty() ? Upper(Cur().text) : w);
  }

  Status Classified(Statement* st, StatementKind kind, std::string keyword) {
    st->kind = kind;
    st->keyword = std::move(keyword);
    return Status::OK();
  }

  // Skips [ALGORITHM = x] [DEFINER = user] [SQL SECURITY x] before VIEW/TRIGGER/...
  Status SkipCreatePrefix() {
    while (true) {
      if (Accept("ALGORITHM")) {
        DM_RETURN_IF_ERROR(ExpectOp("="));
        DM_RETURN_IF_ERROR(Ident("UNDEFINED, MERGE or TEMPTABLE").status());
      } else if (Accept("DEFINER")) {
        DM_RETURN_IF_ERROR(ExpectOp("="));
        if (Accept("CURRENT_USER") || Accept("CURRENT_ROLE")) {
          if (AcceptOp("(")) DM_RETURN_IF_ERROR(ExpectOp(")"));
        } else {
          if (!(Cur().IsWord() || Cur().kind == TokenKind::kString)) return Fail("a user name");
          ++p_;
          if (Cur().kind == TokenKind::kVariable) {
            ++p_;  // @host lexed as a variable
          } else if (AcceptOp("@")) {
            if (!(Cur().IsWord() || Cur().kind == TokenKind::kString)) return Fail("a host name");
            ++p_;
          }
        }
      } else if (AcceptSeq({"SQL", "SECURITY"})) {
        DM_RETURN_IF_ERROR(Ident("DEFINER or INVOKER").status());
      } else {
        return Status::OK();
      }
    }
  }

  Status Create(Statement* st) {
    ++p_;  // CREATE
    bool or_replace = AcceptSeq({"OR", "REPLACE"});
    size_t after_or = p_;
    if (Is("TEMPORARY") || Is("TABLE")) return CreateTableStmt(st, or_replace);
    if (Is("DATABASE") || Is("SCHEMA")) return DatabaseStmt(st, StatementKind::kCreateDatabase, or_replace);
    if (Is("UNIQUE") || Is("FULLTEXT") || Is("SPATIAL") || Is("INDEX") ||
        ((Is("ONLINE") || Is("OFFLINE")) && (IsAt(1, "INDEX") || IsAt(1, "UNIQUE") ||
                                            IsAt(1, "FULLTEXT") || IsAt(1, "SPATIAL")))) {
      return CreateIndexStmt(st, or_replace);
    }
    DM_RETURN_IF_ERROR(SkipCreatePrefix());
    if (Is("VIEW")) return View(st, StatementKind::kCreateView, or_replace, after_or);
    Accept("AGGREGATE");
    Accept("DEFINITIONAL");
    std::string obj = Upper(Cur().text);
    if (obj == "USER" || obj == "ROLE") return Classified(st, StatementKind::kAccount, "CREATE " + obj);
    static constexpr std::string_view kRoutines[] = {
        "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT",   "PACKAGE",  "SERVER",
        "SEQUENCE", "TABLESPACE", "LOGFILE", "SPATIAL", "RESOURCE", "UNDO"};
    for (auto r : kRoutines) {
      if (obj == r) return Classified(st, StatementKind::kRoutine, "CREATE " + obj);
    }
    return Classified(st, StatementKind::kUnknown, "CREATE " + obj);
  }

  Status CreateTableStmt(Statement* st, bool or_replace) {
    CreateTable ct;
    ct.or_replace = or_replace;
    ct.temporary = Accept("TEMPORARY");
    DM_RETURN_IF_ERROR(Expect("TABLE"));
    st->kind = StatementKind::kCreateTable;
    st->keyword = "CREATE TABLE";
    if (classify_only_) return Status::OK();
    if (AcceptSeq({"IF", "NOT", "EXISTS"})) ct.if_not_exists = true;
    DM_ASSIGN_OR_RETURN(ct.table, Table());
    if (Accept("LIKE")) {
      DM_ASSIGN_OR_RETURN(TableName like, Table());
      ct.like = std::move(like);
    } else if (IsOp("(") && IsAt(1, "LIKE")) {
      p_ += 2;
      DM_ASSIGN_OR_RETURN(TableName like, Table());
      ct.like = std::move(like);
      DM_RETURN_IF_ERROR(ExpectOp(")"));
    } else {
      if (IsOp("(") && !(IsAt(1, "SELECT") || IsAt(1, "WITH") || At(p_ + 1).IsOp("("))) {
        ++p_;
        do {
          if (AtIndexStart()) {
            DM_ASSIGN_OR_RETURN(IndexDef idx, Index());
            ct.constraints.push_back(std::move(idx));
          } else if (Is("PERIOD") && IsAt(1, "FOR")) {
            return Status::NotSupported(DescribeError(sql_, Cur().begin, "PERIOD FOR is not supported"))
                .WithScope(Scope::kUpstream);
          } else {
            DM_ASSIGN_OR_RETURN(ColumnDef c, Column());
            ct.columns.push_back(std::move(c));
          }
        } while (AcceptOp(","));
        DM_RETURN_IF_ERROR(ExpectOp(")"));
      }
      DM_RETURN_IF_ERROR(TableOptions(&ct.options));
      if (Is("PARTITION")) {
        DM_ASSIGN_OR_RETURN(ct.partition, PartitionClause(true));
      }
      if (Accept("IGNORE")) ct.select_duplicates = "IGNORE";
      else if (Accept("REPLACE")) ct.select_duplicates = "REPLACE";
      Accept("AS");
      if (!AtEnd()) {
        if (!(Is("SELECT") || Is("WITH") || Is("TABLE") || Is("VALUES") || IsOp("("))) {
          return Fail("a column list, table option, PARTITION BY or SELECT");
        }
        size_t start = p_;
        while (!AtEnd()) ++p_;
        ct.select = Slice(start, p_);
        st->kind = StatementKind::kCreateTableSelect;
      } else if (!ct.select_duplicates.empty()) {
        return Fail("SELECT");
      }
    }
    if (ct.like) st->kind = StatementKind::kCreateTableLike;
    DM_RETURN_IF_ERROR(ExpectEnd());
    st->node = std::move(ct);
    return Status::OK();
  }

  Status DatabaseStmt(Statement* st, StatementKind kind, bool or_replace) {
    ++p_;  // DATABASE | SCHEMA
    st->kind = kind;
    st->keyword = kind == StatementKind::kCreateDatabase  ? "CREATE DATABASE"
                  : kind == StatementKind::kAlterDatabase ? "ALTER DATABASE"
                                                          : "DROP DATABASE";
    if (classify_only_) return Status::OK();
    DatabaseDdl db;
    db.or_replace = or_replace;
    if (kind == StatementKind::kCreateDatabase && AcceptSeq({"IF", "NOT", "EXISTS"})) db.if_not_exists = true;
    if (kind == StatementKind::kDropDatabase && AcceptSeq({"IF", "EXISTS"})) db.if_exists = true;
    bool name_optional = kind == StatementKind::kAlterDatabase;
    if (!(name_optional && (Is("DEFAULT") || Is("CHARACTER") || Is("CHARSET") || Is("COLLATE") ||
                            Is("COMMENT") || Is("ENCRYPTION") || Is("READ")))) {
      DM_ASSIGN_OR_RETURN(db.name, Ident("a database name"));
    }
    if (kind != StatementKind::kDropDatabase) {
      while (!AtEnd()) {
        if (Is("READ") && IsAt(1, "ONLY")) {
          p_ += 2;
          AcceptOp("=");
          size_t s = p_;
          ++p_;
          db.options.push_back(TableOption{"READ ONLY", Slice(s, p_)});
          continue;
        }
        if (Accept("UPGRADE")) {
          return Status::NotSupported(
              DescribeError(sql_, t_[p_ - 1].begin, "ALTER DATABASE ... UPGRADE DATA DIRECTORY NAME is not supported"));
        }
        DM_ASSIGN_OR_RETURN(TableOption o, Option());
        db.options.push_back(std::move(o));
        AcceptOp(",");
      }
    }
    DM_RETURN_IF_ERROR(ExpectEnd());
    st->node = std::move(db);
    return Status::OK();
  }

  Status CreateIndexStmt(Statement* st, bool or_replace) {
    CreateIndex ci;
    ci.or_replace = or_replace;
    if (Is("ONLINE") || Is("OFFLINE")) ci.modifier = Upper(t_[p_++].text);
    ci.index.type = IndexDef::Type::kIndex;
    if (Accept("UNIQUE")) ci.index.type = IndexDef::Type::kUnique;
    else if (Accept("FULLTEXT")) ci.index.type = IndexDef::Type::kFulltext;
    else if (Accept("SPATIAL")) ci.index.type = IndexDef::Type::kSpatial;
    DM_RETURN_IF_ERROR(Expect("INDEX"));
    st->kind = StatementKind::kCreateIndex;
    st->keyword = "CREATE INDEX";
    if (classify_only_) return Status::OK();
    if (AcceptSeq({"IF", "NOT", "EXISTS"})) ci.index.if_not_exists = true;
    DM_ASSIGN_OR_RETURN(ci.index.name, Ident("an index name"));
    if (Accept("USING") || Accept("TYPE")) {
      DM_ASSIGN_OR_RETURN(std::string u, Ident("BTREE, HASH or RTREE"));
      ci.index.using_type = Upper(u);
    }
    DM_RETURN_IF_ERROR(Expect("ON"));
    DM_ASSIGN_OR_RETURN(ci.table, Table());
    DM_ASSIGN_OR_RETURN(ci.index.parts, KeyParts());
    DM_RETURN_IF_ERROR(IndexOptions(&ci.index));
    DM_RETURN_IF_ERROR(AlgorithmLockTail(&ci.tail));
    DM_RETURN_IF_ERROR(ExpectEnd());
    st->node = std::move(ci);
    return Status::OK();
  }

  Status AlgorithmLockTail(std::vector<Sql>* tail) {
    while (true) {
      size_t start = p_;
      if (Accept("ALGORITHM") || Accept("LOCK")) {
        AcceptOp("=");
        DM_RETURN_IF_ERROR(Ident("an algorithm or lock type").status());
      } else if (Accept("WAIT")) {
        if (Cur().kind != TokenKind::kNumber) return Fail("a number of seconds");
        ++p_;
      } else if (Accept("NOWAIT")) {
      } else {
        return Status::OK();
      }
      tail->push_back(Slice(start, p_));
    }
  }

  Status View(Statement* st, StatementKind kind, bool or_replace, size_t prefix_start) {
    ViewDdl v;
    v.or_replace = or_replace;
    v.prefix = Slice(prefix_start, p_);
    ++p_;  // VIEW
    st->kind = kind;
    st->keyword = kind == StatementKind::kCreateView ? "CREATE VIEW" : "ALTER VIEW";
    if (classify_only_) return Status::OK();
    if (AcceptSeq({"IF", "NOT", "EXISTS"})) v.if_not_exists = true;
    DM_ASSIGN_OR_RETURN(TableName n, Table());
    v.views.push_back(std::move(n));
    if (IsOp("(")) {
      size_t s = p_;
      DM_RETURN_IF_ERROR(SkipParens());
      v.columns = Slice(s, p_);
    }
    DM_RETURN_IF_ERROR(Expect("AS"));
    size_t s = p_;
    while (!AtEnd()) ++p_;
    if (s == p_) return Fail("a SELECT");
    v.body = Slice(s, p_);
    DM_RETURN_IF_ERROR(ExpectEnd());
    st->node = std::move(v);
    return Status::OK();
  }

  Status Alter(Statement* st) {
    ++p_;  // ALTER
    size_t prefix_start = p_;
    AlterTable at;
    if (Accept("ONLINE")) at.online = true;
    if (Accept("IGNORE")) at.ignore = true;
    if (Is("TABLE")) return AlterTableStmt(st, std::move(at));
    p_ = prefix_start;
    if (Is("DATABASE") || Is("SCHEMA")) return DatabaseStmt(st, StatementKind::kAlterDatabase, false);
    DM_RETURN_IF_ERROR(SkipCreatePrefix());
    if (Is("VIEW")) return View(st, StatementKind::kAlterView, false, prefix_start);
    Accept("DEFINITIONAL");
    std::string obj = Upper(Cur().text);
    if (obj == "USER" || obj == "ROLE") return Classified(st, StatementKind::kAccount, "ALTER " + obj);
    if (obj == "INSTANCE") return Classified(st, StatementKind::kAdmin, "ALTER INSTANCE");
    return Classified(st, StatementKind::kRoutine, "ALTER " + obj);
  }

  Status Position(AlterAction* a) {
    if (Accept("FIRST")) {
      a->position = "FIRST";
    } else if (Accept("AFTER")) {
      a->position = "AFTER";
      DM_ASSIGN_OR_RETURN(a->after_column, Ident("a column name after AFTER"));
    }
    return Status::OK();
  }

  Status IfExists(AlterAction* a) {
    if (AcceptSeq({"IF", "EXISTS"})) a->if_exists = true;
    return Status::OK();
  }

  // Partition names: p1, p2 | ALL
  Status PartitionNames() {
    if (Accept("ALL")) return Status::OK();
    do {
      DM_RETURN_IF_ERROR(Ident("a partition name").status());
    } while (AcceptOp(","));
    return Status::OK();
  }

  Status AlterTableStmt(Statement* st, AlterTable at) {
    ++p_;  // TABLE
    st->kind = StatementKind::kAlterTable;
    st->keyword = "ALTER TABLE";
    if (classify_only_) return Status::OK();
    if (AcceptSeq({"IF", "EXISTS"})) at.if_exists = true;
    DM_ASSIGN_OR_RETURN(at.table, Table());
    if (Is("WAIT") || Is("NOWAIT")) {
      size_t s = p_;
      std::vector<Sql> wait;
      DM_RETURN_IF_ERROR(AlgorithmLockTail(&wait));
      at.wait = Slice(s, p_);
    }
    while (!AtEnd()) {
      size_t before = at.actions.size();
      DM_RETURN_IF_ERROR(AlterActions(&at.actions));
      if (at.actions.size() == before) return Fail("an ALTER TABLE action");
      if (AcceptOp(",")) {
        if (AtEnd()) return Fail("an ALTER TABLE action after ','");
        continue;
      }
      // Table options, partitioning and partition operations may follow without a comma.
      if (AtEnd()) break;
      if (!(AtTableOption() || Is("PARTITION") || Is("REMOVE"))) return Fail("',' or end of statement");
    }
    if (at.actions.empty()) return Fail("an ALTER TABLE action");
    DM_RETURN_IF_ERROR(ExpectEnd());
    st->node = std::move(at);
    return Status::OK();
  }

  // Parses one action (ADD (a, b) yields several) and appends it to `out`.
  Status AlterActions(std::vector<AlterAction>* out) {
    AlterAction a;
    size_t start = p_;
    using T = AlterAction::Type;
    using P = AlterAction::PartitionOp;
    auto partition = [&](P op) -> Status {
      a.type = T::kPartition;
      a.partition_op = op;
      a.text = Slice(start, p_);
      out->push_back(std::move(a));
      return Status::OK();
    };
    if (Accept("ADD")) {
      if (Is("PARTITION")) {
        ++p_;
        AcceptSeq({"IF", "NOT", "EXISTS"});
        if (IsOp("(")) {
          DM_RETURN_IF_ERROR(SkipParens());
        } else {
          DM_RETURN_IF_ERROR(Expect("PARTITIONS"));
          if (Cur().kind != TokenKind::kNumber) return Fail("a number of partitions");
          ++p_;
        }
        return partition(P::kAdd);
      }
      if (AtIndexStart()) {
        a.type = T::kAddIndex;
        DM_ASSIGN_OR_RETURN(a.index, Index());
        a.if_not_exists = a.index.if_not_exists;
        out->push_back(std::move(a));
        return Status::OK();
      }
      if (Is("PERIOD") || Is("SYSTEM")) {
        return Status::NotSupported(DescribeError(sql_, Cur().begin, "ADD PERIOD/SYSTEM VERSIONING is not supported"));
      }
      a.has_column_keyword = Accept("COLUMN");
      if (AcceptSeq({"IF", "NOT", "EXISTS"})) a.if_not_exists = true;
      a.type = T::kAddColumn;
      if (AcceptOp("(")) {
        do {
          AlterAction c = a;
          c.has_column_keyword = true;
          DM_ASSIGN_OR_RETURN(c.column, Column());
          out->push_back(std::move(c));
        } while (AcceptOp(","));
        return ExpectOp(")");
      }
      DM_ASSIGN_OR_RETURN(a.column, Column());
      DM_RETURN_IF_ERROR(Position(&a));
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (Accept("DROP")) {
      if (AcceptSeq({"PRIMARY", "KEY"})) {
        a.type = T::kDropPrimaryKey;
      } else if (Accept("INDEX") || Accept("KEY")) {
        a.type = T::kDropIndex;
        DM_RETURN_IF_ERROR(IfExists(&a));
        DM_ASSIGN_OR_RETURN(a.name, Ident("an index name"));
      } else if (AcceptSeq({"FOREIGN", "KEY"})) {
        a.type = T::kDropForeignKey;
        DM_RETURN_IF_ERROR(IfExists(&a));
        DM_ASSIGN_OR_RETURN(a.name, Ident("a foreign key name"));
      } else if (Is("CHECK") || Is("CONSTRAINT")) {
        a.keyword = Upper(t_[p_++].text);
        a.type = T::kDropCheck;
        DM_RETURN_IF_ERROR(IfExists(&a));
        DM_ASSIGN_OR_RETURN(a.name, Ident("a constraint name"));
      } else if (Accept("PARTITION")) {
        AcceptSeq({"IF", "EXISTS"});
        DM_RETURN_IF_ERROR(PartitionNames());
        return partition(P::kDrop);
      } else if (Is("SYSTEM") || Is("PERIOD")) {
        return Status::NotSupported(DescribeError(sql_, Cur().begin, "DROP PERIOD/SYSTEM VERSIONING is not supported"));
      } else {
        a.has_column_keyword = Accept("COLUMN");
        a.type = T::kDropColumn;
        DM_RETURN_IF_ERROR(IfExists(&a));
        DM_ASSIGN_OR_RETURN(a.name, Ident("a column name"));
        size_t s = p_;
        if (Accept("RESTRICT") || Accept("CASCADE")) a.text = Slice(s, p_);
      }
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (Accept("MODIFY")) {
      a.has_column_keyword = Accept("COLUMN");
      a.type = T::kModifyColumn;
      DM_RETURN_IF_ERROR(IfExists(&a));
      DM_ASSIGN_OR_RETURN(a.column, Column());
      DM_RETURN_IF_ERROR(Position(&a));
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (Accept("CHANGE")) {
      a.has_column_keyword = Accept("COLUMN");
      a.type = T::kChangeColumn;
      DM_RETURN_IF_ERROR(IfExists(&a));
      DM_ASSIGN_OR_RETURN(a.name, Ident("a column name"));
      DM_ASSIGN_OR_RETURN(a.column, Column());
      DM_RETURN_IF_ERROR(Position(&a));
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (Accept("RENAME")) {
      if (Accept("COLUMN")) {
        a.type = T::kRenameColumn;
        DM_RETURN_IF_ERROR(IfExists(&a));
        DM_ASSIGN_OR_RETURN(a.name, Ident("a column name"));
        DM_RETURN_IF_ERROR(Expect("TO"));
        DM_ASSIGN_OR_RETURN(a.new_name, Ident("a column name"));
      } else if (Accept("INDEX") || Accept("KEY")) {
        a.type = T::kRenameIndex;
        DM_RETURN_IF_ERROR(IfExists(&a));
        DM_ASSIGN_OR_RETURN(a.name, Ident("an index name"));
        DM_RETURN_IF_ERROR(Expect("TO"));
        DM_ASSIGN_OR_RETURN(a.new_name, Ident("an index name"));
      } else {
        a.type = T::kRenameTable;
        Accept("TO") || Accept("AS");
        DM_ASSIGN_OR_RETURN(a.new_table, Table());
      }
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (Accept("ALTER")) {
      if (Accept("INDEX") || Accept("KEY")) {
        a.type = T::kIndexVisibility;
        DM_ASSIGN_OR_RETURN(a.name, Ident("an index name"));
        size_t s = p_;
        if (!(Accept("VISIBLE") || Accept("INVISIBLE") || Accept("IGNORED") ||
              AcceptSeq({"NOT", "IGNORED"}))) {
          return Fail("VISIBLE, INVISIBLE, IGNORED or NOT IGNORED");
        }
        a.text = Upper(Slice(s, p_));
      } else if (Is("CHECK") || Is("CONSTRAINT")) {
        a.keyword = Upper(t_[p_++].text);
        a.type = T::kAlterCheck;
        DM_ASSIGN_OR_RETURN(a.name, Ident("a constraint name"));
        size_t s = p_;
        if (!AcceptSeq({"NOT", "ENFORCED"}) && !Accept("ENFORCED")) return Fail("[NOT] ENFORCED");
        a.text = Upper(Slice(s, p_));
      } else {
        a.has_column_keyword = Accept("COLUMN");
        DM_RETURN_IF_ERROR(IfExists(&a));
        DM_ASSIGN_OR_RETURN(a.name, Ident("a column name"));
        if (AcceptSeq({"SET", "DEFAULT"})) {
          a.type = T::kSetDefault;
          DM_ASSIGN_OR_RETURN(a.text, Expr());
        } else if (AcceptSeq({"DROP", "DEFAULT"})) {
          a.type = T::kDropDefault;
        } else if (AcceptSeq({"SET", "VISIBLE"})) {
          a.type = T::kColumnVisibility;
          a.text = "VISIBLE";
        } else if (AcceptSeq({"SET", "INVISIBLE"})) {
          a.type = T::kColumnVisibility;
          a.text = "INVISIBLE";
        } else {
          return Fail("SET DEFAULT, DROP DEFAULT or SET [IN]VISIBLE");
        }
      }
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (AcceptSeq({"CONVERT", "TO"})) {
      if (!(AcceptSeq({"CHARACTER", "SET"}) || Accept("CHARSET") || AcceptSeq({"CHAR", "SET"}))) {
        return Fail("CHARACTER SET");
      }
      a.type = T::kConvertCharset;
      DM_ASSIGN_OR_RETURN(a.charset, CharsetName());
      if (Accept("COLLATE")) {
        DM_ASSIGN_OR_RETURN(a.collation, CharsetName());
      }
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (Is("ALGORITHM") || Is("LOCK")) {
      a.type = Is("LOCK") ? T::kLock : T::kAlgorithm;
      ++p_;
      AcceptOp("=");
      DM_ASSIGN_OR_RETURN(std::string v, Ident("an algorithm or lock type"));
      a.text = Upper(v);
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (Accept("FORCE")) {
      a.type = T::kForce;
      out->push_back(std::move(a));
      return Status::OK();
    }
    if (AcceptSeq({"ORDER", "BY"})) {
      a.type = T::kOrderBy;
      size_t s = p_;
      do {
        DM_RETURN_IF_ERROR(Ident("a column name").status());
        Accept("ASC") || Accept("DESC");
      } while (AcceptOp(","));
      a.text = Slice(s, p_);
      out->push_back(std::move(a));
      return Status::OK();
    }
    if ((Is("ENABLE") || Is("DISABLE")) && IsAt(1, "KEYS")) {
      a.type = T::kKeys;
      a.text = Upper(Cur().text) + " KEYS";
      p_ += 2;
      out->push_back(std::move(a));
      return Status::OK();
    }
    if ((Is("DISCARD") || Is("IMPORT")) && IsAt(1, "TABLESPACE")) {
      a.type = T::kTablespace;
      a.text = Upper(Cur().text) + " TABLESPACE";
      p_ += 2;
      out->push_back(std::move(a));
      return Status::OK();
    }
    if ((Is("WITH") || Is("WITHOUT")) && IsAt(1, "VALIDATION")) {
      a.type = T::kValidation;
      a.text = Upper(Cur().text) + " VALIDATION";
      p_ += 2;
      out->push_back(std::move(a));
      return Status::OK();
    }
    // Partition operations.
    if (Is("PARTITION") && IsAt(1, "BY")) {
      DM_ASSIGN_OR_RETURN(Sql text, PartitionClause(false));
      (void)text;
      return partition(P::kPartitionBy);
    }
    if (AcceptSeq({"REMOVE", "PARTITIONING"})) return partition(P::kRemovePartitioning);
    if (AcceptSeq({"UPGRADE", "PARTITIONING"})) return partition(P::kOther);
    if (AcceptSeq({"COALESCE", "PARTITION"})) {
      if (Cur().kind != TokenKind::kNumber) return Fail("a number of partitions");
      ++p_;
      return partition(P::kCoalesce);
    }
    if (AcceptSeq({"REORGANIZE", "PARTITION"})) {
      if (!Is("INTO")) DM_RETURN_IF_ERROR(PartitionNames());
      if (Accept("INTO")) DM_RETURN_IF_ERROR(SkipParens());
      return partition(P::kReorganize);
    }
    if (AcceptSeq({"EXCHANGE", "PARTITION"})) {
      a.type = T::kPartition;
      a.partition_op = P::kExchange;
      DM_ASSIGN_OR_RETURN(a.name, Ident("a partition name"));
      DM_RETURN_IF_ERROR(Expect("WITH"));
      DM_RETURN_IF_ERROR(Expect("TABLE"));
      DM_ASSIGN_OR_RETURN(a.new_table, Table());
      size_t s = p_;
      if ((Is("WITH") || Is("WITHOUT")) && IsAt(1, "VALIDATION")) p_ += 2;
      a.text = Slice(s, p_);
      out->push_back(std::move(a));
      return Status::OK();
    }
    static const std::pair<std::string_view, P> kNamedOps[] = {
        {"ANALYZE", P::kAnalyze}, {"CHECK", P::kCheck},     {"OPTIMIZE", P::kOptimize},
        {"REBUILD", P::kRebuild}, {"REPAIR", P::kRepair},   {"TRUNCATE", P::kTruncate},
        {"DISCARD", P::kDiscard}, {"IMPORT", P::kImport}};
    for (const auto& [kw, op] : kNamedOps) {
      if (Is(kw) && IsAt(1, "PARTITION")) {
        p_ += 2;
        DM_RETURN_IF_ERROR(PartitionNames());
        if (op == P::kDiscard || op == P::kImport) DM_RETURN_IF_ERROR(Expect("TABLESPACE"));
        return partition(op);
      }
    }
    if (Is("CONVERT") && (IsAt(1, "PARTITION") || IsAt(1, "TABLE"))) {
      return Status::NotSupported(DescribeError(sql_, Cur().begin, "ALTER TABLE ... CONVERT PARTITION/TABLE is not supported"));
    }
    if (AtTableOption()) {
      a.type = T::kTableOptions;
      while (AtTableOption()) {
        DM_ASSIGN_OR_RETURN(TableOption o, Option());
        a.options.push_back(std::move(o));
      }
      out->push_back(std::move(a));
      return Status::OK();
    }
    return Status::OK();  // nothing recognised: the caller reports it
  }

  Status Drop(Statement* st) {
    ++p_;  // DROP
    size_t after = p_;
    if (Is("TEMPORARY") || Is("TABLE") || Is("TABLES")) {
      DropTable dt;
      dt.temporary = Accept("TEMPORARY");
      if (!Accept("TABLE") && !Accept("TABLES")) return Fail("TABLE");
      st->kind = StatementKind::kDropTable;
      st->keyword = "DROP TABLE";
      if (classify_only_) return Status::OK();
      if (AcceptSeq({"IF", "EXISTS"})) dt.if_exists = true;
      do {
        DM_ASSIGN_OR_RETURN(TableName n, Table());
        dt.tables.push_back(std::move(n));
      } while (AcceptOp(","));
      size_t s = p_;
      std::vector<Sql> tail;
      DM_RETURN_IF_ERROR(AlgorithmLockTail(&tail));
      Accept("RESTRICT") || Accept("CASCADE");
      dt.tail = Slice(s, p_);
      DM_RETURN_IF_ERROR(ExpectEnd());
      st->node = std::move(dt);
      return Status::OK();
    }
    if (Is("DATABASE") || Is("SCHEMA")) return DatabaseStmt(st, StatementKind::kDropDatabase, false);
    if (Is("INDEX") || ((Is("ONLINE") || Is("OFFLINE")) && IsAt(1, "INDEX"))) {
      DropIndex di;
      if (Is("ONLINE") || Is("OFFLINE")) di.modifier = Upper(t_[p_++].text);
      ++p_;  // INDEX
      st->kind = StatementKind::kDropIndex;
      st->keyword = "DROP INDEX";
      if (classify_only_) return Status::OK();
      if (AcceptSeq({"IF", "EXISTS"})) di.if_exists = true;
      DM_ASSIGN_OR_RETURN(di.name, Ident("an index name"));
      DM_RETURN_IF_ERROR(Expect("ON"));
      DM_ASSIGN_OR_RETURN(di.table, Table());
      DM_RETURN_IF_ERROR(AlgorithmLockTail(&di.tail));
      DM_RETURN_IF_ERROR(ExpectEnd());
      st->node = std::move(di);
      return Status::OK();
    }
    if (Is("VIEW")) {
      ++p_;
      st->kind = StatementKind::kDropView;
      st->keyword = "DROP VIEW";
      if (classify_only_) return Status::OK();
      ViewDdl v;
      if (AcceptSeq({"IF", "EXISTS"})) v.if_exists = true;
      do {
        DM_ASSIGN_OR_RETURN(TableName n, Table());
        v.views.push_back(std::move(n));
      } while (AcceptOp(","));
      size_t s = p_;
      Accept("RESTRICT") || Accept("CASCADE");
      v.tail = Slice(s, p_);
      DM_RETURN_IF_ERROR(ExpectEnd());
      st->node = std::move(v);
      return Status::OK();
    }
    p_ = after;
    std::string obj = Upper(Cur().text);
    if (obj == "USER" || obj == "ROLE") return Classified(st, StatementKind::kAccount, "DROP " + obj);
    if (obj == "PREPARE") return Classified(st, StatementKind::kAdmin, "DROP PREPARE");
    return Classified(st, StatementKind::kRoutine, "DROP " + obj);
  }

  Status Rename(Statement* st) {
    ++p_;  // RENAME
    ++p_;  // TABLE(S)
    st->kind = StatementKind::kRenameTable;
    st->keyword = "RENAME TABLE";
    if (classify_only_) return Status::OK();
    RenameTable rt;
    if (AcceptSeq({"IF", "EXISTS"})) rt.if_exists = true;
    do {
      DM_ASSIGN_OR_RETURN(TableName from, Table());
      size_t s = p_;
      std::vector<Sql> wait;
      DM_RETURN_IF_ERROR(AlgorithmLockTail(&wait));
      if (!wait.empty()) rt.wait = Slice(s, p_);
      DM_RETURN_IF_ERROR(Expect("TO"));
      DM_ASSIGN_OR_RETURN(TableName to, Table());
      rt.pairs.emplace_back(std::move(from), std::move(to));
    } while (AcceptOp(","));
    DM_RETURN_IF_ERROR(ExpectEnd());
    st->node = std::move(rt);
    return Status::OK();
  }

  Status Truncate(Statement* st) {
    ++p_;  // TRUNCATE
    st->kind = StatementKind::kTruncateTable;
    st->keyword = "TRUNCATE TABLE";
    if (classify_only_) return Status::OK();
    Accept("TABLE");
    TruncateTable tt;
    DM_ASSIGN_OR_RETURN(tt.table, Table());
    size_t s = p_;
    std::vector<Sql> wait;
    DM_RETURN_IF_ERROR(AlgorithmLockTail(&wait));
    tt.wait = Slice(s, p_);
    DM_RETURN_IF_ERROR(ExpectEnd());
    st->node = std::move(tt);
    return Status::OK();
  }

  std::string_view sql_;
  std::vector<Token> t_;
  size_t p_ = 0;
  bool classify_only_ = false;
};

}  // namespace

Result<Statement> Parse(std::string_view sql, const ParseOptions& options) {
  DM_ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(sql, options.lex));
  return Parser(sql, std::move(toks)).Run();
}

Statement Classify(std::string_view sql, const ParseOptions& options) {
  if (auto parsed = Parse(sql, options); parsed.ok()) return std::move(parsed).value();
  Statement st;
  st.text = std::string(sql);
  auto toks = Lex(sql, options.lex);
  if (!toks.ok()) {
    st.kind = StatementKind::kUnknown;
    return st;
  }
  Parser(sql, std::move(toks).value()).ClassifyOnly(&st);
  return st;
}

Result<std::vector<Statement>> ParseScript(std::string_view script, const ParseOptions& options) {
  DM_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitStatements(script, options.lex));
  std::vector<Statement> out;
  for (const std::string& s : parts) {
    DM_ASSIGN_OR_RETURN(Statement st, Parse(s, options));
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace dm::ddl
