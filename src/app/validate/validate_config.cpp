// SPDX-License-Identifier: Apache-2.0
// The `.krayctl.yaml` a team commits beside its manifests: what `krayctl
// validate` reads before its flags (docs/validation.md, "Configuration").
#include <krayctl/app/validate/validate.hpp>

#include <krayctl/core/validate/validate.hpp>
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace kray::app {
namespace {

using core::Document;
using core::Json;

const std::vector<std::string>& validate_keys() {
  static const std::vector<std::string> k = {"exclude", "disable",      "severity",
                                             "strict",  "featureGates", "sarifRoot"};
  return k;
}

Error config_error(const Document& doc,
                   const std::string& pointer,
                   std::string message,
                   bool at_key = false) {
  Error e{ErrorCode::usage, std::move(message), {}, {}, false};
  e.where = at_key ? doc.key_location(pointer) : doc.location(pointer);
  return e;
}

std::string unknown_key_message(const std::string& key, const std::vector<std::string>& known) {
  std::string out = "unknown key " + util::quote(key);
  if (auto near = util::closest_match(key, known); !near.empty()) {
    out += "; did you mean " + util::quote(near) + "?";
  }
  return out + " (known: " + util::join(known, ", ") + ")";
}

// A list of strings, or one string.
Result<std::vector<std::string>> read_strings(const Document& doc, const std::string& pointer) {
  const Json& value = doc.root.at(Json::json_pointer(pointer));
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
    return out;
  }
  if (!value.is_array()) {
    return tl::unexpected(config_error(doc, pointer, "expected a list of strings"));
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      return tl::unexpected(
          config_error(doc, core::pointer_append(pointer, i), "expected a string"));
    }
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

Result<void> check_lint_id(const Document& doc,
                           const std::string& pointer,
                           const std::string& id,
                           bool at_key) {
  if (core::find_lint(id) == nullptr) {
    return tl::unexpected(config_error(doc, pointer, core::unknown_lint_message(id), at_key));
  }
  return {};
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::optional<std::string> find_validate_config(const Deps& deps) {
  std::string dir = deps.fs.absolute(".");
  while (true) {
    std::string candidate = (dir == "/" ? "" : dir) + "/" + k_validate_config_name;
    if (deps.fs.exists(candidate) && !deps.fs.is_directory(candidate)) {
      return candidate;
    }
    if (dir == "/" || dir.empty()) {
      return std::nullopt;
    }
    dir = parent_dir(dir);
  }
}

Result<ValidateConfig> load_validate_config(const std::string& path, const Deps& deps) {
  auto text = deps.fs.read_file(path);
  if (!text) {
    return tl::unexpected(std::move(text.error()).add_context("reading config " + path));
  }
  auto source = std::make_shared<core::SourceFile>(core::SourceFile{path, std::move(*text)});
  auto docs = core::parse_documents(source);
  if (!docs) {
    Error e = std::move(docs.error());
    e.code = ErrorCode::usage;
    return tl::unexpected(std::move(e));
  }
  ValidateConfig config;
  config.path = path;
  if (docs->empty()) {
    return config;  // an empty file is no configuration, as an empty manifest is none
  }
  if (docs->size() > 1) {
    return tl::unexpected(
        config_error((*docs)[1], "", "one YAML document expected in a krayctl config file"));
  }
  const Document& doc = docs->front();
  if (!doc.root.is_object()) {
    return tl::unexpected(config_error(doc, "", "expected a mapping with the key 'validate'"));
  }
  for (const auto& [key, value] : doc.root.items()) {
    if (key != "validate") {
      return tl::unexpected(config_error(doc, core::pointer_append("", key),
                                         unknown_key_message(key, {"validate"}), true));
    }
  }
  if (!doc.root.contains("validate") || doc.root["validate"].is_null()) {
    return config;
  }
  const Json& v = doc.root["validate"];
  if (!v.is_object()) {
    return tl::unexpected(config_error(doc, "/validate", "expected a mapping"));
  }
  for (const auto& [key, value] : v.items()) {
    const std::string pointer = core::pointer_append("/validate", key);
    const auto& known = validate_keys();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return tl::unexpected(config_error(doc, pointer, unknown_key_message(key, known), true));
    }
    if (key == "exclude") {
      KRAY_TRY_ASSIGN(config.exclude, read_strings(doc, pointer));
    } else if (key == "disable") {
      KRAY_TRY_ASSIGN(config.disable, read_strings(doc, pointer));
      for (std::size_t i = 0; i < config.disable.size(); ++i) {
        const std::string at = value.is_array() ? core::pointer_append(pointer, i) : pointer;
        KRAY_TRY(check_lint_id(doc, at, config.disable[i], false));
      }
    } else if (key == "strict") {
      if (!value.is_boolean()) {
        return tl::unexpected(config_error(doc, pointer, "expected true or false"));
      }
      config.strict = value.get<bool>();
    } else if (key == "sarifRoot") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return tl::unexpected(config_error(doc, pointer, "expected a path"));
      }
      // Relative to the folder of the file, wherever krayctl runs from.
      const std::string root = value.get<std::string>();
      config.sarif_root = root.front() == '/' ? root : parent_dir(path) + "/" + root;
    } else if (key == "severity") {
      if (!value.is_object()) {
        return tl::unexpected(
            config_error(doc, pointer, "expected a mapping of lint IDs to error or warning"));
      }
      for (const auto& [id, level] : value.items()) {
        const std::string at = core::pointer_append(pointer, id);
        KRAY_TRY(check_lint_id(doc, at, id, true));
        if (level != "error" && level != "warning") {
          return tl::unexpected(config_error(
              doc, at, "expected error or warning (to turn a lint off, list it under disable)"));
        }
        config.severity[id] = level == "error" ? core::Severity::error : core::Severity::warning;
      }
    } else if (key == "featureGates") {
      if (!value.is_object()) {
        return tl::unexpected(
            config_error(doc, pointer, "expected a mapping of gate names to true or false"));
      }
      for (const auto& [gate, on] : value.items()) {
        if (!on.is_boolean()) {
          return tl::unexpected(
              config_error(doc, core::pointer_append(pointer, gate), "expected true or false"));
        }
        config.feature_gates.push_back(gate + (on.get<bool>() ? "=true" : "=false"));
      }
    }
  }
  return config;
}

}  // namespace kray::app
