#include "dm/rules/pattern.h"

#include <re2/re2.h>

#include <map>

namespace dm::rules::internal {

namespace {

size_t Utf8Len(unsigned char lead) {
  if (lead < 0xC0) return 1;  // ASCII or a stray continuation byte
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Parses a `[...]` set at the start of `p` (p[0] == '['). Returns the index of the
// closing `]`, or npos when there is none (then `[` is a literal). Mirrors DM's
// getRangeItem: `[!...]` negates, `a-z` is a range, `[!]` means the literal `!`.
size_t ParseSet(std::string_view p, bool* negate,
                std::vector<std::pair<unsigned char, unsigned char>>* ranges) {
  size_t close = p.find(']');
  if (close == std::string_view::npos) return close;
  *negate = false;
  ranges->clear();
  size_t start = 1;
  if (start < close && p[start] == '!') {
    *negate = true;
    ++start;
  }
  for (size_t i = start; i < close; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (i + 2 < close && p[i + 1] == '-') {
      ranges->emplace_back(c, static_cast<unsigned char>(p[i + 2]));
      i += 2;
    } else {
      ranges->emplace_back(c, c);
    }
  }
  if (ranges->empty() && *negate) {
    *negate = false;
    ranges->emplace_back('!', '!');
  }
  return close;
}

bool SetMatches(bool negate, const std::vector<std::pair<unsigned char, unsigned char>>& ranges,
                unsigned char c) {
  for (const auto& [lo, hi] : ranges) {
    if (lo <= c && c <= hi) return !negate;
  }
  return negate;
}

}  // namespace

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsSystemSchema(std::string_view schema) {
  static constexpr std::string_view kSystem[] = {
      "mysql", "information_schema", "performance_schema", "sys",
      "metrics_schema", "inspection_schema", "dm_heartbeat"};
  for (std::string_view s : kSystem) {
    if (EqualsIgnoreCase(schema, s)) return true;
  }
  return false;
}

Result<std::shared_ptr<const re2::RE2>> CompileRegex(std::string_view pattern, bool case_sensitive,
                                                     std::string_view what) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_case_sensitive(case_sensitive);
  auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) {
    return Status::InvalidArgument(std::string(what) + ": invalid regular expression `" +
                                   std::string(pattern) + "`: " + re->error() +
                                   "; fix it (Go/RE2 syntax)");
  }
  return re;
}

bool RegexSearch(const re2::RE2& re, std::string_view s) {
  return re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re);
}

// ---------------------------------------------------------------------------- Wildcard

bool Wildcard::Token::MatchByte(unsigned char c) const {
  if (kind == Kind::kLiteral) return c == ch;
  return SetMatches(negate, ranges, c);
}

Result<Wildcard> Wildcard::Compile(std::string_view pattern, std::string_view what) {
  if (pattern.empty()) {
    return Status::InvalidArgument(std::string(what) + ": the pattern is empty; give a name or "
                                   "a wildcard such as `db_*`");
  }
  Wildcard w;
  w.text_ = std::string(pattern);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (w.trailing_star_) {
      return Status::InvalidArgument(
          std::string(what) + ": pattern `" + std::string(pattern) +
          "` is not valid: `*` may only be the last character (DM's table selector); use a "
          "`~` regex in block-allow lists, or end the pattern at the `*`");
    }
    char c = pattern[i];
    Token t;
    if (c == '*') {
      w.trailing_star_ = true;
      continue;
    }
    if (c == '?') {
      t.kind = Token::Kind::kAny;
    } else if (c == '[') {
      size_t close = ParseSet(pattern.substr(i), &t.negate, &t.ranges);
      if (close == std::string_view::npos) {
        t.ch = '[';
      } else {
        t.kind = Token::Kind::kSet;
        i += close;
      }
    } else {
      t.ch = static_cast<unsigned char>(c);
    }
    w.tokens_.push_back(std::move(t));
  }
  return w;
}

bool Wildcard::Match(std::string_view s) const {
  size_t pos = 0;
  for (const Token& t : tokens_) {
    if (pos >= s.size()) return false;
    auto c = static_cast<unsigned char>(s[pos]);
    if (t.kind == Token::Kind::kAny) {
      pos += Utf8Len(c);
      if (pos > s.size()) pos = s.size();
      continue;
    }
    if (!t.MatchByte(c)) return false;
    ++pos;
  }
  return trailing_star_ || pos == s.size();
}

// ---------------------------------------------------------------------------- NamePattern

Result<NamePattern> NamePattern::Compile(std::string_view pattern, bool case_sensitive,
                                         std::string_view what) {
  NamePattern p;
  if (!pattern.empty() && pattern[0] == '~') {
    if (pattern.size() == 1) {
      return Status::InvalidArgument(std::string(what) +
                                     ": `~` starts a regex but none follows; write e.g. `~^db_\\d+$`");
    }
    DM_ASSIGN_OR_RETURN(p.regex_, CompileRegex(pattern.substr(1), case_sensitive, what));
    return p;
  }
  DM_ASSIGN_OR_RETURN(Wildcard w, Wildcard::Compile(pattern, what));
  p.wildcard_ = std::make_shared<const Wildcard>(std::move(w));
  return p;
}

bool NamePattern::Match(std::string_view s) const {
  if (regex_) return RegexSearch(*regex_, s);
  return wildcard_->Match(s);
}

// ---------------------------------------------------------------------------- Selector

struct Selector::Item {
  std::unique_ptr<Node> child;
  std::vector<int> rules;
  std::unique_ptr<Node> next_level;  // schema item -> table-level trie
  bool negate = false;               // for set items
  std::vector<std::pair<unsigned char, unsigned char>> ranges;

  // DM's rangeItem.match: every range of *this is inside some range of `o`.
  bool Within(const Item& o) const {
    if (negate != o.negate) return false;
    for (const auto& r : ranges) {
      bool found = false;
      for (const auto& r2 : o.ranges) {
        if (r2.first <= r.first && r.second <= r2.second) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
};

struct Selector::Node {
  std::map<unsigned char, std::unique_ptr<Item>> chars;
  std::unique_ptr<Item> star;
  std::unique_ptr<Item> question;
  std::vector<std::unique_ptr<Item>> sets;
};

Selector::Selector() : root_(std::make_unique<Node>()) {}
Selector::~Selector() = default;
Selector::Selector(Selector&&) noexcept = default;
Selector& Selector::operator=(Selector&&) noexcept = default;

Result<Selector::Item*> Selector::InsertPattern(Node* root, std::string_view pattern) {
  // Validate with the same rules as Wildcard, so messages are identical.
  DM_RETURN_IF_ERROR(Wildcard::Compile(pattern, "pattern").status());
  Node* n = root;
  Item* entity = nullptr;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    std::unique_ptr<Item>* slot = nullptr;
    if (c == '*') {
      slot = &n->star;
    } else if (c == '?') {
      slot = &n->question;
    } else if (c == '[') {
      Item probe;
      size_t close = ParseSet(pattern.substr(i), &probe.negate, &probe.ranges);
      if (close == std::string_view::npos) {
        slot = &n->chars[static_cast<unsigned char>(c)];
      } else {
        for (auto& s : n->sets) {
          if (s->Within(probe) && probe.Within(*s)) {
            slot = &s;
            break;
          }
        }
        if (slot == nullptr) {
          n->sets.push_back(std::make_unique<Item>(std::move(probe)));
          slot = &n->sets.back();
        }
        i += close;
      }
    } else {
      slot = &n->chars[static_cast<unsigned char>(c)];
    }
    if (!*slot) *slot = std::make_unique<Item>();
    entity = slot->get();
    if (!entity->child) entity->child = std::make_unique<Node>();
    n = entity->child.get();
  }
  return entity;
}

Status Selector::Insert(std::string_view schema, std::string_view table, int id, int* existing) {
  if (schema.empty()) {
    return Status::InvalidArgument("schema pattern is empty; every rule needs a schema-pattern");
  }
  DM_ASSIGN_OR_RETURN(Item * item, InsertPattern(root_.get(), schema));
  if (!table.empty()) {
    if (!item->next_level) item->next_level = std::make_unique<Node>();
    DM_ASSIGN_OR_RETURN(item, InsertPattern(item->next_level.get(), table));
  }
  if (!item->rules.empty()) {
    if (existing) *existing = item->rules.front();
    return Status(Code::kAlreadyExists, "pattern pair already has a rule");
  }
  item->rules.push_back(id);
  return Status::OK();
}

void Selector::MatchNode(const Node* n, std::string_view s, std::vector<int>* rules,
                         std::vector<const Node*>* next_levels) {
  if (n == nullptr) return;
  auto append = [&](const Item* it) {
    rules->insert(rules->end(), it->rules.begin(), it->rules.end());
    if (next_levels && it->next_level) next_levels->push_back(it->next_level.get());
  };
  const Item* entity = nullptr;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (n->star) append(n->star.get());
    if (n->question) {
      size_t next = std::min(s.size(), i + Utf8Len(c));
      if (next == s.size()) append(n->question.get());
      MatchNode(n->question->child.get(), s.substr(next), rules, next_levels);
    }
    for (const auto& set : n->sets) {
      if (SetMatches(set->negate, set->ranges, c)) {
        if (i + 1 == s.size()) append(set.get());
        MatchNode(set->child.get(), s.substr(i + 1), rules, next_levels);
      }
    }
    auto it = n->chars.find(c);
    if (it == n->chars.end()) return;
    entity = it->second.get();
    n = entity->child.get();
  }
  if (entity) append(entity);
  if (n->star) append(n->star.get());
}

std::vector<int> Selector::Match(std::string_view schema, std::string_view table) const {
  std::vector<int> rules;
  std::vector<const Node*> levels;
  MatchNode(root_.get(), schema, &rules, &levels);
  for (const Node* level : levels) MatchNode(level, table, &rules, nullptr);
  return rules;
}

}  // namespace dm::rules::internal
