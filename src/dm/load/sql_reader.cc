#include "dm/load/sql_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dm::load {

namespace {

constexpr size_t kReadChunk = 4 << 20;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}
bool EqualsFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

// A token of a statement header: a word, a quoted identifier, or one punctuation char.
struct Token {
  enum class Kind { kWord, kIdent, kPunct, kEnd } kind = Kind::kEnd;
  std::string text;  // word as written; identifier unquoted; punctuation char
  size_t begin = 0, end = 0;
};

// Tokenizer over an in-memory statement (headers and CREATE statements are small).
class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  Token Next() {
    SkipSpace();
    Token t;
    t.begin = i_;
    if (i_ >= s_.size()) {
      t.end = i_;
      return t;
    }
    char c = s_[i_];
    if (c == '`' || c == '"') {
      t.kind = Token::Kind::kIdent;
      ++i_;
      while (i_ < s_.size()) {
        if (s_[i_] == c) {
          if (i_ + 1 < s_.size() && s_[i_ + 1] == c) {
            t.text += c;
            i_ += 2;
            continue;
          }
          ++i_;
          break;
        }
        t.text += s_[i_++];
      }
    } else if (IsWordChar(c)) {
      t.kind = Token::Kind::kWord;
      while (i_ < s_.size() && IsWordChar(s_[i_])) t.text += s_[i_++];
    } else {
      t.kind = Token::Kind::kPunct;
      t.text = std::string(1, c);
      ++i_;
    }
    t.end = i_;
    return t;
  }
  size_t pos() const { return i_; }

 private:
  void SkipSpace() {
    while (i_ < s_.size()) {
      if (IsSpace(s_[i_])) {
        ++i_;
      } else if (s_.substr(i_, 2) == "/*" && s_.substr(i_, 3) != "/*!") {
        size_t e = s_.find("*/", i_ + 2);
        i_ = e == std::string_view::npos ? s_.size() : e + 2;
      } else if ((s_.substr(i_, 2) == "--" && (i_ + 2 >= s_.size() || IsSpace(s_[i_ + 2]))) || s_[i_] == '#') {
        size_t e = s_.find('\n', i_);
        i_ = e == std::string_view::npos ? s_.size() : e + 1;
      } else {
        break;
      }
    }
  }
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------
// DataFileReader

DataFileReader::DataFileReader(std::string path, int fd, uint64_t size)
    : path_(std::move(path)), fd_(fd), file_size_(size) {}

DataFileReader::~DataFileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<DataFileReader>> DataFileReader::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open dump file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IOError("cannot stat dump file " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<DataFileReader>(new DataFileReader(path, fd, static_cast<uint64_t>(st.st_size)));
}

Status DataFileReader::Corrupt(std::string_view what, uint64_t offset) const {
  return Status::Corruption(path_ + " at byte " + std::to_string(offset) + ": " + std::string(what) +
                            "; the dump file is damaged or not a SQL dump: re-run the dump "
                            "(remove the directory and restart the task)");
}

Result<bool> DataFileReader::Ensure(size_t n) {
  while (buf_.size() - pos_ < n) {
    if (eof_) return false;
    size_t old = buf_.size();
    buf_.resize(old + kReadChunk);
    ssize_t r;
    do {
      r = ::read(fd_, buf_.data() + old, kReadChunk);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      buf_.resize(old);
      return Status::IOError("cannot read dump file " + path_ + ": " + std::strerror(errno));
    }
    buf_.resize(old + static_cast<size_t>(r));
    if (r == 0) eof_ = true;
  }
  return true;
}

Status DataFileReader::SkipSpaceAndComments(bool* eof) {
  while (true) {
    auto more = Ensure(1);
    if (!more.ok()) return more.status();
    if (!*more) {
      *eof = true;
      return Status::OK();
    }
    char c = buf_[pos_];
    if (IsSpace(c)) {
      ++pos_;
      continue;
    }
    if (c == '#' || c == '-' || c == '/') {
      auto m3 = Ensure(3);
      if (!m3.ok()) return m3.status();
      std::string_view head(buf_.data() + pos_, std::min<size_t>(3, buf_.size() - pos_));
      bool line = c == '#' || (head.size() >= 2 && head.substr(0, 2) == "--" &&
                               (head.size() == 2 || IsSpace(head[2])));
      bool block = head.size() >= 2 && head.substr(0, 2) == "/*" && head != "/*!";
      if (line) {
        while (true) {
          size_t nl = buf_.find('\n', pos_);
          if (nl != std::string::npos) {
            pos_ = nl + 1;
            break;
          }
          pos_ = buf_.size();
          auto m = Ensure(1);
          if (!m.ok()) return m.status();
          if (!*m) break;
        }
        continue;
      }
      if (block) {
        uint64_t at = buf_offset_ + pos_;
        size_t from = pos_ + 2;
        while (true) {
          size_t e = buf_.find("*/", from);
          if (e != std::string::npos) {
            pos_ = e + 2;
            break;
          }
          from = buf_.size() > 0 ? buf_.size() - 1 : 0;
          auto m = Ensure(buf_.size() - pos_ + 1);
          if (!m.ok()) return m.status();
          if (!*m) return Corrupt("unterminated /* comment", at);
        }
        continue;
      }
    }
    *eof = false;
    return Status::OK();
  }
}

Result<bool> DataFileReader::ScanQuoted(size_t* ip) {
  size_t i = *ip;
  const char q = buf_[i];
  ++i;
  while (true) {
    if (i >= buf_.size()) {
      DM_ASSIGN_OR_RETURN(bool more, Ensure(i - pos_ + 1));
      if (!more) return false;
    }
    // Fast scan to the next quote or backslash.
    const char* p = buf_.data() + i;
    const char* end = buf_.data() + buf_.size();
    while (p < end && *p != q && !(*p == '\\' && q != '`')) ++p;
    i = static_cast<size_t>(p - buf_.data());
    if (i >= buf_.size()) continue;
    if (buf_[i] == '\\') {
      i += 2;
      continue;
    }
    // A quote: doubled means an escaped quote.
    if (i + 1 >= buf_.size()) {
      DM_ASSIGN_OR_RETURN(bool more, Ensure(i + 1 - pos_ + 1));
      if (!more) {
        *ip = i + 1;
        return true;
      }
    }
    if (buf_[i + 1] == q) {
      i += 2;
      continue;
    }
    *ip = i + 1;
    return true;
  }
}

Status DataFileReader::ParseHeader(std::string_view text, uint64_t offset) {
  Lexer lx(text);
  InsertHeader h;
  Token t = lx.Next();
  if (EqualsFold(t.text, "REPLACE")) h.replace = true;
  t = lx.Next();
  while (t.kind == Token::Kind::kWord &&
         (EqualsFold(t.text, "LOW_PRIORITY") || EqualsFold(t.text, "DELAYED") ||
          EqualsFold(t.text, "HIGH_PRIORITY") || EqualsFold(t.text, "IGNORE") || EqualsFold(t.text, "INTO"))) {
    if (EqualsFold(t.text, "IGNORE")) h.ignore = true;
    t = lx.Next();
  }
  if (t.kind != Token::Kind::kIdent && t.kind != Token::Kind::kWord) {
    return Corrupt("INSERT without a table name", offset);
  }
  h.table = t.text;
  t = lx.Next();
  if (t.kind == Token::Kind::kPunct && t.text == ".") {
    t = lx.Next();
    if (t.kind != Token::Kind::kIdent && t.kind != Token::Kind::kWord) {
      return Corrupt("INSERT with a malformed table name", offset);
    }
    h.schema = std::move(h.table);
    h.table = t.text;
    t = lx.Next();
  }
  if (t.kind == Token::Kind::kPunct && t.text == "(") {
    h.has_columns = true;
    while (true) {
      t = lx.Next();
      if (t.kind == Token::Kind::kPunct && t.text == ")") break;
      if (t.kind == Token::Kind::kPunct && t.text == ",") continue;
      if (t.kind != Token::Kind::kIdent && t.kind != Token::Kind::kWord) {
        return Corrupt("INSERT with a malformed column list", offset);
      }
      h.columns.push_back(t.text);
    }
    t = lx.Next();
  }
  if (!(t.kind == Token::Kind::kWord && (EqualsFold(t.text, "VALUES") || EqualsFold(t.text, "VALUE")))) {
    return Corrupt("INSERT without VALUES", offset);
  }
  header_ = std::move(h);
  ++header_seq_;
  return Status::OK();
}

Status DataFileReader::Next(DataItem* item) {
  // Drop consumed input: string_views handed out earlier are now invalid.
  if (pos_ > 0 && (pos_ >= kReadChunk || pos_ * 2 >= buf_.size())) {
    buf_.erase(0, pos_);
    buf_offset_ += pos_;
    pos_ = 0;
  }
  while (true) {
    bool eof = false;
    DM_RETURN_IF_ERROR(SkipSpaceAndComments(&eof));
    if (eof) {
      if (in_values_) return Corrupt("INSERT statement without a terminating ';'", buf_offset_ + pos_);
      item->kind = DataItem::Kind::kEnd;
      item->text = {};
      item->end_offset = buf_offset_ + pos_;
      return Status::OK();
    }
    char c = buf_[pos_];
    if (in_values_) {
      if (c == ',') {
        ++pos_;
        continue;
      }
      if (c == ';') {
        ++pos_;
        in_values_ = false;
        continue;
      }
      if (c != '(') return Corrupt(std::string("expected '(' of a row, found '") + c + "'", buf_offset_ + pos_);
      size_t start = pos_, i = pos_;
      int depth = 0;
      while (true) {
        if (i >= buf_.size()) {
          DM_ASSIGN_OR_RETURN(bool more, Ensure(i - pos_ + 1));
          if (!more) return Corrupt("unterminated row", buf_offset_ + start);
        }
        char ch = buf_[i];
        if (ch == '\'' || ch == '"' || ch == '`') {
          DM_ASSIGN_OR_RETURN(bool closed, ScanQuoted(&i));
          if (!closed) return Corrupt("unterminated string in a row", buf_offset_ + start);
          continue;
        }
        ++i;
        if (ch == '(') {
          ++depth;
        } else if (ch == ')') {
          if (--depth == 0) break;
        }
      }
      pos_ = i;
      item->kind = DataItem::Kind::kRow;
      item->text = std::string_view(buf_.data() + start, i - start);
      item->header = &header_;
      item->header_seq = header_seq_;
      item->end_offset = buf_offset_ + i;
      return Status::OK();
    }
    // A statement: read up to ';' (or, for INSERT/REPLACE, up to VALUES).
    size_t start = pos_, i = pos_;
    bool versioned = false;
    {
      DM_ASSIGN_OR_RETURN(bool m, Ensure(3));
      (void)m;
      versioned = buf_.compare(pos_, 3, "/*!") == 0;
    }
    std::string word;
    if (!versioned) {
      while (true) {
        if (i >= buf_.size()) {
          DM_ASSIGN_OR_RETURN(bool more, Ensure(i - pos_ + 1));
          if (!more) break;
        }
        if (!IsWordChar(buf_[i])) break;
        word += buf_[i++];
        if (word.size() > 16) break;
      }
    }
    bool insert = EqualsFold(word, "INSERT") || EqualsFold(word, "REPLACE");
    int depth = 0;
    size_t word_start = std::string::npos;
    while (true) {
      if (i >= buf_.size()) {
        DM_ASSIGN_OR_RETURN(bool more, Ensure(i - pos_ + 1));
        if (!more) break;
      }
      char ch = buf_[i];
      if (ch == '\'' || ch == '"' || ch == '`') {
        DM_ASSIGN_OR_RETURN(bool closed, ScanQuoted(&i));
        if (!closed) return Corrupt("unterminated string", buf_offset_ + start);
        word_start = std::string::npos;
        continue;
      }
      if (versioned && ch == '*' && i + 1 < buf_.size() && buf_[i + 1] == '/') {
        i += 2;
        continue;
      }
      if (ch == ';' && depth == 0) break;
      if (ch == '(') ++depth;
      if (ch == ')') --depth;
      if (insert) {
        bool wc = IsWordChar(ch);
        if (wc && word_start == std::string::npos) word_start = i;
        if (!wc && word_start != std::string::npos) {
          std::string_view w(buf_.data() + word_start, i - word_start);
          word_start = std::string::npos;
          if (depth == 0 && (EqualsFold(w, "VALUES") || EqualsFold(w, "VALUE"))) {
            DM_RETURN_IF_ERROR(ParseHeader(std::string_view(buf_.data() + start, i - start), buf_offset_ + start));
            pos_ = i;
            in_values_ = true;
            break;
          }
        }
      }
      ++i;
    }
    if (in_values_) continue;
    if (insert) return Corrupt("INSERT statement without VALUES", buf_offset_ + start);
    item->kind = DataItem::Kind::kStatement;
    item->text = std::string_view(buf_.data() + start, i - start);
    if (i < buf_.size() && buf_[i] == ';') ++i;
    pos_ = i;
    item->end_offset = buf_offset_ + i;
    return Status::OK();
  }
}

// ---------------------------------------------------------------------------------------

Result<std::vector<std::string>> SplitStatements(std::string_view s, std::string_view file) {
  std::vector<std::string> out;
  size_t i = 0;
  auto corrupt = [&](std::string_view what, size_t at) {
    return Status::Corruption(std::string(file) + " at byte " + std::to_string(at) + ": " + std::string(what));
  };
  while (i < s.size()) {
    // Between statements: skip blanks and comments (not versioned ones).
    if (IsSpace(s[i])) {
      ++i;
      continue;
    }
    if (s.substr(i, 2) == "/*" && s.substr(i, 3) != "/*!") {
      size_t e = s.find("*/", i + 2);
      if (e == std::string_view::npos) return corrupt("unterminated comment", i);
      i = e + 2;
      continue;
    }
    if (s[i] == '#' || (s.substr(i, 2) == "--" && (i + 2 >= s.size() || IsSpace(s[i + 2])))) {
      size_t e = s.find('\n', i);
      i = e == std::string_view::npos ? s.size() : e + 1;
      continue;
    }
    if (s[i] == ';') {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() && s[i] != ';') {
      char c = s[i];
      if (c == '\'' || c == '"' || c == '`') {
        size_t q = i++;
        while (true) {
          if (i >= s.size()) return corrupt("unterminated string", q);
          if (s[i] == '\\' && c != '`') {
            i += 2;
            continue;
          }
          if (s[i] == c) {
            if (i + 1 < s.size() && s[i + 1] == c) {
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          ++i;
        }
        continue;
      }
      if (c == '/' && s.substr(i, 2) == "/*") {
        size_t e = s.find("*/", i + 2);
        if (e == std::string_view::npos) return corrupt("unterminated comment", i);
        i = e + 2;
        continue;
      }
      if (c == '#' || (c == '-' && s.substr(i, 2) == "--" && (i + 2 >= s.size() || IsSpace(s[i + 2])))) {
        size_t e = s.find('\n', i);
        i = e == std::string_view::npos ? s.size() : e + 1;
        continue;
      }
      ++i;
    }
    std::string_view stmt = s.substr(start, i - start);
    while (!stmt.empty() && IsSpace(stmt.back())) stmt.remove_suffix(1);
    if (!stmt.empty()) out.emplace_back(stmt);
    if (i < s.size()) ++i;  // ';'
  }
  return out;
}

Result<CreateStatement> ParseCreateStatement(std::string_view stmt) {
  Lexer lx(stmt);
  CreateStatement cs;
  Token t = lx.Next();
  if (!EqualsFold(t.text, "CREATE")) return Status::NotFound("not a CREATE statement");
  t = lx.Next();
  if (EqualsFold(t.text, "OR")) {
    t = lx.Next();  // REPLACE
    t = lx.Next();
  }
  if (EqualsFold(t.text, "TEMPORARY")) t = lx.Next();
  if (EqualsFold(t.text, "DATABASE") || EqualsFold(t.text, "SCHEMA")) {
    cs.database = true;
  } else if (!EqualsFold(t.text, "TABLE")) {
    return Status::NotFound("not a CREATE TABLE/DATABASE statement");
  }
  t = lx.Next();
  if (EqualsFold(t.text, "IF") && t.kind == Token::Kind::kWord) {
    lx.Next();  // NOT
    lx.Next();  // EXISTS
    t = lx.Next();
  }
  if (t.kind != Token::Kind::kIdent && t.kind != Token::Kind::kWord) {
    return Status::InvalidArgument("CREATE statement without a name");
  }
  cs.name = t.text;
  size_t end = t.end;
  Lexer peek = lx;
  Token dot = peek.Next();
  if (!cs.database && dot.kind == Token::Kind::kPunct && dot.text == ".") {
    Token n = peek.Next();
    if (n.kind != Token::Kind::kIdent && n.kind != Token::Kind::kWord) {
      return Status::InvalidArgument("CREATE TABLE with a malformed name");
    }
    cs.schema = std::move(cs.name);
    cs.name = n.text;
    end = n.end;
  }
  cs.rest = std::string(stmt.substr(end));
  return cs;
}

DeferredIndexes DeferSecondaryIndexes(std::string_view rest) {
  DeferredIndexes out;
  out.rest = std::string(rest);
  size_t open = rest.find('(');
  if (open == std::string_view::npos) return out;
  // Split the body at top-level commas.
  std::vector<std::pair<size_t, size_t>> elems;  // [begin, end) in rest
  size_t i = open + 1, start = i, close = std::string_view::npos;
  int depth = 1;
  while (i < rest.size() && close == std::string_view::npos) {
    char c = rest[i];
    if (c == '\'' || c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < rest.size()) {
        if (rest[j] == '\\' && c != '`') {
          j += 2;
          continue;
        }
        if (rest[j] == c) {
          if (j + 1 < rest.size() && rest[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      if (j >= rest.size()) return out;
      i = j + 1;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) {
      elems.emplace_back(start, i);
      close = i;
      break;
    }
    if (c == ',' && depth == 1) {
      elems.emplace_back(start, i);
      start = i + 1;
    }
    ++i;
  }
  if (close == std::string_view::npos) return out;
  std::vector<std::string> keep;
  std::vector<std::pair<std::string, std::string>> deferred;
  for (auto [b, e] : elems) {
    std::string_view el = rest.substr(b, e - b);
    while (!el.empty() && IsSpace(el.front())) el.remove_prefix(1);
    while (!el.empty() && IsSpace(el.back())) el.remove_suffix(1);
    Lexer lx(el);
    Token first = lx.Next();
    if (first.kind == Token::Kind::kWord && (EqualsFold(first.text, "CONSTRAINT") || EqualsFold(first.text, "FOREIGN"))) {
      return out;  // foreign keys need their indexes
    }
    if (first.kind == Token::Kind::kWord && (EqualsFold(first.text, "KEY") || EqualsFold(first.text, "INDEX"))) {
      Token name = lx.Next();
      if (name.kind == Token::Kind::kIdent || (name.kind == Token::Kind::kWord && !EqualsFold(name.text, "USING"))) {
        deferred.emplace_back(name.text, std::string(el));
        continue;
      }
    }
    keep.emplace_back(el);
  }
  if (deferred.empty() || keep.empty()) return out;
  std::string body = std::string(rest.substr(0, open)) + "(\n";
  for (size_t k = 0; k < keep.size(); ++k) body += "  " + keep[k] + (k + 1 < keep.size() ? ",\n" : "\n");
  body += std::string(rest.substr(close));
  out.rest = std::move(body);
  out.indexes = std::move(deferred);
  return out;
}

}  // namespace dm::load
