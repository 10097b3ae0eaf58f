#pragma once
// INTERNAL to dm/config (included only by its .cc files): a strict reader over yaml-cpp
// nodes that mirrors yaml.v2's UnmarshalStrict as DM uses it, but reports every problem
// through config::ConfigError with file, YAML path and line:column.
//
//   MapReader r = ...Open(node);      // must be a map (null counts as empty)
//   DM_RETURN_IF_ERROR(r.Str("host", &cfg.host));   // absent/null: value left as is
//   DM_RETURN_IF_ERROR(r.Finish());   // any key not asked for = unknown-field error
//
// Nothing here throws: yaml-cpp calls that can throw are not used (Scalar(), iteration and
// Mark() do not), and callers wrap the whole parse in a try/catch as a last resort.
// Values of secret fields (IsSecretField) are never echoed in messages.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "dm/base/result.h"
#include "dm/config/duration.h"
#include "dm/config/error.h"

namespace dm::config::internal {

struct Doc {
  std::string file;                               // for messages, e.g. "task.yaml"
  std::vector<std::string>* warnings = nullptr;  // deprecated-field notes go here
};

Position PosOf(const YAML::Node& node);
Position PosOf(const YAML::Mark& mark);

// Parses `text` as one YAML document; a syntax error becomes kInvalidArgument with the
// line:column yaml-cpp reports.
Result<YAML::Node> LoadYaml(const Doc& doc, std::string_view text);

class YNode {
 public:
  YNode(const Doc* doc, YAML::Node node, std::string path)
      : doc_(doc), node_(std::move(node)), path_(std::move(path)) {}

  const YAML::Node& raw() const { return node_; }
  const std::string& path() const { return path_; }
  const Doc& doc() const { return *doc_; }
  Position pos() const { return PosOf(node_); }
  // The last path component ("port" for "target-database.port").
  std::string key() const;

  bool IsNull() const { return !node_.IsDefined() || node_.IsNull(); }
  bool IsMap() const { return node_.IsMap(); }
  bool IsSeq() const { return node_.IsSequence(); }
  bool IsScalar() const { return node_.IsScalar(); }

  Status Error(std::string_view what) const;
  void Warn(std::string_view what) const;

  // "a map", "a list", or the scalar in backticks (never for secret fields).
  std::string Describe() const;

  YNode Child(std::string_view key, YAML::Node node) const;
  YNode Element(size_t index, YAML::Node node) const;

  // Typed reads of this node. Null leaves *out unchanged.
  Status AsString(std::string* out) const;
  Status AsBool(bool* out) const;
  Status AsInt64(int64_t* out, int64_t min, int64_t max) const;
  Status AsUint64(uint64_t* out) const;
  Status AsDouble(double* out) const;
  Status AsDuration(Duration* out) const;
  Status AsStringList(std::vector<std::string>* out) const;
  Status AsStringMap(std::map<std::string, std::string>* out) const;

  template <class Int>
  Status AsInt(Int* out) const {
    static_assert(std::is_integral_v<Int>);
    if constexpr (std::is_same_v<Int, uint64_t>) {
      return AsUint64(out);
    } else {
      int64_t v = 0;
      Status s = AsInt64(&v, static_cast<int64_t>(std::numeric_limits<Int>::min()),
                         static_cast<int64_t>(std::numeric_limits<Int>::max()));
      if (s.ok() && !IsNull()) *out = static_cast<Int>(v);
      return s;
    }
  }

 private:
  const Doc* doc_;
  YAML::Node node_;
  std::string path_;
};

class MapReader {
 public:
  // `node` must be a map or null (= empty map). Fails on duplicate keys, like yaml.v2.
  static Result<MapReader> Open(const YNode& node);

  const YNode& node() const { return node_; }

  // Registers `key` as known; returns its value node if present and not null.
  std::optional<YNode> Get(std::string_view key);
  // Registers `key` as known; true if present (even if null).
  bool Has(std::string_view key);
  // Position of `key` itself (or of the map when absent).
  Position KeyPos(std::string_view key) const;
  // All entries in document order (keys are not registered).
  std::vector<std::pair<std::string, YNode>> Entries() const;

  Status Str(std::string_view key, std::string* out);
  Status Bool(std::string_view key, bool* out);
  Status Double(std::string_view key, double* out);
  Status Dur(std::string_view key, Duration* out);
  Status StrList(std::string_view key, std::vector<std::string>* out);
  Status StrMap(std::string_view key, std::map<std::string, std::string>* out);
  template <class T>
  Status Int(std::string_view key, T* out) {
    auto n = Get(key);
    return n ? n->AsInt(out) : Status::OK();
  }

  // Adds a warning if `key` is present (with `note` explaining what to do instead).
  void Deprecated(std::string_view key, std::string_view note);

  // Error for the first key never registered, with the nearest known name.
  Status Finish() const;

 private:
  struct Entry {
    std::string key;
    Position key_pos;
    YAML::Node value;
  };
  explicit MapReader(YNode node) : node_(std::move(node)) {}
  const Entry* Find(std::string_view key) const;

  YNode node_;
  std::vector<Entry> entries_;
  std::vector<std::string> known_;
};

// A map whose keys are user-chosen names (routes, filters, ...): each value parsed by `fn`.
template <class T, class Fn>
Status ReadNamedMap(MapReader& parent, std::string_view key, std::map<std::string, T>* out,
                    Fn fn) {
  auto n = parent.Get(key);
  if (!n) return Status::OK();
  DM_ASSIGN_OR_RETURN(MapReader m, MapReader::Open(*n));
  for (auto& [name, child] : m.Entries()) {
    T value{};
    DM_RETURN_IF_ERROR(fn(child, &value));
    (*out)[name] = std::move(value);
  }
  return Status::OK();
}

}  // namespace dm::config::internal
