// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/schema/embedded.hpp>

namespace kray::core {

std::optional<std::string_view> find_embedded(std::span<const EmbeddedFile> files,
                                              std::string_view name) {
  for (const auto& f : files) {
    if (f.name == name) {
      return f.data;
    }
  }
  return std::nullopt;
}

}  // namespace kray::core
