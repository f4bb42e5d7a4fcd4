// SPDX-License-Identifier: Apache-2.0
#include <krayctl/util/edit_distance.hpp>
#include <krayctl/util/error.hpp>
#include <krayctl/util/strings.hpp>

#include "../../support/catch.hpp"

using kray::util::closest_match;
using kray::util::edit_distance;

TEST_CASE("util::edit_distance", "[util]") {
  CHECK(edit_distance("gpus", "gpus") == 0);
  CHECK(edit_distance("gpu", "gpus") == 1);
  CHECK(edit_distance("gpsu", "gpus") == 1);  // a transposition is one edit
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("abcdef", "uvwxyz", 2) == 3);  // stops early past the bound
}

TEST_CASE("util::closest_match", "[util]") {
  const std::vector<std::string> keys = {"workers", "head", "autoscaler", "gpus"};
  CHECK(closest_match("worker", keys) == "workers");
  CHECK(closest_match("autoscalar", keys) == "autoscaler");
  CHECK(closest_match("GPUS", keys) == "gpus");
  CHECK(closest_match("zebra", keys).empty());
}

TEST_CASE("util::strings", "[util]") {
  CHECK(kray::util::split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
  CHECK(kray::util::join({"a", "b"}, ", ") == "a, b");
  CHECK(kray::util::trim("  x \n") == "x");
  CHECK(kray::util::to_lower("AbC") == "abc");
}

namespace {
kray::Result<int> fails() {
  return kray::make_error(kray::ErrorCode::io, "disk on fire");
}
kray::Result<int> passes_through() {
  KRAY_TRY_ASSIGN(int v, fails());
  return v + 1;
}
kray::Result<void> tries() {
  KRAY_TRY(fails());
  return {};
}
}  // namespace

TEST_CASE("util::Error", "[util]") {
  auto r = passes_through();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == kray::ErrorCode::io);
  CHECK_FALSE(tries());
  kray::Error e{kray::ErrorCode::io, "gone", kray::SourceLocation{"f.yaml", 3, 4}, {}, false};
  e.add_context("reading spec").add_context("rendering");
  CHECK(e.to_string() == "f.yaml:3:4: rendering: reading spec: gone");
}
