#pragma once
// The one shape of every configuration error, so they all read alike:
//
//   <file>:<line>:<column>: <path>: <what is wrong>[; <what to do>]
//   task.yaml:3:5: mysql-instances[0]: unknown field `sorce-id`; did you mean `source-id`?
//
// <line>:<column> (1-based) is left out when unknown (a config built in code); <path> is
// the YAML/TOML path of the offending node (`mysql-instances[1].route-rules[0]`) and is
// left out for the document itself. Code kInvalidArgument, scope kConfig.
//
// Messages never contain secrets: callers pass the field's value only for non-secret
// fields (see IsSecretField).

#include <string>
#include <string_view>

#include "dm/base/status.h"

namespace dm::config {

struct Position {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown
  bool known() const { return line > 0; }
};

// "task.yaml:3:5: " / "task.yaml: " / "" (empty file name and position).
std::string LocationPrefix(std::string_view file, Position pos);

Status ConfigError(std::string_view file, Position pos, std::string_view path,
                   std::string_view what);

// True for keys whose values must never be echoed: passwords and private-key material.
bool IsSecretField(std::string_view key);

// What ToYaml writes instead of a non-empty secret (DM's ObfuscatedPasswordForFeedback).
inline constexpr std::string_view kRedacted = "******";

}  // namespace dm::config
