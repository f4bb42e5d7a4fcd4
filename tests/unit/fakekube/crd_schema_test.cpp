// SPDX-License-Identifier: Apache-2.0
// fakekube's custom resources against the KubeRay v1.6.2 CRD schemas, as
// apiextensions-apiserver admits them: each rule class gets an object that
// breaks it, with kube-apiserver's message, and the KubeRay samples all pass.
#include "../../support/fakekube/crd_schema.hpp"
#include "../../support/fakekube/server.hpp"
#include "../../support/fakekube/yaml_json.hpp"

#include "../../support/catch.hpp"
#include "../../support/http_client.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

using fakekube::Admission;
using fakekube::ApiServer;
using fakekube::FieldValidation;
using fakekube::Json;
using fakekube::ResourceType;
using testing::HttpClient;
using testing::HttpResponse;

namespace {

const ResourceType k_rc{"ray.io", "v1", "rayclusters", "RayCluster", true, true};
const ResourceType k_rj{"ray.io", "v1", "rayjobs", "RayJob", true, true};
const ResourceType k_rs{"ray.io", "v1", "rayservices", "RayService", true, true};
const ResourceType k_cron{"ray.io", "v1", "raycronjobs", "RayCronJob", true, true};

Json cluster() {
  return Json::parse(R"({"apiVersion":"ray.io/v1","kind":"RayCluster",
    "metadata":{"name":"rc"},
    "spec":{"headGroupSpec":{"rayStartParams":{},"template":{"spec":{"containers":[
      {"name":"ray-head","image":"rayproject/ray:2.52.0"}]}}},
    "workerGroupSpecs":[{"groupName":"gpu","replicas":2,"minReplicas":0,"maxReplicas":4,
      "rayStartParams":{},
      "template":{"spec":{"containers":[{"name":"ray-worker","image":"rayproject/ray:2.52.0"}]}}}]}})");
}

Json job() {
  return Json::parse(R"({"apiVersion":"ray.io/v1","kind":"RayJob","metadata":{"name":"rj"},
    "spec":{"entrypoint":"python -c 'print(1)'","rayClusterSpec":{"headGroupSpec":{
      "rayStartParams":{},"template":{"spec":{"containers":[
        {"name":"ray-head","image":"rayproject/ray:2.52.0"}]}}}}}})");
}

// The 422 message of a write that must fail.
std::string invalid(const ResourceType& type, Json object, const Json* old = nullptr) {
  Admission admission;
  auto r = fakekube::check_custom_resource(type, object, old, admission);
  REQUIRE(!r);
  CHECK(r.error().code == 422);
  CHECK(r.error().reason == "Invalid");
  return r.error().message;
}

void valid(const ResourceType& type, Json object, const Json* old = nullptr) {
  Admission admission;
  auto r = fakekube::check_custom_resource(type, object, old, admission);
  INFO((r ? std::string() : r.error().message));
  CHECK(r);
}

Json deletion_rule(const std::string& condition) {
  return Json::parse(R"({"policy":"DeleteCluster","condition":)" + condition + "}");
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The documents of a multi-document YAML file.
std::vector<std::string> documents(const std::string& text) {
  std::vector<std::string> out(1);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("---", 0) == 0) {
      out.emplace_back();
    } else {
      out.back() += line + "\n";
    }
  }
  return out;
}

// Whether everything `part` has, `whole` has too (what defaulting adds is
// allowed; nothing may be pruned).
bool contained(const Json& part, const Json& whole, const std::string& path, std::string& why) {
  if (part.is_object()) {
    if (!whole.is_object()) {
      why = path + " is no longer an object";
      return false;
    }
    for (const auto& [k, v] : part.items()) {
      if (!whole.contains(k)) {
        why = path + "." + k + " was dropped";
        return false;
      }
      if (!contained(v, whole[k], path + "." + k, why)) {
        return false;
      }
    }
    return true;
  }
  if (part.is_array()) {
    if (!whole.is_array() || whole.size() != part.size()) {
      why = path + " changed length";
      return false;
    }
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (!contained(part[i], whole[i], path + "[" + std::to_string(i) + "]", why)) {
        return false;
      }
    }
    return true;
  }
  if (part != whole) {
    why = path + " changed from " + part.dump() + " to " + whole.dump();
    return false;
  }
  return true;
}

Json json_of(const HttpResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  INFO(r.body);
  REQUIRE(!j.is_discarded());
  return j;
}

std::vector<std::string> warnings_of(const HttpResponse& r) {
  std::vector<std::string> out;
  auto [b, e] = r.headers.equal_range("warning");
  for (auto it = b; it != e; ++it) {
    out.push_back(it->second);
  }
  return out;
}

const std::string k_clusters = "/apis/ray.io/v1/namespaces/default/rayclusters";

// The KubeRay CRDs have CEL rules: after a blocking error (a wrong type, a
// missing field, an unsupported value) they are not run, and the list says so.
const char* const k_not_checked =
    ", <nil>: Invalid value: \"null\": some validation rules were not checked because the "
    "object was invalid; correct the existing errors to complete validation";

}  // namespace

TEST_CASE("fakekube CRD schema: the embedded CRDs serve the four kinds, every rule implemented",
          "[fakekube]") {
  CHECK(fakekube::embedded_crds().size() == 4);
  CHECK(fakekube::has_crd_schema(k_rc));
  CHECK(fakekube::has_crd_schema(k_rj));
  CHECK(fakekube::has_crd_schema(k_rs));
  CHECK(fakekube::has_crd_schema(k_cron));
  CHECK(!fakekube::has_crd_schema({"", "v1", "pods", "Pod", true, true}));
  CHECK(!fakekube::has_crd_schema({"ray.io", "v2", "rayclusters", "RayCluster", true, true}));
  // A keyword, format or CEL rule the validation does not know fails here
  // (a new CRD version gaining one must get an implementation).
  const auto missing = fakekube::unimplemented_schema_features();
  for (const auto& m : missing) {
    UNSCOPED_INFO(m);
  }
  CHECK(missing.empty());
}

TEST_CASE("fakekube CRD schema: types, with the apiserver's messages", "[fakekube]") {
  SECTION("a number where a string is expected") {
    Json c = cluster();
    c["spec"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 1;
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: [spec.headGroupSpec.rayStartParams.num-cpus: "
          "Invalid value: \"integer\": spec.headGroupSpec.rayStartParams.num-cpus in body must be "
          "of type string: \"integer\"" +
              std::string(k_not_checked) + "]");
  }
  SECTION("two errors are listed in brackets; the causes name each field") {
    Json c = cluster();
    c["spec"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 1;
    c["spec"]["workerGroupSpecs"][0]["replicas"] = "two";
    Json obj = c;
    Admission admission;
    auto r = fakekube::check_custom_resource(k_rc, obj, nullptr, admission);
    REQUIRE(!r);
    CHECK(r.error().message ==
          "RayCluster.ray.io \"rc\" is invalid: [spec.headGroupSpec.rayStartParams.num-cpus: "
          "Invalid value: \"integer\": spec.headGroupSpec.rayStartParams.num-cpus in body must be "
          "of type string: \"integer\", spec.workerGroupSpecs[0].replicas: Invalid value: "
          "\"string\": spec.workerGroupSpecs[0].replicas in body must be of type integer: "
          "\"string\"" +
              std::string(k_not_checked) + "]");
    const Json& d = r.error().details;
    CHECK(d["name"] == "rc");
    CHECK(d["group"] == "ray.io");
    CHECK(d["kind"] == "RayCluster");
    REQUIRE(d["causes"].size() == 3);
    CHECK(d["causes"][0]["reason"] == "FieldValueTypeInvalid");
    CHECK(d["causes"][0]["field"] == "spec.headGroupSpec.rayStartParams.num-cpus");
    CHECK(d["causes"][0]["message"] ==
          "Invalid value: \"integer\": spec.headGroupSpec.rayStartParams.num-cpus in body must be "
          "of type string: \"integer\"");
    CHECK(d["causes"][1]["field"] == "spec.workerGroupSpecs[0].replicas");
  }
  SECTION("an integral number is an integer; a fraction is not, nor an int32 overflow") {
    Json c = cluster();
    c["spec"]["workerGroupSpecs"][0]["replicas"] = 2.0;
    valid(k_rc, c);
    c["spec"]["workerGroupSpecs"][0]["replicas"] = 2.5;
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: [spec.workerGroupSpecs[0].replicas: Invalid value: "
          "\"float64\": spec.workerGroupSpecs[0].replicas in body must be of type int32: "
          "\"float64\", <nil>: Invalid value: \"\": Checked value must be of type integer with "
          "format int32 in spec.workerGroupSpecs[0].replicas" +
              std::string(k_not_checked) + "]");
    c["spec"]["workerGroupSpecs"][0]["replicas"] = 3000000000LL;
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: <nil>: Invalid value: \"\": Checked value must be "
          "of type integer with format int32 in spec.workerGroupSpecs[0].replicas");
  }
  SECTION("an object where a string is expected") {
    Json c = cluster();
    c["spec"]["rayVersion"] = Json::object();
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: [spec.rayVersion: Invalid value: \"object\": "
          "spec.rayVersion in body must be of type string: \"object\"" +
              std::string(k_not_checked) + "]");
  }
  SECTION("a date-time that is not one") {
    Json j = job();
    j["spec"]["schedule"] = "*/5 * * * *";  // a string field: fine
    valid(k_rj, j);
  }
}

TEST_CASE("fakekube CRD schema: required, enum, pattern, int-or-string, minimum, minItems",
          "[fakekube]") {
  SECTION("a missing required field") {
    Json c = cluster();
    c["spec"].erase("headGroupSpec");
    const std::string m = invalid(k_rc, c);
    CHECK(m == "RayCluster.ray.io \"rc\" is invalid: [spec.headGroupSpec: Required value" +
                   std::string(k_not_checked) + "]");
    c = cluster();
    c["spec"]["workerGroupSpecs"][0].erase("groupName");
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: [spec.workerGroupSpecs[0].groupName: Required "
          "value" +
              std::string(k_not_checked) + "]");
  }
  SECTION("a required field with a default may be left out: defaulting fills it in") {
    Json c = cluster();
    c["spec"]["workerGroupSpecs"][0].erase("minReplicas");
    c["spec"]["workerGroupSpecs"][0].erase("maxReplicas");
    Admission admission;
    REQUIRE(fakekube::check_custom_resource(k_rc, c, nullptr, admission));
    CHECK(c["spec"]["workerGroupSpecs"][0]["minReplicas"] == 0);
    CHECK(c["spec"]["workerGroupSpecs"][0]["maxReplicas"] == 2147483647);
  }
  SECTION("a value outside an enum") {
    Json c = cluster();
    c["spec"]["upgradeStrategy"] = {{"type", "Rolling"}};
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: [spec.upgradeStrategy.type: Unsupported value: "
          "\"Rolling\": supported values: \"Recreate\", \"None\"" +
              std::string(k_not_checked) + "]");
  }
  SECTION("a string against a pattern (a quantity)") {
    Json c = cluster();
    c["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"] = {
        {"limits", {{"cpu", "lots"}}}};
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: "
          "spec.headGroupSpec.template.spec.containers[0].resources.limits.cpu: Invalid value: "
          "\"lots\": spec.headGroupSpec.template.spec.containers[0].resources.limits.cpu in body "
          "should match '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE]"
          "(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'");
    c["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] =
        "500m";
    valid(k_rc, c);
    c["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] =
        2;
    valid(k_rc, c);
  }
  SECTION("int-or-string: neither an integer nor a string, with its anyOf") {
    Json c = cluster();
    c["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"] = {
        {"limits", {{"cpu", true}}}};
    const std::string f = "spec.headGroupSpec.template.spec.containers[0].resources.limits.cpu";
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: [" + f + ": Invalid value: \"boolean\": " + f +
              " in body must be of type integer,string: \"boolean\", <nil>: "
              "Invalid value: \"\": \"" +
              f + "\" must validate at least one schema (anyOf), " + f +
              ": Invalid value: \"boolean\": " + f +
              " in body must be of type integer: \"boolean\"" + k_not_checked + "]");
  }
  SECTION("a number under its minimum, a list under minItems") {
    Json j = job();
    j["spec"]["preRunningDeadlineSeconds"] = 0;
    CHECK(invalid(k_rj, j) ==
          "RayJob.ray.io \"rj\" is invalid: spec.preRunningDeadlineSeconds: Invalid value: 0: "
          "spec.preRunningDeadlineSeconds in body should be greater than or equal to 1");
    j = job();
    j["spec"]["deletionStrategy"] = {{"deletionRules", Json::array()}};
    CHECK(invalid(k_rj, j) ==
          "RayJob.ray.io \"rj\" is invalid: spec.deletionStrategy.deletionRules: Invalid value: "
          "0: spec.deletionStrategy.deletionRules in body should have at least 1 items");
  }
  SECTION("a list-type map with a repeated key") {
    Json c = cluster();
    auto& containers = c["spec"]["headGroupSpec"]["template"]["spec"]["containers"];
    containers.push_back(containers[0]);
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: "
          "spec.headGroupSpec.template.spec.containers[1]: Duplicate value: "
          "map[string]interface {}{\"name\":\"ray-head\"}");
    Admission admission;
    Json obj = c;
    auto r = fakekube::check_custom_resource(k_rc, obj, nullptr, admission);
    REQUIRE(!r);
    CHECK(r.error().details["causes"][0]["reason"] == "FieldValueDuplicate");
  }
  SECTION("a list-type map with two keys: ports by containerPort and protocol") {
    Json c = cluster();
    c["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"] =
        Json::parse(R"([{"containerPort":6379},{"containerPort":6379,"protocol":"UDP"}])");
    valid(k_rc, c);  // the first defaults to TCP
    c["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"][1]["protocol"] = "TCP";
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: "
          "spec.headGroupSpec.template.spec.containers[0].ports[1]: Duplicate value: "
          "map[string]interface {}{\"containerPort\":6379, \"protocol\":\"TCP\"}");
  }
}

TEST_CASE("fakekube CRD schema: the CRDs' CEL rules, by hand", "[fakekube]") {
  SECTION("managedBy: one of two values") {
    Json c = cluster();
    c["spec"]["managedBy"] = "someone";
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: spec.managedBy: Invalid value: \"someone\": the "
          "managedBy field value must be either 'ray.io/kuberay-operator' or "
          "'kueue.x-k8s.io/multikueue'");
    c["spec"]["managedBy"] = "kueue.x-k8s.io/multikueue";
    valid(k_rc, c);
  }
  SECTION("managedBy is immutable (a transition rule: only on an update)") {
    Json old = cluster();
    old["spec"]["managedBy"] = "ray.io/kuberay-operator";
    valid(k_rc, old);  // a create has no oldSelf
    Json c = old;
    c["spec"]["managedBy"] = "kueue.x-k8s.io/multikueue";
    CHECK(invalid(k_rc, c, &old) ==
          "RayCluster.ray.io \"rc\" is invalid: spec.managedBy: Invalid value: "
          "\"kueue.x-k8s.io/multikueue\": the managedBy field is immutable");
    valid(k_rc, old, &old);
    Json j = job();
    j["spec"]["rayClusterSpec"]["managedBy"] = "x";
    CHECK(invalid(k_rj, j) ==
          "RayJob.ray.io \"rj\" is invalid: spec.rayClusterSpec.managedBy: Invalid value: \"x\": "
          "the managedBy field value must be either 'ray.io/kuberay-operator' or "
          "'kueue.x-k8s.io/multikueue'");
  }
  SECTION("deletionStrategy: legacy policies and rules together, or neither") {
    Json j = job();
    j["spec"]["deletionStrategy"] = {
        {"onSuccess", {{"policy", "DeleteCluster"}}},
        {"onFailure", {{"policy", "DeleteNone"}}},
        {"deletionRules", Json::array({deletion_rule(R"({"jobStatus":"FAILED"})")})}};
    CHECK(invalid(k_rj, j) ==
          "RayJob.ray.io \"rj\" is invalid: spec.deletionStrategy: Invalid value: legacy "
          "policies (onSuccess/onFailure) and deletionRules cannot be used together within the "
          "same deletionStrategy");
    j["spec"]["deletionStrategy"] = {{"onSuccess", {{"policy", "DeleteCluster"}}}};
    CHECK(invalid(k_rj, j) ==
          "RayJob.ray.io \"rj\" is invalid: spec.deletionStrategy: Invalid value: "
          "deletionStrategy requires either BOTH onSuccess and onFailure, OR the deletionRules "
          "field (cannot be empty)");
    j["spec"]["deletionStrategy"] = {{"onSuccess", {{"policy", "DeleteCluster"}}},
                                     {"onFailure", {{"policy", "DeleteNone"}}}};
    valid(k_rj, j);
  }
  SECTION("a deletion rule's condition: jobStatus or jobDeploymentStatus, not both") {
    Json j = job();
    j["spec"]["deletionStrategy"] = {
        {"deletionRules",
         Json::array({deletion_rule(R"({"jobStatus":"FAILED","jobDeploymentStatus":"Failed"})"),
                      deletion_rule(R"({"ttlSeconds":10})")})}};
    CHECK(invalid(k_rj, j) ==
          "RayJob.ray.io \"rj\" is invalid: [spec.deletionStrategy.deletionRules[0].condition: "
          "Invalid value: JobStatus and JobDeploymentStatus cannot be used together within the "
          "same deletion condition., spec.deletionStrategy.deletionRules[1].condition: Invalid "
          "value: the deletion condition requires either the JobStatus or the JobDeploymentStatus "
          "field.]");
    j["spec"]["deletionStrategy"]["deletionRules"] =
        Json::array({deletion_rule(R"({"jobStatus":"SUCCEEDED","ttlSeconds":10})")});
    valid(k_rj, j);
  }
  SECTION("the same rules in a RayCronJob's job template") {
    Json cron = Json::parse(R"({"apiVersion":"ray.io/v1","kind":"RayCronJob",
      "metadata":{"name":"cj"},"spec":{"schedule":"*/5 * * * *","jobTemplate":{}}})");
    cron["spec"]["jobTemplate"] = job()["spec"];
    valid(k_cron, cron);
    cron["spec"]["jobTemplate"]["deletionStrategy"] = {{"onFailure", {{"policy", "DeleteNone"}}}};
    CHECK(invalid(k_cron, cron) ==
          "RayCronJob.ray.io \"cj\" is invalid: spec.jobTemplate.deletionStrategy: Invalid value: "
          "deletionStrategy requires either BOTH onSuccess and onFailure, OR the deletionRules "
          "field (cannot be empty)");
  }
  SECTION("rules are not run on an object with blocking errors") {
    Json c = cluster();
    c["spec"]["managedBy"] = "someone";
    c["spec"]["workerGroupSpecs"][0]["replicas"] = "two";
    CHECK(invalid(k_rc, c) ==
          "RayCluster.ray.io \"rc\" is invalid: [spec.workerGroupSpecs[0].replicas: Invalid "
          "value: \"string\": spec.workerGroupSpecs[0].replicas in body must be of type integer: "
          "\"string\"" +
              std::string(k_not_checked) + "]");
  }
}

TEST_CASE("fakekube CRD schema: ratcheting keeps an unchanged invalid value on an update",
          "[fakekube]") {
  Json old = cluster();
  old["spec"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 1;  // stored before the CRD
  Json c = old;
  c["spec"]["workerGroupSpecs"][0]["replicas"] = 3;
  valid(k_rc, c, &old);
  c["spec"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 2;  // changed: checked again
  CHECK(invalid(k_rc, c, &old).find("num-cpus in body must be of type string") !=
        std::string::npos);
}

TEST_CASE("fakekube CRD schema: unknown fields are pruned, as fieldValidation asks", "[fakekube]") {
  Json c = cluster();
  c["spec"]["headGroupSpec"]["replicas"] = 1;
  c["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["imagee"] = "x";
  c["metadata"]["colour"] = "blue";
  c["extra"] = true;
  SECTION("Warn (the default): dropped, one warning each, metadata first then sorted") {
    Admission admission;
    REQUIRE(fakekube::check_custom_resource(k_rc, c, nullptr, admission));
    CHECK(admission.warnings ==
          std::vector<std::string>{
              "unknown field \"metadata.colour\"", "unknown field \"extra\"",
              "unknown field \"spec.headGroupSpec.replicas\"",
              "unknown field \"spec.workerGroupSpecs[0].template.spec.containers[0].imagee\""});
    CHECK(!c.contains("extra"));
    CHECK(!c["metadata"].contains("colour"));
    CHECK(!c["spec"]["headGroupSpec"].contains("replicas"));
    CHECK(c["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0] ==
          Json({{"name", "ray-worker"}, {"image", "rayproject/ray:2.52.0"}}));
  }
  SECTION("Strict: 400 naming them all") {
    Admission admission;
    admission.field_validation = FieldValidation::strict;
    auto r = fakekube::check_custom_resource(k_rc, c, nullptr, admission);
    REQUIRE(!r);
    CHECK(r.error().code == 400);
    CHECK(r.error().reason == "BadRequest");
    CHECK(r.error().message ==
          "strict decoding error: unknown field \"metadata.colour\", unknown field \"extra\", "
          "unknown field \"spec.headGroupSpec.replicas\", unknown field "
          "\"spec.workerGroupSpecs[0].template.spec.containers[0].imagee\"");
  }
  SECTION("Ignore: dropped silently") {
    Admission admission;
    admission.field_validation = FieldValidation::ignore;
    REQUIRE(fakekube::check_custom_resource(k_rc, c, nullptr, admission));
    CHECK(admission.warnings.empty());
    CHECK(!c.contains("extra"));
  }
  SECTION("a template's metadata keeps only what the CRD declares of it") {
    Json t = cluster();
    auto& meta = t["spec"]["headGroupSpec"]["template"]["metadata"];
    meta = {{"labels", {{"a", "b"}}}, {"annotations", {{"c", "d"}}}, {"generateName", "x-"}};
    Admission admission;
    REQUIRE(fakekube::check_custom_resource(k_rc, t, nullptr, admission));
    CHECK(admission.warnings ==
          std::vector<std::string>{
              "unknown field \"spec.headGroupSpec.template.metadata.generateName\""});
    CHECK(t["spec"]["headGroupSpec"]["template"]["metadata"] ==
          Json({{"labels", {{"a", "b"}}}, {"annotations", {{"c", "d"}}}}));
  }
}

TEST_CASE("fakekube CRD schema: status writes are checked from \"status\"", "[fakekube]") {
  Json old = cluster();
  old["metadata"]["resourceVersion"] = "5";
  SECTION("a wrong type in status") {
    Json body = old;
    body["status"] = {{"availableWorkerReplicas", "three"}};
    Admission admission;
    auto r = fakekube::check_custom_resource_status(k_rc, body, old, admission);
    REQUIRE(!r);
    CHECK(r.error().message ==
          "RayCluster.ray.io \"rc\" is invalid: [status.availableWorkerReplicas: Invalid value: "
          "\"string\": availableWorkerReplicas in body must be of type integer: \"string\"" +
              std::string(k_not_checked) + "]");
  }
  SECTION("a condition missing its fields, an unknown status field warned of") {
    Json body = old;
    body["status"] = {{"conditions", Json::array({{{"type", "Ready"}, {"status", "Maybe"}}})},
                      {"mood", "fine"}};
    Admission admission;
    auto r = fakekube::check_custom_resource_status(k_rc, body, old, admission);
    REQUIRE(!r);
    CHECK(admission.warnings == std::vector<std::string>{"unknown field \"status.mood\""});
    const Json& causes = r.error().details["causes"];
    std::vector<std::string> fields;
    for (const Json& c : causes) {
      fields.push_back(c["field"].get<std::string>() + " " + c["reason"].get<std::string>());
    }
    CHECK(fields ==
          std::vector<std::string>{"status.conditions[0].status FieldValueNotSupported",
                                   "status.conditions[0].lastTransitionTime FieldValueRequired",
                                   "status.conditions[0].message FieldValueRequired",
                                   "status.conditions[0].reason FieldValueRequired",
                                   "<nil> FieldValueInvalid"});
  }
  SECTION("a right status passes") {
    Json body = old;
    body["status"] = Json::parse(R"({"state":"ready","readyWorkerReplicas":2,
      "lastUpdateTime":"2026-12-07T10:00:00Z",
      "conditions":[{"type":"Ready","status":"True","reason":"Ready","message":"",
                     "lastTransitionTime":"2026-12-07T10:00:00Z"}]})");
    Admission admission;
    auto r = fakekube::check_custom_resource_status(k_rc, body, old, admission);
    INFO((r ? std::string() : r.error().message));
    CHECK(r);
    body["status"]["lastUpdateTime"] = "yesterday";
    auto bad = fakekube::check_custom_resource_status(k_rc, body, old, admission);
    REQUIRE(!bad);
    CHECK(bad.error().message ==
          "RayCluster.ray.io \"rc\" is invalid: [status.lastUpdateTime: Invalid value: "
          "\"yesterday\": lastUpdateTime in body must be of type date-time: \"yesterday\"" +
              std::string(k_not_checked) + "]");
  }
}

TEST_CASE("fakekube CRD schema: over HTTP, 422, 400 and Warning headers", "[fakekube][http]") {
  ApiServer server{fakekube::ServerOptions{}};
  server.start();
  HttpClient admin(server, "admin");
  Json c = cluster();
  c["spec"]["headGroupSpec"]["rayStartParam"] = Json::object();  // misspelled
  SECTION("Warn: 201, the field dropped, a Warning header naming it") {
    auto r = admin.request("POST", k_clusters, c.dump());
    INFO(r.body);
    CHECK(r.status == 201);
    CHECK(warnings_of(r) ==
          std::vector<std::string>{
              "299 - \"unknown field \\\"spec.headGroupSpec.rayStartParam\\\"\""});
    CHECK(!json_of(r)["spec"]["headGroupSpec"].contains("rayStartParam"));
  }
  SECTION("Strict: 400") {
    auto r = admin.request("POST", k_clusters + "?fieldValidation=Strict", c.dump());
    CHECK(r.status == 400);
    Json s = json_of(r);
    CHECK(s["reason"] == "BadRequest");
    CHECK(s["message"] ==
          "RayCluster in version \"v1\" cannot be handled as a RayCluster: strict decoding error: "
          "unknown field \"spec.headGroupSpec.rayStartParam\"");
    CHECK(admin.get(k_clusters + "/rc").status == 404);
    // A patch's is bare (handlers/patch.go).
    REQUIRE(admin.request("POST", k_clusters, cluster().dump()).status == 201);
    auto p = admin.request("PATCH", k_clusters + "/rc?fieldValidation=Strict",
                           R"({"spec":{"rayVersion":"2.52.0","colour":"red"}})",
                           "application/merge-patch+json");
    CHECK(p.status == 400);
    CHECK(json_of(p)["message"] == "strict decoding error: unknown field \"spec.colour\"");
  }
  SECTION("Ignore: no header") {
    auto r = admin.request("POST", k_clusters + "?fieldValidation=Ignore", c.dump());
    CHECK(r.status == 201);
    CHECK(warnings_of(r).empty());
  }
  SECTION("an unknown fieldValidation is refused") {
    auto r = admin.request("POST", k_clusters + "?fieldValidation=Loud", c.dump());
    CHECK(r.status == 422);
    CHECK(json_of(r)["message"] ==
          "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: "
          "\"Loud\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
  }
  SECTION("an invalid object: 422 Invalid, on create, update, patch and apply") {
    Json bad = cluster();
    bad["spec"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 1;
    auto r = admin.request("POST", k_clusters, bad.dump());
    CHECK(r.status == 422);
    Json s = json_of(r);
    CHECK(s["reason"] == "Invalid");
    CHECK(s["details"]["causes"][0]["field"] == "spec.headGroupSpec.rayStartParams.num-cpus");
    REQUIRE(admin.request("POST", k_clusters, cluster().dump()).status == 201);
    CHECK(admin.request("PUT", k_clusters + "/rc", bad.dump()).status == 422);
    CHECK(admin
              .request("PATCH", k_clusters + "/rc",
                       R"({"spec":{"workerGroupSpecs":[{"groupName":"g","replicas":"x",
                           "minReplicas":0,"maxReplicas":1,"template":{}}]}})",
                       "application/merge-patch+json")
              .status == 422);
    CHECK(admin
              .request("PATCH", k_clusters + "/rc?fieldManager=me",
                       "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: rc\nspec:\n"
                       "  managedBy: nobody\n",
                       "application/apply-patch+yaml")
              .status == 422);
    auto status = admin.request("PUT", k_clusters + "/rc/status",
                                R"({"apiVersion":"ray.io/v1","kind":"RayCluster",
                                    "metadata":{"name":"rc"},"status":{"state":5}})");
    CHECK(status.status == 422);
    CHECK(json_of(status)["details"]["causes"][0]["field"] == "status.state");
  }
}

TEST_CASE("fakekube CRD schema: every KubeRay v1.6.2 sample is accepted, nothing pruned",
          "[fakekube][http]") {
  ApiServer server{fakekube::ServerOptions{}};
  server.start();
  HttpClient admin(server, "admin");
  const std::filesystem::path dir =
      std::filesystem::path(KRAYCTL_SOURCE_DIR) / "tests/data/kuberay-v1.6.2/samples";
  int files = 0;
  int objects = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    for (const std::string& doc : documents(read_file(entry.path()))) {
      auto parsed = fakekube::parse_yaml(doc);
      REQUIRE(parsed);
      if (!parsed->is_object() || parsed->value("apiVersion", "") != "ray.io/v1") {
        continue;
      }
      Json object = *parsed;
      object["metadata"].erase("namespace");
      // Samples share names: each gets its own.
      object["metadata"]["name"] = "sample-" + std::to_string(objects + 1);
      const std::string kind = object.value("kind", "");
      const std::string plural = kind == "RayCluster"   ? "rayclusters"
                                 : kind == "RayJob"     ? "rayjobs"
                                 : kind == "RayService" ? "rayservices"
                                                        : "raycronjobs";
      auto r = admin.request("POST", "/apis/ray.io/v1/namespaces/default/" + plural, object.dump());
      INFO(entry.path().filename().string() << ": " << r.body);
      CHECK(r.status == 201);
      CHECK(warnings_of(r).empty());
      if (r.status == 201) {
        ++objects;
        Json stored = json_of(r);
        Json expected = object;
        expected.erase("status");
        std::string why;
        CHECK(contained(expected, stored, "", why));
        CHECK(why.empty());
      }
    }
  }
  CHECK(files == 58);
  CHECK(objects == 55);
}
