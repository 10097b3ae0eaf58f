#pragma once
// Pattern helpers shared by the rule engines (internal to dm::rules; not for other
// libraries).
//
// Wildcard: one name pattern in tidb's util/table-rule-selector syntax:
//   `*`      any suffix, including the empty one; only allowed as the LAST character
//            (DM rejects `a*b`, and so do we, at Compile time);
//   `?`      exactly one character (one UTF-8 code point; DM's trie walks bytes, which
//            only differs for non-ASCII names);
//   `[abc]`, `[a-z0-9]`, `[!a-z]`  one byte from a set / not from a set; a `[` with no
//            closing `]` is a literal `[`; `[!]` is a literal `!`;
//   anything else, including `\`, is literal. Matching is byte-exact; callers lower-case
//   both sides for case-insensitive rules.
//
// Selector: a trie of (schema pattern, table pattern) -> rule ids that returns matching
// rules in exactly the order DM's trie selector does (schema-level rules first, then
// table-level rules; within a level the trie's walk order). The binlog event filter
// depends on that order (the first Ignore/Error or unmatched Do rule decides).
//
// NamePattern: a block-allow-list / route pattern: a Wildcard, or an RE2 regex when the
// text starts with `~` (unanchored search, like Go's MatchString).
//
// All objects are immutable after construction and safe for concurrent reads.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"

namespace re2 {
class RE2;
}

namespace dm::rules::internal {

// ASCII lower-casing (MySQL identifiers are compared this way by DM for ASCII; bytes
// >= 0x80 are left unchanged).
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// mysql, information_schema, performance_schema, sys, metrics_schema, inspection_schema
// and dm_heartbeat, in any case (tidb util/filter IsSystemSchema).
bool IsSystemSchema(std::string_view schema);

// Compiles an RE2 regex with Go-compatible syntax. `what` names the rule field in the
// error ("block-allow-list do-dbs[0]"). Never returns null on success.
Result<std::shared_ptr<const re2::RE2>> CompileRegex(std::string_view pattern, bool case_sensitive,
                                                     std::string_view what);
bool RegexSearch(const re2::RE2& re, std::string_view s);

class Wildcard {
 public:
  // kInvalidArgument if `*` is not the last character or the pattern is empty.
  static Result<Wildcard> Compile(std::string_view pattern, std::string_view what);
  bool Match(std::string_view s) const;
  const std::string& text() const { return text_; }

 private:
  struct Token {
    enum class Kind : uint8_t { kLiteral, kAny, kSet } kind = Kind::kLiteral;
    unsigned char ch = 0;
    bool negate = false;
    std::vector<std::pair<unsigned char, unsigned char>> ranges;
    bool MatchByte(unsigned char c) const;
  };
  std::string text_;
  std::vector<Token> tokens_;  // without the trailing star
  bool trailing_star_ = false;
};

class NamePattern {
 public:
  // `pattern` is used as given; lower-case it first for case-insensitive wildcards.
  static Result<NamePattern> Compile(std::string_view pattern, bool case_sensitive,
                                     std::string_view what);
  bool Match(std::string_view s) const;  // `s` lower-cased by the caller when !case_sensitive
  bool is_regex() const { return regex_ != nullptr; }

 private:
  std::shared_ptr<const re2::RE2> regex_;
  std::shared_ptr<const Wildcard> wildcard_;
};

class Selector {
 public:
  Selector();
  ~Selector();
  Selector(Selector&&) noexcept;
  Selector& operator=(Selector&&) noexcept;

  // Adds rule `id` under schema pattern `schema` (non-empty) and table pattern `table`
  // (empty = schema-level rule). Fails with kInvalidArgument on a bad pattern and with
  // kAlreadyExists if the same pattern pair already holds a rule (its id in *existing).
  Status Insert(std::string_view schema, std::string_view table, int id, int* existing);
  // Rule ids whose patterns match, in DM's order.
  std::vector<int> Match(std::string_view schema, std::string_view table) const;

 private:
  struct Node;
  struct Item;
  Result<Item*> InsertPattern(Node* root, std::string_view pattern);
  static void MatchNode(const Node* n, std::string_view s, std::vector<int>* rules,
                        std::vector<const Node*>* next_levels);
  std::unique_ptr<Node> root_;
};

}  // namespace dm::rules::internal
