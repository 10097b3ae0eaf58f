#pragma once
// StrongId<Tag, T>: a named integer type so that values which are easy to mix up
// (a server id, a binlog offset, a GTID sequence number) cannot be passed for one another.

#include <compare>
#include <cstdint>
#include <functional>

namespace dm {

template <class Tag, class T>
class StrongId {
 public:
  using value_type = T;
  constexpr StrongId() = default;
  constexpr explicit StrongId(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  T v_{};
};

using ServerId = StrongId<struct ServerIdTag, uint32_t>;      // MySQL server_id
using BinlogOffset = StrongId<struct BinlogOffsetTag, uint64_t>;  // byte offset in a binlog file

}  // namespace dm

template <class Tag, class T>
struct std::hash<dm::StrongId<Tag, T>> {
  size_t operator()(const dm::StrongId<Tag, T>& id) const { return std::hash<T>()(id.value()); }
};
