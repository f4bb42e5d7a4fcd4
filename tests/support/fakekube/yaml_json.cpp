// SPDX-License-Identifier: Apache-2.0
#include "yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <regex>

namespace fakekube {

namespace {

Json scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") {  // quoted
    return s;
  }
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) {
    return nullptr;
  }
  if (s == "true" || s == "True" || s == "TRUE") {
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return false;
  }
  static const std::regex integer("[-+]?[0-9]+");
  static const std::regex floating("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(s, integer)) {
    return std::strtoll(s.c_str(), nullptr, 10);
  }
  if (std::regex_match(s, floating)) {
    return std::strtod(s.c_str(), nullptr);
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
