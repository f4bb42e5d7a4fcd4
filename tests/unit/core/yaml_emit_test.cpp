// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/core/yaml/yaml_emit.hpp>

#include <krayctl/io/console.hpp>

#include "../../support/catch.hpp"

#include <random>

using kray::core::Json;

namespace {

Json read_back(const std::string& yaml) {
  auto docs = kray::core::parse_documents(
      std::make_shared<kray::core::SourceFile>(kray::core::SourceFile{"out.yaml", yaml}));
  INFO(yaml);
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  return docs->front().root;
}

}  // namespace

TEST_CASE("core::emit_yaml keeps every string a string", "[yaml_emit]") {
  const std::vector<std::string> tricky = {"on",
                                           "On",
                                           "yes",
                                           "y",
                                           "Y",
                                           "n",
                                           "no",
                                           "off",
                                           "true",
                                           "False",
                                           "null",
                                           "Null",
                                           "~",
                                           "",
                                           "1e3",
                                           "0x10",
                                           "08",
                                           "010",
                                           "0o17",
                                           "0b11",
                                           "1_000",
                                           "2.55.1",
                                           "8",
                                           "-1",
                                           "+1",
                                           ".5",
                                           ".inf",
                                           "-.inf",
                                           ".nan",
                                           "1:20",
                                           "2001-12-14",
                                           "<<",
                                           "=",
                                           "-",
                                           "- a",
                                           "? x",
                                           ": x",
                                           "a: b",
                                           "a #b",
                                           "#x",
                                           "&a",
                                           "*a",
                                           "!tag",
                                           "|",
                                           ">",
                                           "'q'",
                                           "\"q\"",
                                           "%x",
                                           "@x",
                                           "`x",
                                           "a:",
                                           " leading",
                                           "trailing ",
                                           "tab\tinside",
                                           "multi\nline",
                                           "trailing\n",
                                           "two\n\n",
                                           "\nleading newline",
                                           "  indented\nblock",
                                           "cr\r\nlf",
                                           "bell\x07",
                                           "del\x7f",
                                           "ünïcödé",
                                           "line\xE2\x80\xA8sep",
                                           "nel\xC2\x85",
                                           "bom\xEF\xBB\xBF",
                                           "{a}",
                                           "[a]",
                                           "a,b",
                                           "x\\y",
                                           "32Gi",
                                           "500m",
                                           "0xff",
                                           "1e",
                                           "10s",
                                           "0.5Gi",
                                           "1.5",
                                           "9999999999999999999999"};
  for (const auto& s : tricky) {
    INFO("string: " << Json(s).dump());
    Json doc = {{"key", s}, {s.empty() ? "empty" : s, "as key"}};
    CHECK(read_back(kray::core::emit_yaml(doc)) == doc);
  }
}

TEST_CASE("core::emit_yaml layout", "[yaml_emit]") {
  Json doc = Json::parse(
      R"({"apiVersion":"v1","list":[{"a":1,"b":[]},"x",[1,2]],"m":{},"n":null,"f":1.5,"t":true})");
  CHECK(kray::core::emit_yaml(doc) ==
        "apiVersion: v1\n"
        "list:\n"
        "  - a: 1\n"
        "    b: []\n"
        "  - x\n"
        "  -\n"
        "    - 1\n"
        "    - 2\n"
        "m: {}\n"
        "\"n\": null\n"
        "f: 1.5\n"
        "t: true\n");
  SECTION("multi-line strings become literal blocks") {
    CHECK(kray::core::emit_yaml(Json{{"s", "a\nb\n"}}) == "s: |\n  a\n  b\n");
    CHECK(kray::core::emit_yaml(Json{{"s", "a\nb"}}) == "s: |-\n  a\n  b\n");
    CHECK(kray::core::emit_yaml(Json{{"s", "a\n\n"}}) == "s: |+\n  a\n\n");
  }
  SECTION("strings YAML could misread are quoted") {
    CHECK(kray::core::emit_yaml(Json{{"v", "2.55.1"}}) == "v: \"2.55.1\"\n");
    CHECK(kray::core::emit_yaml(Json{{"v", "on"}}) == "v: \"on\"\n");
    CHECK(kray::core::emit_yaml(Json{{"v", "32Gi"}}) == "v: 32Gi\n");
    CHECK(kray::core::emit_yaml(Json{{"v", "0xff"}}) == "v: \"0xff\"\n");
  }
  SECTION("characters no terminal may see raw are escaped, and read back (issue 14)") {
    // U+202E (right-to-left override), a C1 control, U+2066 (an isolate),
    // zero-width space: double-quoted with \u escapes, so that Console
    // finds nothing to change and the text arrives whole.
    for (const std::string s : {"ab\xe2\x80\xae"
                                "cd",
                                "x\xc2\x9by", "\xe2\x81\xa6i\xe2\x81\xa9",
                                "a\xe2\x80\x8b"
                                "b",
                                "multi\nline \xe2\x80\xae\n"}) {
      const std::string yaml = kray::core::emit_yaml(Json{{"s", s}});
      INFO(yaml);
      CHECK(yaml.find("\\u") != std::string::npos);
      CHECK(kray::io::terminal_safe(yaml, false) == yaml);
      CHECK(read_back(yaml) == Json{{"s", s}});
    }
    const std::string kept = "caf\xc3\xa9 \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9";
    CHECK(kray::core::emit_yaml(Json{{"s", kept}}) == "s: " + kept + "\n");
  }
  SECTION("streams are separated by ---") {
    CHECK(kray::core::emit_yaml_stream({Json{{"a", 1}}, Json{{"b", 2}}}) == "a: 1\n---\nb: 2\n");
  }
}

TEST_CASE("core::emit_yaml round-trips random strings", "[yaml_emit]") {
  // Property: emit then read gives the same document, for strings drawn
  // from the characters YAML treats specially.
  const std::string alphabet = "ab01:-#'\" \n\t.,[]{}&*!|>%@`~?=+eExXoO_\\";
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<std::size_t> len(0, 12);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const std::size_t n = len(rng);
    for (std::size_t j = 0; j < n; ++j) {
      s += alphabet[pick(rng)];
    }
    Json doc = {{"k", s}, {"list", Json::array({s, {{"n", s}}})}};
    INFO("string: " << Json(s).dump());
    CHECK(read_back(kray::core::emit_yaml(doc)) == doc);
  }
}
