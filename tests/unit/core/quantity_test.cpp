// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/k8s/quantity.hpp>

#include "../../support/catch.hpp"

#include <random>
#include <regex>

using kray::core::Json;
using kray::core::parse_duration_seconds;
using kray::core::parse_quantity;

TEST_CASE("core::parse_quantity", "[quantity]") {
  SECTION("valid quantities and their values") {
    CHECK(parse_quantity("8")->value == 8);
    CHECK(parse_quantity("500m")->value == Approx(0.5));
    CHECK(parse_quantity("32Gi")->value == 32.0 * 1024 * 1024 * 1024);
    CHECK(parse_quantity("1e3")->value == 1000);
    CHECK(parse_quantity("1.5G")->value == 1.5e9);
    CHECK(parse_quantity(".5")->value == 0.5);
    CHECK(parse_quantity("-1")->value == -1);
    CHECK(parse_quantity("32Gi")->text == "32Gi");
  }
  SECTION("errors say what was meant") {
    CHECK(parse_quantity("8Gb").error().message ==
          "invalid quantity '8Gb': unknown suffix 'Gb'; did you mean '8Gi' (binary, 1024-based) "
          "or '8G' (decimal)?");
    CHECK(parse_quantity("4GiB").error().message ==
          "invalid quantity '4GiB': unknown suffix 'GiB'; did you mean '4Gi'?");
    CHECK(parse_quantity("32GG").error().message ==
          "invalid quantity '32GG': unknown suffix 'GG' (use Ki, Mi, Gi, Ti for bytes, m for "
          "milli, or none)");
    CHECK(parse_quantity("Gi").error().message ==
          "invalid quantity 'Gi': expected a number with an optional suffix, such as 500m, 8, "
          "32Gi");
    CHECK_FALSE(parse_quantity(""));
    CHECK_FALSE(parse_quantity("1e"));
  }
  SECTION("YAML numbers become canonical text") {
    CHECK(kray::core::parse_quantity_value(Json(8))->text == "8");
    CHECK(kray::core::parse_quantity_value(Json(0.5))->text == "0.5");
    CHECK(kray::core::parse_quantity_value(Json(1000.0))->text == "1000");
    CHECK_FALSE(kray::core::parse_quantity_value(Json(true)));
  }
}

TEST_CASE("core::parse_duration_seconds", "[quantity]") {
  CHECK(*parse_duration_seconds(Json(60)) == 60);
  CHECK(*parse_duration_seconds(Json("60s")) == 60);
  CHECK(*parse_duration_seconds(Json("5m")) == 300);
  CHECK(*parse_duration_seconds(Json("1h30m")) == 5400);
  CHECK(*parse_duration_seconds(Json("1.5h")) == 5400);
  CHECK(parse_duration_seconds(Json("1500ms")).error().message ==
        "duration '1500ms' is not a whole number of seconds");
  CHECK(parse_duration_seconds(Json("60x")).error().message ==
        "invalid duration '60x': expected seconds (60) or a duration such as 60s, 5m, 1h30m");
  CHECK(parse_duration_seconds(Json("-5s")).error().message ==
        "duration must not be negative, got '-5s'");
  CHECK(parse_duration_seconds(Json(-1)).error().message ==
        "duration must not be negative, got '-1'");
  CHECK_FALSE(parse_duration_seconds(Json("")));
  CHECK_FALSE(parse_duration_seconds(Json("m")));
  CHECK_FALSE(parse_duration_seconds(Json(true)));
}

TEST_CASE("core::matches_quantity_pattern agrees with the CRD's regular expression", "[quantity]") {
  const std::regex re{std::string(kray::core::k_quantity_pattern)};
  auto agree = [&](const std::string& s) {
    INFO(s);
    CHECK(kray::core::matches_quantity_pattern(s) == std::regex_search(s, re));
  };
  for (const char* s :
       {"",     "1",     "+1",   "-1",     "1.", ".5",  ".",    "+.",   "1.5Gi", "500m",
        "4Gi",  "1e3",   "1E+3", "1e-3.5", "1e", "1Ki", "1ki",  "1KiB", "Gi",    "1 Gi",
        "0x10", "1.2.3", "1mm",  "1k",     "1K", "5GG", "1e.5", "--1",  "1i"}) {
    agree(s);
  }
  // Random strings over the grammar's alphabet.
  std::mt19937 rng(42);
  const std::string alphabet = "0123456789.+-eEiKMGTPEnumk x";
  for (int n = 0; n < 20000; ++n) {
    std::string s;
    const auto len = rng() % 7;
    for (std::size_t i = 0; i < len; ++i) {
      s += alphabet[rng() % alphabet.size()];
    }
    agree(s);
  }
}
