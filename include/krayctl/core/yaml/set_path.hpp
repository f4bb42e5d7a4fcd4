// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/yaml/document.hpp>
#include <krayctl/util/error.hpp>

#include <string>

namespace kray::core {

// Applies one `--set PATH=VALUE` to `doc`, as helm does:
//   workers[0].gpus=4            numbers, booleans, null read as YAML
//   ray.version="2.10"           quotes keep a string
//   head.podLabels.team=ml       missing mappings are created
//   labels.app\.kubernetes\.io/name=x   `\.` is a literal dot
//   workers[1].name=extra        an index one past the end appends
//   head.shm=null                null deletes the key (helm's rule)
//   head.serviceAccount=         an empty value is the empty string
// With `as_string` (`--set-string`), VALUE is a string as written. The new
// nodes are marked as coming from the `--set` text, so that a bad value is
// reported there. Fails (ErrorCode::usage) on a malformed path or value, or
// a path through a scalar or past the end of a list.
[[nodiscard]] Result<void> apply_set(Document& doc,
                                     const std::string& assignment,
                                     bool as_string = false);

}  // namespace kray::core
