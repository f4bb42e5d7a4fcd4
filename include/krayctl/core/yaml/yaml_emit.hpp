// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/yaml/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kray::core {

// Returns `doc` as block-style YAML, two-space indents, lists indented under
// their key, keys in the JSON object's order, ending in a newline.
//
// Every string that a YAML 1.1 reader (kubectl, PyYAML) or a YAML 1.2 reader
// could take for something else is double-quoted, so the output reads back
// with the same types everywhere: "on", "yes", "y", "no", "1e3", "0x10",
// "08", "2.55.1", "8", "" all stay strings. Multi-line strings become
// literal blocks (`|`, `|-`, `|+`) when that is lossless.
std::string emit_yaml(const Json& doc);

// Returns `docs` as one multi-document stream, separated by `---` lines.
std::string emit_yaml_stream(const std::vector<Json>& docs);

// Returns true when `s` can be written as a plain (unquoted) scalar without
// changing its type or meaning under YAML 1.1 and 1.2 rules.
bool is_plain_safe(std::string_view s);

}  // namespace kray::core
