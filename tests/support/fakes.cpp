// SPDX-License-Identifier: Apache-2.0
#include "fakes.hpp"

#include "catch.hpp"

#include <fstream>
#include <sstream>

namespace kray::test {

std::string source_dir() {
  return KRAYCTL_SOURCE_DIR;
}

std::string read_source_file(const std::string& relative) {
  std::ifstream in(source_dir() + "/" + relative, std::ios::binary);
  INFO("reading " << relative);
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace kray::test
