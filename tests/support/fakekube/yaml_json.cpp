// SPDX-License-Identifier: Apache-2.0
#include "yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <optional>
#include <regex>
#include <set>

namespace fakekube {

namespace {

std::optional<long long> parse_int(std::string digits, int base) {
  digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
  if (digits.empty()) {
    return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(digits.c_str(), &end, base);
  if (errno != 0 || *end != '\0') {
    return std::nullopt;
  }
  return v;
}

// Plain scalars as the API server reads YAML (sigs.k8s.io/yaml over go-yaml
// v2, YAML 1.1): yes/no/on/off/y/n are booleans, a leading 0 is octal
// (and "08", not octal, a float), 0x/0o/0b prefixes, underscores in
// numbers, .inf and .nan.
Json scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") {  // quoted or !!str
    return s;
  }
  static const std::set<std::string> truths = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                               "True", "TRUE", "on",  "On",  "ON"};
  static const std::set<std::string> falsehoods = {"n",     "N",     "no",  "No",  "NO", "false",
                                                   "False", "FALSE", "off", "Off", "OFF"};
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return nullptr;
  }
  if (truths.count(s) > 0) {
    return true;
  }
  if (falsehoods.count(s) > 0) {
    return false;
  }
  static const std::regex integer("[-+]?(0|[1-9][0-9_]*)");
  static const std::regex prefixed("([-+]?)0([xob])([0-9a-fA-F_]+)");
  static const std::regex octal("([-+]?)0([0-7_]+)");
  static const std::regex floating("[-+]?([0-9][0-9_]*)?\\.?[0-9_]*([eE][-+]?[0-9]+)?");
  std::smatch m;
  if (std::regex_match(s, integer)) {
    if (auto v = parse_int(s, 10)) {
      return *v;
    }
    std::string digits = s;
    digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
    return std::strtoull(digits.c_str(), nullptr, 10);  // beyond int64
  }
  if (std::regex_match(s, m, prefixed)) {
    const int base = m[2] == "x" ? 16 : m[2] == "o" ? 8 : 2;
    if (auto v = parse_int(m[3].str(), base)) {
      return m[1] == "-" ? -*v : *v;
    }
  }
  if (std::regex_match(s, m, octal)) {
    if (auto v = parse_int(m[2].str(), 8)) {
      return m[1] == "-" ? -*v : *v;
    }
  }
  if (s == ".inf" || s == "+.inf" || s == ".Inf" || s == ".INF") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
    return -std::numeric_limits<double>::infinity();
  }
  if (std::regex_match(s, floating) && s.find_first_of("0123456789") != std::string::npos &&
      s.back() != 'e' && s.back() != 'E') {
    std::string digits = s;
    digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
    return std::strtod(digits.c_str(), nullptr);
  }
  return s;
}

Json convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) {
        out[kv.first.Scalar()] = convert(kv.second);
      }
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) {
        out.push_back(convert(item));
      }
      return out;
    }
    case YAML::NodeType::Scalar:
      return scalar(node);
    default:
      return nullptr;
  }
}

}  // namespace

Result<Json> parse_yaml(const std::string& text) {
  try {
    return convert(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    return tl::unexpected(ApiError{400, "BadRequest",
                                   "error converting YAML to JSON: yaml: line " +
                                       std::to_string(e.mark.line + 1) + ": " + e.msg,
                                   Json::object()});
  }
}

}  // namespace fakekube
