#include "dm/config/yaml_reader.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "dm/config/names.h"

namespace dm::config::internal {

namespace {

// YAML 1.1 booleans, as yaml.v2 resolves them.
std::optional<bool> ParseYamlBool(std::string_view s) {
  for (std::string_view t : {"true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y", "on", "On",
                             "ON"}) {
    if (s == t) return true;
  }
  for (std::string_view f : {"false", "False", "FALSE", "no", "No", "NO", "n", "N", "off",
                             "Off", "OFF"}) {
    if (s == f) return false;
  }
  return std::nullopt;
}

// Decimal or 0x-hex integer with optional sign and '_' separators (as YAML 1.1 allows).
bool ParseInteger(std::string_view s, bool* negative, uint64_t* magnitude) {
  *negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    *negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  uint64_t v = 0;
  bool any = false;
  for (char c : s) {
    if (c == '_') continue;
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c))) {
      d = std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    } else {
      return false;
    }
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    any = true;
  }
  *magnitude = v;
  return any;
}

}  // namespace

Position PosOf(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return Position{mark.line + 1, mark.column + 1};
}

Position PosOf(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  return PosOf(node.Mark());
}

Result<YAML::Node> LoadYaml(const Doc& doc, std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return ConfigError(doc.file, PosOf(e.mark), "",
                       "malformed YAML: " + e.msg +
                           "; check the indentation (spaces, not tabs), quoting and `key: value` "
                           "syntax around this line");
  } catch (const std::exception& e) {
    return ConfigError(doc.file, {}, "", std::string("malformed YAML: ") + e.what());
  }
}

std::string YNode::key() const {
  size_t dot = path_.find_last_of('.');
  std::string last = dot == std::string::npos ? path_ : path_.substr(dot + 1);
  return last;
}

Status YNode::Error(std::string_view what) const {
  return ConfigError(doc_->file, pos(), path_, what);
}

void YNode::Warn(std::string_view what) const {
  if (doc_->warnings == nullptr) return;
  doc_->warnings->push_back(LocationPrefix(doc_->file, pos()) +
                            (path_.empty() ? "" : path_ + ": ") + std::string(what));
}

std::string YNode::Describe() const {
  if (IsMap()) return "a map";
  if (IsSeq()) return "a list";
  if (IsNull()) return "nothing";
  if (IsSecretField(key())) return "a value (not shown)";
  return QuoteValue(node_.Scalar());
}

YNode YNode::Child(std::string_view key, YAML::Node node) const {
  std::string p = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  return YNode(doc_, std::move(node), std::move(p));
}

YNode YNode::Element(size_t index, YAML::Node node) const {
  return YNode(doc_, std::move(node), path_ + "[" + std::to_string(index) + "]");
}

Status YNode::AsString(std::string* out) const {
  if (IsNull()) return Status::OK();
  if (!IsScalar()) return Error("must be a string, got " + Describe());
  *out = node_.Scalar();
  return Status::OK();
}

Status YNode::AsBool(bool* out) const {
  if (IsNull()) return Status::OK();
  if (IsScalar()) {
    if (auto b = ParseYamlBool(node_.Scalar())) {
      *out = *b;
      return Status::OK();
    }
  }
  return Error("must be a boolean (`true` or `false`), got " + Describe());
}

Status YNode::AsInt64(int64_t* out, int64_t min, int64_t max) const {
  if (IsNull()) return Status::OK();
  bool neg = false;
  uint64_t mag = 0;
  if (!IsScalar() || !ParseInteger(node_.Scalar(), &neg, &mag)) {
    return Error("must be an integer, got " + Describe());
  }
  bool in_range;
  int64_t v = 0;
  if (neg) {
    in_range = mag <= static_cast<uint64_t>(INT64_MAX) + 1;
    if (in_range) v = mag == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN
                                                                  : -static_cast<int64_t>(mag);
  } else {
    in_range = mag <= static_cast<uint64_t>(INT64_MAX);
    if (in_range) v = static_cast<int64_t>(mag);
  }
  if (!in_range || v < min || v > max) {
    return Error("integer " + Describe() + " is out of range [" + std::to_string(min) + ", " +
                 std::to_string(max) + "]");
  }
  *out = v;
  return Status::OK();
}

Status YNode::AsUint64(uint64_t* out) const {
  if (IsNull()) return Status::OK();
  bool neg = false;
  uint64_t mag = 0;
  if (!IsScalar() || !ParseInteger(node_.Scalar(), &neg, &mag)) {
    return Error("must be a non-negative integer, got " + Describe());
  }
  if (neg && mag != 0) return Error("must be a non-negative integer, got " + Describe());
  *out = mag;
  return Status::OK();
}

Status YNode::AsDouble(double* out) const {
  if (IsNull()) return Status::OK();
  if (IsScalar()) {
    const std::string& s = node_.Scalar();
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0) {
      *out = v;
      return Status::OK();
    }
  }
  return Error("must be a number, got " + Describe());
}

Status YNode::AsDuration(Duration* out) const {
  if (IsNull()) return Status::OK();
  if (!IsScalar()) return Error("must be a duration such as `30s` or `5m`, got " + Describe());
  auto d = ParseGoDuration(node_.Scalar());
  if (!d.ok()) return Error(d.status().message());
  *out = *d;
  return Status::OK();
}

Status YNode::AsStringList(std::vector<std::string>* out) const {
  if (IsNull()) return Status::OK();
  if (!IsSeq()) {
    return Error("must be a list (`[a, b]` or one `- item` per line), got " + Describe());
  }
  std::vector<std::string> items;
  size_t i = 0;
  for (const YAML::Node& item : node_) {
    YNode e = Element(i++, item);
    if (e.IsNull()) return e.Error("list item is empty");
    std::string s;
    DM_RETURN_IF_ERROR(e.AsString(&s));
    items.push_back(std::move(s));
  }
  *out = std::move(items);
  return Status::OK();
}

Status YNode::AsStringMap(std::map<std::string, std::string>* out) const {
  if (IsNull()) return Status::OK();
  DM_ASSIGN_OR_RETURN(MapReader m, MapReader::Open(*this));
  std::map<std::string, std::string> result;
  for (auto& [k, v] : m.Entries()) {
    std::string s;
    DM_RETURN_IF_ERROR(v.AsString(&s));
    result[k] = std::move(s);
  }
  *out = std::move(result);
  return Status::OK();
}

Result<MapReader> MapReader::Open(const YNode& node) {
  MapReader r(node);
  if (node.IsNull()) return r;
  if (!node.IsMap()) {
    return node.Error("must be a map of `key: value` lines, got " + node.Describe());
  }
  for (const auto& kv : node.raw()) {
    YAML::Node k = kv.first;
    YAML::Node v = kv.second;
    Position kp = PosOf(k);
    if (!k.IsScalar()) {
      return ConfigError(node.doc().file, kp, node.path(), "a map key must be a plain name");
    }
    std::string key = k.Scalar();
    if (const Entry* prev = r.Find(key)) {
      return ConfigError(node.doc().file, kp, node.path(),
                         "field `" + key + "` is set twice (first at line " +
                             std::to_string(prev->key_pos.line) + "); keep only one");
    }
    r.entries_.push_back(Entry{key, kp, v});
  }
  return r;
}

const MapReader::Entry* MapReader::Find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

std::optional<YNode> MapReader::Get(std::string_view key) {
  known_.emplace_back(key);
  const Entry* e = Find(key);
  if (e == nullptr) return std::nullopt;
  YNode child = node_.Child(key, e->value);
  if (child.IsNull()) return std::nullopt;
  return child;
}

bool MapReader::Has(std::string_view key) {
  known_.emplace_back(key);
  return Find(key) != nullptr;
}

Position MapReader::KeyPos(std::string_view key) const {
  const Entry* e = Find(key);
  return e ? e->key_pos : node_.pos();
}

std::vector<std::pair<std::string, YNode>> MapReader::Entries() const {
  std::vector<std::pair<std::string, YNode>> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.emplace_back(e.key, node_.Child(e.key, e.value));
  return out;
}

Status MapReader::Str(std::string_view key, std::string* out) {
  auto n = Get(key);
  return n ? n->AsString(out) : Status::OK();
}
Status MapReader::Bool(std::string_view key, bool* out) {
  auto n = Get(key);
  return n ? n->AsBool(out) : Status::OK();
}
Status MapReader::Double(std::string_view key, double* out) {
  auto n = Get(key);
  return n ? n->AsDouble(out) : Status::OK();
}
Status MapReader::Dur(std::string_view key, Duration* out) {
  auto n = Get(key);
  return n ? n->AsDuration(out) : Status::OK();
}
Status MapReader::StrList(std::string_view key, std::vector<std::string>* out) {
  auto n = Get(key);
  return n ? n->AsStringList(out) : Status::OK();
}
Status MapReader::StrMap(std::string_view key, std::map<std::string, std::string>* out) {
  auto n = Get(key);
  return n ? n->AsStringMap(out) : Status::OK();
}

void MapReader::Deprecated(std::string_view key, std::string_view note) {
  known_.emplace_back(key);
  const Entry* e = Find(key);
  if (e == nullptr || node_.doc().warnings == nullptr) return;
  std::string path = node_.path().empty() ? std::string(key)
                                          : node_.path() + "." + std::string(key);
  node_.doc().warnings->push_back(LocationPrefix(node_.doc().file, e->key_pos) + path +
                                  ": `" + std::string(key) + "` is deprecated; " +
                                  std::string(note));
}

Status MapReader::Finish() const {
  for (const Entry& e : entries_) {
    bool known = false;
    for (const std::string& k : known_) {
      if (k == e.key) {
        known = true;
        break;
      }
    }
    if (known) continue;
    std::vector<std::string> candidates;
    for (const std::string& k : known_) {
      bool dup = false;
      for (const std::string& c : candidates) dup = dup || c == k;
      if (!dup) candidates.push_back(k);
    }
    std::string what = "unknown field `" + e.key + "` at line " + std::to_string(e.key_pos.line);
    if (e.key == "<<") {
      what += "; YAML merge keys (`<<`) are not supported, write the fields out";
    } else {
      what += SuggestionHint(e.key, candidates, "known fields");
    }
    return ConfigError(node_.doc().file, e.key_pos, node_.path(), what);
  }
  return Status::OK();
}

}  // namespace dm::config::internal
