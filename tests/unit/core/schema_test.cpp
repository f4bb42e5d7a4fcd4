// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/schema/schema.hpp>

#include "../../support/catch.hpp"

using kray::core::Json;
using kray::core::SchemaValidator;
using kray::core::SchemaViolation;
using kray::core::ViolationKind;

namespace {

std::vector<SchemaViolation> check(const Json& schema, const Json& instance) {
  SchemaValidator v(schema);
  v.add_format("even", [](const Json& j) -> std::optional<std::string> {
    if (j.is_number_integer() && j.get<int>() % 2 != 0) {
      return "must be even";
    }
    return std::nullopt;
  });
  std::vector<SchemaViolation> out;
  v.validate(instance, out);
  return out;
}

std::vector<std::string> messages(const std::vector<SchemaViolation>& v) {
  std::vector<std::string> out;
  for (const auto& x : v) {
    out.push_back(x.pointer + ": " + x.message);
  }
  return out;
}

}  // namespace

TEST_CASE("core::SchemaValidator", "[schema]") {
  const Json schema = Json::parse(R"({
    "type": "object",
    "additionalProperties": false,
    "required": ["name"],
    "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 5},
      "gpus": {"type": "integer", "minimum": 0},
      "kind": {"enum": ["RayCluster", "RayJob"]},
      "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 2},
      "n": {"type": "integer", "format": "even"},
      "ref": {"$ref": "#/definitions/pos"},
      "either": {"anyOf": [{"type": "string"}, {"type": "object", "required": ["x"]}]},
      "pat": {"type": "string", "pattern": "^a+$"}
    },
    "definitions": {"pos": {"type": "number", "exclusiveMinimum": 0}}
  })");

  CHECK(check(schema, Json::parse(R"({"name":"ok","gpus":1,"kind":"RayJob","n":2,"ref":1})"))
            .empty());
  CHECK(messages(check(schema, Json::parse(R"({"gpus":-1})"))) ==
        std::vector<std::string>{": missing required key 'name'", "/gpus: must be >= 0, got -1"});
  CHECK(messages(check(schema, Json::parse(R"({"name":"x","gpu":1})"))) ==
        std::vector<std::string>{"/gpu: unknown key 'gpu'; did you mean 'gpus'?"});
  CHECK(messages(check(schema, Json::parse(R"({"name":"x","zzz":1})"))) ==
        std::vector<std::string>{"/zzz: unknown key 'zzz' (expected one of: either, gpus, kind, "
                                 "n, name, pat, ref, tags)"});
  CHECK(messages(check(schema, Json::parse(R"({"name":"x","kind":"RayJobs"})"))) ==
        std::vector<std::string>{
            "/kind: must be one of 'RayCluster', 'RayJob', got 'RayJobs'; did you mean 'RayJob'?"});
  CHECK(messages(check(schema, Json::parse(R"({"name":"x","gpus":"8"})"))) ==
        std::vector<std::string>{"/gpus: expected an integer, got string '8'"});
  CHECK(messages(check(schema, Json::parse(R"({"name":"x","gpus":1.5})"))) ==
        std::vector<std::string>{"/gpus: expected an integer, got number '1.5'"});
  CHECK(check(schema, Json::parse(R"({"name":"x","gpus":2.0})")).empty());
  CHECK(messages(check(schema, Json::parse(R"({"name":"toolong"})"))) ==
        std::vector<std::string>{"/name: must be at most 5 characters long, got 7"});
  CHECK(
      messages(check(schema, Json::parse(R"({"name":"x","tags":["a","a","b"]})"))) ==
      std::vector<std::string>{"/tags: must have at most 2 item(s)", "/tags/1: duplicates item 0"});
  CHECK(messages(check(schema, Json::parse(R"({"name":"x","n":3})"))) ==
        std::vector<std::string>{"/n: must be even"});
  CHECK(messages(check(schema, Json::parse(R"({"name":"x","ref":0})"))) ==
        std::vector<std::string>{"/ref: must be > 0, got 0"});
  SECTION("anyOf reports the branch of the matching type") {
    CHECK(messages(check(schema, Json::parse(R"({"name":"x","either":{}})"))) ==
          std::vector<std::string>{"/either: missing required key 'x'"});
    CHECK(messages(check(schema, Json::parse(R"({"name":"x","either":3})"))) ==
          std::vector<std::string>{"/either: expected a string or a mapping, got integer '3'"});
  }
  CHECK(messages(check(schema, Json::parse(R"({"name":"x","pat":"b"})"))) ==
        std::vector<std::string>{"/pat: 'b' does not match the pattern '^a+$'"});
  SECTION("violation kinds") {
    auto v = check(schema, Json::parse(R"({"gpu":1})"));
    REQUIRE(v.size() == 2);
    CHECK(v[0].kind == ViolationKind::required);
    CHECK(v[1].kind == ViolationKind::unknown_key);
  }
}

TEST_CASE("core::SchemaValidator $ref fragments are JSON pointers, URI-encoded", "[schema]") {
  const Json schema = Json::parse(R"({
    "a/b": {"type": "integer"}, "a~b": {"type": "integer"}, "a%b": {"type": "integer"},
    "properties": {
      "slash": {"$ref": "#/a~1b"}, "tilde": {"$ref": "#/a~0b"}, "percent": {"$ref": "#/a%25b"}
    }
  })");
  CHECK(check(schema, Json::parse(R"({"slash":1,"tilde":2,"percent":3})")).empty());
  CHECK(messages(check(schema, Json::parse(R"({"slash":"x","tilde":"y","percent":"z"})"))) ==
        std::vector<std::string>{"/slash: expected an integer, got string 'x'",
                                 "/tilde: expected an integer, got string 'y'",
                                 "/percent: expected an integer, got string 'z'"});
}
