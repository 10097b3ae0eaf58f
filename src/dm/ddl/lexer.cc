#include "dm/ddl/lexer.h"

#include <strings.h>

#include "dm/base/text.h"

namespace dm::ddl {

namespace {

bool IsIdentByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || c >= 0x80;
}
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class LexerImpl {
 public:
  LexerImpl(std::string_view sql, const LexOptions& o) : s_(sql), o_(o) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    bool space = false;
    while (true) {
      DM_RETURN_IF_ERROR(SkipSpaceAndComments(&space));
      if (pos_ >= s_.size()) break;
      Token t;
      t.space_before = space;
      space = false;
      DM_RETURN_IF_ERROR(Next(&t, out));
      out.push_back(std::move(t));
    }
    if (in_version_comment_) {
      return Status::InvalidArgument(
          DescribeError(s_, version_comment_start_, "unterminated /*! ... */ comment"));
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.begin = end.end = static_cast<uint32_t>(s_.size());
    end.space_before = space;
    out.push_back(std::move(end));
    return out;
  }

 private:
  unsigned char At(size_t i) const { return i < s_.size() ? static_cast<unsigned char>(s_[i]) : 0; }

  Status SkipSpaceAndComments(bool* space) {
    while (pos_ < s_.size()) {
      unsigned char c = At(pos_);
      if (IsSpace(c)) {
        ++pos_;
        *space = true;
      } else if (c == '#' ||
                 (c == '-' && At(pos_ + 1) == '-' &&
                  (pos_ + 2 >= s_.size() || IsSpace(At(pos_ + 2)) || At(pos_ + 2) < 0x20))) {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
        *space = true;
      } else if (in_version_comment_ && c == '*' && At(pos_ + 1) == '/') {
        pos_ += 2;
        in_version_comment_ = false;
        *space = true;
      } else if (c == '/' && At(pos_ + 1) == '*') {
        size_t start = pos_;
        bool bang = At(pos_ + 2) == '!';
        bool mariadb = At(pos_ + 2) == 'M' && At(pos_ + 3) == '!';
        if ((bang || mariadb) && !in_version_comment_) {
          size_t p = pos_ + (bang ? 3 : 4);
          size_t digits = p;
          uint32_t version = 0;
          while (IsDigit(At(p)) && p - digits < 6) {
            version = version * 10 + (At(p) - '0');
            ++p;
          }
          bool applies = (p == digits || version <= o_.server_version) && (!mariadb || o_.mariadb);
          if (applies) {
            pos_ = p;
            in_version_comment_ = true;
            version_comment_start_ = start;
            *space = true;
            continue;
          }
        }
        size_t close = s_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) {
          return Status::InvalidArgument(DescribeError(s_, start, "unterminated /* comment"));
        }
        pos_ = close + 2;
        *space = true;
      } else {
        break;
      }
    }
    return Status::OK();
  }

  // Reads a quoted run starting at pos_ (the opening quote). Backslash escapes apply to
  // strings only (`escapes`).
  Status Quoted(char q, bool escapes, std::string* value) {
    size_t start = pos_;
    ++pos_;
    while (true) {
      if (pos_ >= s_.size()) {
        std::string what = q == '`' ? "unterminated quoted identifier"
                                    : std::string("unterminated string literal");
        return Status::InvalidArgument(DescribeError(s_, start, what));
      }
      char c = s_[pos_];
      if (c == q) {
        if (At(pos_ + 1) == static_cast<unsigned char>(q)) {
          value->push_back(q);
          pos_ += 2;
          continue;
        }
        ++pos_;
        return Status::OK();
      }
      if (escapes && c == '\\' && pos_ + 1 < s_.size()) {
        char e = s_[pos_ + 1];
        switch (e) {
          case '0': value->push_back('\0'); break;
          case 'n': value->push_back('\n'); break;
          case 'r': value->push_back('\r'); break;
          case 't': value->push_back('\t'); break;
          case 'b': value->push_back('\b'); break;
          case 'Z': value->push_back('\x1a'); break;
          // MySQL keeps the backslash for \% and \_ (LIKE patterns).
          case '%': value->append("\\%"); break;
          case '_': value->append("\\_"); break;
          default: value->push_back(e); break;
        }
        pos_ += 2;
        continue;
      }
      value->push_back(c);
      ++pos_;
    }
  }

  bool StringQuote(unsigned char c) const { return c == '\'' || (c == '"' && !o_.ansi_quotes); }

  Status Next(Token* t, const std::vector<Token>& prev) {
    size_t start = pos_;
    unsigned char c = At(pos_);
    t->begin = static_cast<uint32_t>(start);
    auto finish = [&](TokenKind kind) {
      t->kind = kind;
      t->end = static_cast<uint32_t>(pos_);
      return Status::OK();
    };
    // After `ident.` a word follows even if it starts with digits (db.1t).
    bool after_dot = !prev.empty() && prev.back().IsOp(".") && !t->space_before;

    if (c == '`' || (c == '"' && o_.ansi_quotes)) {
      DM_RETURN_IF_ERROR(Quoted(static_cast<char>(c), false, &t->text));
      return finish(TokenKind::kQuotedIdent);
    }
    if (StringQuote(c)) {
      DM_RETURN_IF_ERROR(Quoted(static_cast<char>(c), !o_.no_backslash_escapes, &t->text));
      return finish(TokenKind::kString);
    }
    // X'..' / B'..' / N'..'
    if ((c == 'x' || c == 'X' || c == 'b' || c == 'B') && At(pos_ + 1) == '\'') {
      bool hex = c == 'x' || c == 'X';
      ++pos_;
      std::string v;
      DM_RETURN_IF_ERROR(Quoted('\'', false, &v));
      for (char d : v) {
        if (hex ? !IsHexDigit(static_cast<unsigned char>(d)) : (d != '0' && d != '1')) {
          return Status::InvalidArgument(DescribeError(
              s_, start, hex ? "invalid hexadecimal literal" : "invalid bit literal"));
        }
      }
      t->text = std::move(v);
      return finish(hex ? TokenKind::kHex : TokenKind::kBit);
    }
    if ((c == 'n' || c == 'N') && At(pos_ + 1) == '\'') {
      ++pos_;
      t->charset = "N";
      DM_RETURN_IF_ERROR(Quoted('\'', !o_.no_backslash_escapes, &t->text));
      return finish(TokenKind::kString);
    }
    if (c == '0' && (At(pos_ + 1) == 'x' || At(pos_ + 1) == 'b') && !after_dot) {
      bool hex = At(pos_ + 1) == 'x';
      size_t p = pos_ + 2;
      while (hex ? IsHexDigit(At(p)) : (At(p) == '0' || At(p) == '1')) ++p;
      if (p > pos_ + 2 && !IsIdentByte(At(p))) {
        t->text = std::string(s_.substr(pos_ + 2, p - pos_ - 2));
        pos_ = p;
        return finish(hex ? TokenKind::kHex : TokenKind::kBit);
      }
      // else: an identifier such as 0xyz, handled below
    }
    if ((IsDigit(c) || (c == '.' && IsDigit(At(pos_ + 1)) &&
                        !(!prev.empty() && prev.back().IsWord() && !t->space_before))) &&
        !after_dot) {
      size_t p = pos_;
      while (IsDigit(At(p))) ++p;
      bool is_number = true;
      if (At(p) == '.') {
        ++p;
        while (IsDigit(At(p))) ++p;
      }
      if ((At(p) == 'e' || At(p) == 'E') &&
          (IsDigit(At(p + 1)) || ((At(p + 1) == '+' || At(p + 1) == '-') && IsDigit(At(p + 2))))) {
        p += 2;
        while (IsDigit(At(p))) ++p;
      }
      if (IsIdentByte(At(p)) && c != '.') {
        // 1abc: an identifier that starts with digits (only when no '.' was consumed).
        bool has_dot = s_.substr(pos_, p - pos_).find('.') != std::string_view::npos;
        if (!has_dot) is_number = false;
      }
      if (is_number) {
        t->text = std::string(s_.substr(pos_, p - pos_));
        pos_ = p;
        return finish(TokenKind::kNumber);
      }
    }
    if (IsIdentByte(c)) {
      size_t p = pos_;
      while (IsIdentByte(At(p))) ++p;
      std::string_view word = s_.substr(pos_, p - pos_);
      // Charset introducer: _utf8mb4'x', _binary 'x', _latin1 X'41'.
      if (word.size() > 1 && word[0] == '_') {
        size_t q = p;
        while (IsSpace(At(q))) ++q;
        if (StringQuote(At(q)) || ((At(q) == 'x' || At(q) == 'X' || At(q) == 'b' || At(q) == 'B') &&
                                   At(q + 1) == '\'') ||
            (At(q) == '0' && (At(q + 1) == 'x' || At(q + 1) == 'b'))) {
          pos_ = q;
          Token lit;
          lit.begin = static_cast<uint32_t>(q);
          DM_RETURN_IF_ERROR(Next(&lit, prev));
          if (lit.kind == TokenKind::kString || lit.kind == TokenKind::kHex ||
              lit.kind == TokenKind::kBit) {
            t->text = std::move(lit.text);
            t->charset = std::string(word);
            return finish(lit.kind);
          }
          pos_ = p;  // not a literal after all
        }
      }
      pos_ = p;
      t->text = std::string(word);
      return finish(TokenKind::kIdent);
    }
    if (c == '@') {
      size_t p = pos_ + 1;
      if (At(p) == '@') ++p;
      if (StringQuote(At(p)) || At(p) == '`') {
        pos_ = p;
        std::string v;
        DM_RETURN_IF_ERROR(Quoted(static_cast<char>(At(p)), false, &v));
        t->text = std::string(s_.substr(start, pos_ - start));
        return finish(TokenKind::kVariable);
      }
      if (IsIdentByte(At(p))) {
        while (IsIdentByte(At(p)) || (At(p) == '.' && IsIdentByte(At(p + 1)))) ++p;
        pos_ = p;
        t->text = std::string(s_.substr(start, pos_ - start));
        return finish(TokenKind::kVariable);
      }
      ++pos_;
      t->text = "@";
      return finish(TokenKind::kOperator);
    }
    if (c == '?') {
      ++pos_;
      t->text = "?";
      return finish(TokenKind::kParam);
    }
    static constexpr std::string_view kOps[] = {"<=>", "->>", ":=", "<=", ">=", "<>", "!=", "&&",
                                                "||",  "<<",  ">>", "->"};
    for (std::string_view op : kOps) {
      if (s_.substr(pos_, op.size()) == op) {
        pos_ += op.size();
        t->text = std::string(op);
        return finish(TokenKind::kOperator);
      }
    }
    ++pos_;
    t->text = std::string(1, static_cast<char>(c));
    return finish(TokenKind::kOperator);
  }

  std::string_view s_;
  LexOptions o_;
  size_t pos_ = 0;
  bool in_version_comment_ = false;
  size_t version_comment_start_ = 0;
};

}  // namespace

bool Token::Is(std::string_view kw) const {
  return kind == TokenKind::kIdent && text.size() == kw.size() &&
         strncasecmp(text.data(), kw.data(), kw.size()) == 0;
}

Result<std::vector<Token>> Lex(std::string_view sql, const LexOptions& options) {
  if (sql.size() >= UINT32_MAX) {
    return Status::InvalidArgument(DescribeError(sql, 0, "statement larger than 4 GiB"));
  }
  return LexerImpl(sql, options).Run();
}

Result<std::vector<std::string>> SplitStatements(std::string_view script, const LexOptions& options) {
  DM_ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(script, options));
  std::vector<std::string> out;
  size_t start = 0;
  auto emit = [&](size_t end) {
    std::string_view piece = TrimSpace(script.substr(start, end - start));
    // A statement of comments only (e.g. a dump header) is dropped.
    bool has_code = false;
    for (const Token& t : toks) {
      if (t.kind != TokenKind::kEnd && t.begin >= start && t.end <= end && !t.IsOp(";")) {
        has_code = true;
        break;
      }
    }
    if (!piece.empty() && has_code) out.emplace_back(piece);
  };
  for (const Token& t : toks) {
    if (t.IsOp(";")) {
      emit(t.begin);
      start = t.end;
    }
  }
  emit(script.size());
  // A ';' inside a version comment leaves "*/" at the start of the next piece.
  for (std::string& s : out) {
    if (s.rfind("*/", 0) == 0) s = std::string(TrimSpace(std::string_view(s).substr(2)));
  }
  std::erase_if(out, [](const std::string& s) { return s.empty(); });
  return out;
}

std::string DescribeError(std::string_view sql, size_t offset, std::string_view problem) {
  return "statement " + QuoteInput(sql) + " at byte " + std::to_string(offset) + ": " +
         std::string(problem);
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string QuoteString(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    switch (c) {
      case '\'': out += "''"; break;
      case '\\': out += "\\\\"; break;
      case '\0': out += "\\0"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\x1a': out += "\\Z"; break;
      default: out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

}  // namespace dm::ddl
