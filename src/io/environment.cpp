// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/environment.hpp>

#include <cstdlib>

namespace kray::io {

std::optional<std::string> RealEnvironment::get(const std::string& name) const {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

}  // namespace kray::io
