// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/yaml/document.hpp>

#include "../../support/catch.hpp"

using kray::core::Json;
using kray::core::SourceFile;

namespace {

kray::Result<std::vector<kray::core::Document>> parse(std::string text,
                                                      std::string name = "t.yaml") {
  return kray::core::parse_documents(
      std::make_shared<SourceFile>(SourceFile{std::move(name), std::move(text)}));
}

Json value(const std::string& yaml_scalar) {
  auto docs = parse("v: " + yaml_scalar + "\n");
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  return docs->front().root["v"];
}

std::string error_of(const std::string& text) {
  auto docs = parse(text);
  REQUIRE_FALSE(docs);
  return docs.error().to_string();
}

}  // namespace

TEST_CASE("core::resolve_plain_scalar follows kubectl's YAML 1.1", "[document]") {
  // Each expectation was checked with `kubectl label --local -f - -o json`
  // (kubectl v1.32, sigs.k8s.io/yaml over go-yaml v2).
  SECTION("booleans") {
    for (const char* t : {"on", "On", "ON", "yes", "Yes", "y", "Y", "true", "True"}) {
      INFO(t);
      CHECK(value(t) == Json(true));
    }
    for (const char* t : {"off", "no", "No", "n", "N", "false", "FALSE"}) {
      INFO(t);
      CHECK(value(t) == Json(false));
    }
  }
  SECTION("numbers") {
    CHECK(value("08") == Json(8.0));
    CHECK(value("08").is_number_float());
    CHECK(value("010") == Json(8));
    CHECK(value("0x10") == Json(16));
    CHECK(value("0o17") == Json(15));
    CHECK(value("0b11") == Json(3));
    CHECK(value("1_000") == Json(1000));
    CHECK(value("1e3") == Json(1000.0));
    CHECK(value(".5") == Json(0.5));
    CHECK(value("+12") == Json(12));
    CHECK(value("-7") == Json(-7));
    CHECK(value("18446744073709551615") == Json(18446744073709551615ULL));
  }
  SECTION("nulls") {
    CHECK(value("~").is_null());
    CHECK(value("null").is_null());
    CHECK(value("").is_null());
  }
  SECTION("strings that look like numbers") {
    for (const char* t : {"2.55.1", "1:20", "2001-12-14", "32Gi", "500m", "0x", "1e", "v2"}) {
      INFO(t);
      CHECK(value(t) == Json(t));
    }
  }
  SECTION("quoted scalars are strings") {
    CHECK(value("\"8\"") == Json("8"));
    CHECK(value("'on'") == Json("on"));
    CHECK(value("!!str 5") == Json("5"));
  }
  SECTION("keys are read like values, then stringified") {
    auto docs = parse("n: 1\n8: 2\n");
    REQUIRE(docs);
    CHECK(docs->front().root.contains("false"));
    CHECK(docs->front().root.contains("8"));
  }
  SECTION(".nan cannot be JSON") {
    CHECK(error_of("v: .nan\n") ==
          "t.yaml:1:4: '.nan' is not a number JSON can hold; quote it to make it a string");
  }
}

TEST_CASE("core::parse_documents positions", "[document]") {
  auto docs = parse("kind: RayJob\nworkers:\n  - name: a\n    gpus: 8\n---\nname: b\n");
  REQUIRE(docs);
  REQUIRE(docs->size() == 2);
  const auto& d = docs->front();
  SECTION("values and keys are 1-based") {
    CHECK(d.location("/workers/0/gpus").to_string() == "t.yaml:4:11");
    CHECK(d.key_location("/workers/0/gpus").to_string() == "t.yaml:4:5");
    CHECK(d.location("/kind").to_string() == "t.yaml:1:7");
  }
  SECTION("a missing node is reported at its nearest ancestor") {
    CHECK(d.location("/workers/0/min").to_string() == "t.yaml:3:5");
  }
  SECTION("the second document keeps file positions") {
    CHECK(docs->at(1).location("/name").to_string() == "t.yaml:6:7");
    CHECK(docs->at(1).index == 1);
  }
  SECTION("raw text is kept for plain scalars read as non-strings") {
    auto on = parse("v: on\nw: x\n");
    REQUIRE(on);
    CHECK(on->front().mark("/v")->raw == "on");
    CHECK(on->front().mark("/w")->raw.empty());
  }
}

TEST_CASE("core::parse_documents structure", "[document]") {
  SECTION("empty input and comments give no documents") {
    CHECK(parse("")->empty());
    CHECK(parse("# only a comment\n")->empty());
  }
  SECTION("a trailing --- adds no document") {
    CHECK(parse("a: 1\n---\n")->size() == 1);
  }
  SECTION("key order is kept") {
    auto docs = parse("z: 1\na: 2\nm: 3\n");
    REQUIRE(docs);
    CHECK(docs->front().root.dump() == R"({"z":1,"a":2,"m":3})");
  }
  SECTION("merge keys: explicit keys win") {
    auto docs = parse("base: &b {p: 1, q: 2}\nc:\n  <<: *b\n  q: 3\n");
    REQUIRE(docs);
    CHECK(docs->front().root["c"] == Json::parse(R"({"q":3,"p":1})"));
  }
  SECTION("block scalars keep their text") {
    auto docs = parse("s: |\n  a\n  b\n");
    REQUIRE(docs);
    CHECK(docs->front().root["s"] == "a\nb\n");
  }
}

TEST_CASE("core::parse_documents syntax errors", "[document]") {
  CHECK(error_of("a: 1\na: 2\n") == "t.yaml:2:1: duplicate key 'a' in this mapping");
  CHECK(error_of("a: 1\n\tb: 2\n") ==
        "t.yaml:2:1: tab character in indentation: YAML indents with spaces only");
  CHECK(error_of("a:\n  b: 1\n c: 2\n") ==
        "t.yaml:3:2: bad indentation: this line is not aligned with the keys of its mapping");
  CHECK(error_of("a: \"abc\nb: 2\n") == "t.yaml:1:4: unclosed quote: this \" has no closing \"");
  CHECK(error_of("a: 'abc\n") == "t.yaml:1:4: unclosed quote: this ' has no closing '");
  CHECK(error_of("a: [1, 2\n") == "t.yaml:2:1: unclosed '[': missing ']'");
  CHECK(error_of("a: b: c\n") ==
        "t.yaml:1:5: unexpected ':': quote a value that contains ': ', or fix the indentation");
  CHECK(error_of("a: *nope\n").find("t.yaml:1:") == 0);
  CHECK(error_of("a: 1\nb: x\x01y\n") ==
        "t.yaml:2:5: control character 0x01 is not allowed in YAML");
  CHECK(error_of("a: \xC3\xA9\nb: \xE9t\xE9\n") ==
        "t.yaml:2:4: the file is not valid UTF-8 here (saved as UTF-16 or Latin-1?)");
  CHECK(error_of("a: \xED\xA0\x80\n").find("not valid UTF-8") != std::string::npos);
  for (const char* bad : {"\xF6\xAD\x9E", "\xC0\x80", "\xF4\x90\x80\x80", "\x80", "\xE2\x82"}) {
    INFO(bad);
    CHECK(error_of(std::string("a: ") + bad + "\n").find("not valid UTF-8") != std::string::npos);
  }
  CHECK(parse("a: \xF0\x9F\x9A\x80 \xE2\x82\xAC \xC3\xA9\n"));  // 4-, 3-, 2-byte characters
  SECTION("a ',' starting a document is an error, not a hang (yaml-cpp 0.7 loops)") {
    CHECK(error_of(",x\n") ==
          "t.yaml:1:1: unexpected ',': it separates items only inside [ ] or { }");
    CHECK(error_of("a: 1\n---\n# c\n  ,x\n") ==
          "t.yaml:4:3: unexpected ',': it separates items only inside [ ] or { }");
  }
  SECTION("an alias bomb is refused, not expanded") {
    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'h'; ++c) {
      const char prev = static_cast<char>(c - 1);
      bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
              prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
              ", *" + prev + "]\n";
    }
    CHECK(error_of(bomb).find("expands to over 100000 nodes") != std::string::npos);
  }
  SECTION("escaped quotes do not close a string") {
    CHECK(parse("a: \"x\\\"y\"\n"));
    CHECK(parse("a: 'it''s'\n"));
  }
}

TEST_CASE("core::parse_documents: nesting past yaml-cpp's depth says what the limit is",
          "[document]") {
  // yaml-cpp 0.7 throws DeepRecursion ("bad file") at depth 500 (issue 14,
  // finding 12).
  const std::string deep = std::string(600, '[') + std::string(600, ']') + "\n";
  auto r = parse(deep);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == kray::ErrorCode::invalid_spec);
  CHECK(r.error().to_string().find("YAML nested deeper than 500 levels, the most krayctl reads") !=
        std::string::npos);
  CHECK(r.error().to_string().find("bad file") == std::string::npos);
  const std::string fine = std::string(400, '[') + std::string(400, ']') + "\n";
  CHECK(parse(fine));
}
