// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace kray::core {

// A data file compiled into the binary (cmake/Embed.cmake): templates/ and
// schemas/, so that krayctl needs no files at run time.
struct EmbeddedFile {
  std::string_view name;  // the file name without its directory
  std::string_view data;
};

// Returns the contents of the embedded file `name` in `files`, if any.
std::optional<std::string_view> find_embedded(std::span<const EmbeddedFile> files,
                                              std::string_view name);

}  // namespace kray::core

namespace kray::core::embedded_templates {
// The files of templates/.
std::span<const kray::core::EmbeddedFile> files();
}  // namespace kray::core::embedded_templates

namespace kray::core::embedded_schemas {
// The files of schemas/.
std::span<const kray::core::EmbeddedFile> files();
}  // namespace kray::core::embedded_schemas

namespace kray::core::embedded_lint_docs {
// The lint pages of docs/lints/ (SARIF rule help).
std::span<const kray::core::EmbeddedFile> files();
}  // namespace kray::core::embedded_lint_docs
