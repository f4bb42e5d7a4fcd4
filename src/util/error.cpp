// SPDX-License-Identifier: Apache-2.0
#include <krayctl/util/error.hpp>

#include <krayctl/util/assert.hpp>

#include <cstdio>
#include <cstdlib>

namespace kray {

std::string SourceLocation::to_string() const {
  if (line <= 0) {
    return file;
  }
  if (column <= 0) {
    return file + ":" + std::to_string(line);
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Error& Error::add_context(std::string what) & {
  context.insert(context.begin(), std::move(what));
  return *this;
}

Error&& Error::add_context(std::string what) && {
  context.insert(context.begin(), std::move(what));
  return std::move(*this);
}

std::string Error::to_string() const {
  std::string out;
  if (where) {
    out += where->to_string();
    out += ": ";
  }
  for (const auto& c : context) {
    out += c;
    out += ": ";
  }
  out += message;
  return out;
}

namespace detail {
void assertion_failed(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
  std::abort();
}
}  // namespace detail

}  // namespace kray
