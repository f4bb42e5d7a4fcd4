// SPDX-License-Identifier: Apache-2.0
// fakekube's admission of the core kinds (validation.hpp): a wrong object
// gets kube-apiserver's 422 or 400 with its words (kubernetes
// pkg/apis/core/validation/validation.go, apimachinery's field errors), a
// right one is stored with the API server's defaults; Pods change only
// where Kubernetes lets them; fieldValidation Strict, Warn and Ignore.
#include "../../support/fakekube/validation.hpp"
#include "../../support/fakekube/server.hpp"

#include "../../support/catch.hpp"
#include "../../support/http_client.hpp"

#include <functional>
#include <string>
#include <vector>

using fakekube::ApiServer;
using fakekube::Json;
using testing::HttpClient;
using testing::HttpResponse;

namespace {

const std::string k_pods = "/api/v1/namespaces/default/pods";

Json pod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}}},
          {"spec", {{"containers", Json::array({{{"name", "main"}, {"image", "busybox:1.36"}}})}}}};
}

Json service(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"selector", {{"app", "x"}}},
            {"ports", Json::array({{{"name", "http"}, {"port", 8265}}})}}}};
}

Json job(const std::string& name) {
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"template",
             {{"spec",
               {{"restartPolicy", "Never"},
                {"containers", Json::array({{{"name", "main"}, {"image", "busybox"}}})}}}}}}}};
}

// The error of a write that must fail, with its code.
fakekube::ApiError refused(const fakekube::Result<Json>& r, int code) {
  INFO((r ? r->dump() : r.error().message));
  REQUIRE(!r);
  CHECK(r.error().code == code);
  return r.error();
}

std::vector<std::string> warnings_of(const HttpResponse& r) {
  std::vector<std::string> out;
  auto range = r.headers.equal_range("warning");
  for (auto it = range.first; it != range.second; ++it) {
    out.push_back(it->second);
  }
  return out;
}

}  // namespace

TEST_CASE("fakekube validation: fifteen invalid Pods get kube-apiserver's errors",
          "[fakekube][validation]") {
  ApiServer server;
  struct Case {
    const char* what;
    std::function<void(Json&)> spoil;
    int code;
    std::string message;
  };
  const std::string regex =
      "quantities must match the regular expression "
      "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const std::vector<Case> cases = {
      {"no containers", [](Json& p) { p["spec"]["containers"] = Json::array(); }, 422,
       "Pod \"p\" is invalid: spec.containers: Required value"},
      {"cpu: lots",
       [](Json& p) { p["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots"; }, 400,
       "Pod in version \"v1\" cannot be handled as a Pod: " + regex},
      {"limits below requests",
       [](Json& p) {
         p["spec"]["containers"][0]["resources"] = {{"requests", {{"cpu", "2"}}},
                                                    {"limits", {{"cpu", "1000m"}}}};
       },
       422,
       "Pod \"p\" is invalid: spec.containers[0].resources.requests: Invalid value: \"2\": must "
       "be less than or equal to cpu limit of 1"},
      {"no image", [](Json& p) { p["spec"]["containers"][0].erase("image"); }, 422,
       "Pod \"p\" is invalid: spec.containers[0].image: Required value"},
      {"restartPolicy: Sometimes", [](Json& p) { p["spec"]["restartPolicy"] = "Sometimes"; }, 422,
       "Pod \"p\" is invalid: spec.restartPolicy: Unsupported value: \"Sometimes\": supported "
       "values: \"Always\", \"OnFailure\", \"Never\""},
      {"a label value with a space",
       [](Json& p) {
         p["metadata"]["labels"] = {{"team", "has space!"}};
       },
       422,
       "Pod \"p\" is invalid: metadata.labels: Invalid value: \"has space!\": a valid label must "
       "be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
       "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
       "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
      {"a container name that is no DNS label",
       [](Json& p) { p["spec"]["containers"][0]["name"] = "Main_1"; }, 422,
       "Pod \"p\" is invalid: spec.containers[0].name: Invalid value: \"Main_1\": a lowercase "
       "RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
       "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
       "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
      {"two containers of one name",
       [](Json& p) { p["spec"]["containers"].push_back(p["spec"]["containers"][0]); }, 422,
       "Pod \"p\" is invalid: spec.containers[1].name: Duplicate value: \"main\""},
      {"a port out of range",
       [](Json& p) {
         p["spec"]["containers"][0]["ports"] = {{{"containerPort", 70000}}};
       },
       422,
       "Pod \"p\" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
       "must be between 1 and 65535, inclusive"},
      {"a port name too long for IANA_SVC_NAME",
       [](Json& p) {
         p["spec"]["containers"][0]["ports"] = {
             {{"name", "dashboard-metrics"}, {"containerPort", 8080}}};
       },
       422,
       "Pod \"p\" is invalid: spec.containers[0].ports[0].name: Invalid value: "
       "\"dashboard-metrics\": must be no more than 15 characters"},
      {"imagePullPolicy: Sometimes",
       [](Json& p) { p["spec"]["containers"][0]["imagePullPolicy"] = "Sometimes"; }, 422,
       "Pod \"p\" is invalid: spec.containers[0].imagePullPolicy: Unsupported value: "
       "\"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""},
      {"a mount of no volume",
       [](Json& p) {
         p["spec"]["containers"][0]["volumeMounts"] = {
             {{"name", "shm"}, {"mountPath", "/dev/shm"}}};
       },
       422, "Pod \"p\" is invalid: spec.containers[0].volumeMounts[0].name: Not found: \"shm\""},
      {"a memory suffix that is none",
       [](Json& p) { p["spec"]["containers"][0]["resources"]["limits"]["memory"] = "32MMi"; }, 400,
       "Pod in version \"v1\" cannot be handled as a Pod: unable to parse quantity's suffix"},
      {"a GPU request without a limit",
       [](Json& p) { p["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"] = 1; },
       422,
       "Pod \"p\" is invalid: spec.containers[0].resources.limits: Required value: Limit must be "
       "set for non overcommitable resources"},
      {"containers as a string", [](Json& p) { p["spec"]["containers"] = "main"; }, 400,
       "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal string into Go "
       "struct field PodSpec.spec.containers of type []v1.Container"},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      Json p = pod("p");
      c.spoil(p);
      const auto e = refused(server.create("v1", "pods", "default", p), c.code);
      CHECK(e.message == c.message);
      CHECK(e.reason == (c.code == 422 ? "Invalid" : "BadRequest"));
      CHECK(!server.get("v1", "pods", "default", "p"));
    }
  }
  SECTION("validation comes before storage: 422, not 409, for an invalid Pod of a taken name") {
    REQUIRE(server.create("v1", "pods", "default", pod("p")));
    Json p = pod("p");
    p["spec"]["containers"] = Json::array();
    CHECK(refused(server.create("v1", "pods", "default", p), 422).reason == "Invalid");
    CHECK(refused(server.create("v1", "pods", "default", pod("p")), 409).reason == "AlreadyExists");
  }
  SECTION("errors together: bracketed, one cause each") {
    Json p = pod("p");
    p["spec"]["containers"][0].erase("image");
    p["spec"]["restartPolicy"] = "Sometimes";
    const auto e = refused(server.create("v1", "pods", "default", p), 422);
    CHECK(e.message ==
          "Pod \"p\" is invalid: [spec.containers[0].image: Required value, spec.restartPolicy: "
          "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", "
          "\"Never\"]");
    REQUIRE(e.details["causes"].size() == 2);
    CHECK(e.details["causes"][0] == Json{{"reason", "FieldValueRequired"},
                                         {"message", "Required value"},
                                         {"field", "spec.containers[0].image"}});
    CHECK(e.details["causes"][1]["reason"] == "FieldValueNotSupported");
    CHECK(e.details["kind"] == "Pod");
    CHECK(e.details["name"] == "p");
  }
}

TEST_CASE("fakekube validation: a right Pod is stored with the API server's defaults",
          "[fakekube][validation]") {
  ApiServer server;
  Json p = pod("p");
  p["spec"]["containers"][0]["image"] = "rayproject/ray";  // no tag: latest
  p["spec"]["containers"][0]["ports"] = {{{"name", "dashboard"}, {"containerPort", 8265}}};
  p["spec"]["containers"][0]["resources"] = {
      {"limits", {{"cpu", "2000m"}, {"memory", "1024Mi"}, {"nvidia.com/gpu", 1}}},
      {"requests", {{"cpu", 0.5}}}};
  p["spec"]["containers"][0]["readinessProbe"] = {{"httpGet", {{"port", 8265}}}};
  p["spec"]["initContainers"] = {{{"name", "init"}, {"image", "busybox:1.36"}}};
  auto r = server.create("v1", "pods", "default", p);
  REQUIRE(r);
  const Json& spec = (*r)["spec"];
  CHECK(spec["restartPolicy"] == "Always");
  CHECK(spec["terminationGracePeriodSeconds"] == 30);
  CHECK(spec["dnsPolicy"] == "ClusterFirst");
  CHECK(spec["schedulerName"] == "default-scheduler");
  CHECK(spec["securityContext"] == Json::object());
  CHECK(spec["serviceAccountName"] == "default");
  CHECK(spec["enableServiceLinks"] == true);
  const Json& c = spec["containers"][0];
  CHECK(c["terminationMessagePath"] == "/dev/termination-log");
  CHECK(c["terminationMessagePolicy"] == "File");
  CHECK(c["imagePullPolicy"] == "Always");
  CHECK(spec["initContainers"][0]["imagePullPolicy"] == "IfNotPresent");
  CHECK(c["ports"][0]["protocol"] == "TCP");
  // Quantities in canonical form; requests defaulted from limits.
  CHECK(c["resources"]["limits"] == Json{{"cpu", "2"}, {"memory", "1Gi"}, {"nvidia.com/gpu", "1"}});
  CHECK(c["resources"]["requests"] ==
        Json{{"cpu", "500m"}, {"memory", "1Gi"}, {"nvidia.com/gpu", "1"}});
  CHECK(c["readinessProbe"]["httpGet"]["path"] == "/");
  CHECK(c["readinessProbe"]["periodSeconds"] == 10);
}

TEST_CASE("fakekube validation: canonical quantities", "[fakekube][validation]") {
  const std::vector<std::pair<Json, std::string>> cases = {
      {"1000m", "1"},  {"1024Mi", "1Gi"},   {"1536Mi", "1536Mi"}, {0.5, "500m"},
      {2, "2"},        {"1.5Gi", "1536Mi"}, {"100", "100"},       {"1e3", "1e3"},
      {"2000", "2k"},  {"0", "0"},          {"512Ki", "512Ki"},   {"1000Ki", "1000Ki"},
      {"0.1", "100m"}, {"1G", "1G"},        {"12e6", "12e6"},     {"1n", "1n"}};
  for (const auto& [in, out] : cases) {
    INFO(in.dump());
    auto c = fakekube::canonical_quantity(in);
    REQUIRE(c);
    CHECK(*c == out);
  }
  CHECK(!fakekube::canonical_quantity("lots"));
  CHECK(!fakekube::canonical_quantity(""));
  CHECK(fakekube::canonical_quantity("1.2.3").error().message ==
        "unable to parse numeric part of quantity");
}

TEST_CASE("fakekube validation: duplicate fields are found by path", "[fakekube][validation]") {
  CHECK(fakekube::duplicate_fields(
            R"({"a":[{"x":1},[0,{"y":1,"y":2}],{"x":1,"x":2}],"b":1,"b":2})") ==
        std::vector<std::string>{"a[1][1].y", "a[2].x", "b"});
  CHECK(fakekube::duplicate_fields(R"({"a":{"b":1},"c":{"b":1}})").empty());
  CHECK(fakekube::duplicate_fields("{not json").empty());
}

TEST_CASE("fakekube validation: Pod updates change only what Kubernetes lets them",
          "[fakekube][validation][http]") {
  ApiServer server;
  server.start();
  HttpClient client(server, "admin");
  REQUIRE(client.request("POST", k_pods, pod("p").dump()).status == 201);
  auto merge = [&](const Json& patch) {
    return client.request("PATCH", k_pods + "/p", patch.dump(), "application/merge-patch+json");
  };
  const std::string forbidden =
      "Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields other than "
      "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
      "`spec.tolerations` (only additions to existing tolerations),"
      "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
      "negative)\n";
  SECTION("command, resources and nodeName are refused") {
    for (const Json& patch :
         {Json{{"spec",
                {{"containers", Json::array({{{"name", "main"},
                                              {"image", "busybox:1.36"},
                                              {"command", {"sleep", "1"}}}})}}}},
          Json{{"spec",
                {{"containers", Json::array({{{"name", "main"},
                                              {"image", "busybox:1.36"},
                                              {"resources", {{"limits", {{"cpu", "1"}}}}}}})}}}},
          Json{{"spec", {{"nodeName", "node-1"}}}}}) {
      INFO(patch.dump());
      const HttpResponse r = merge(patch);
      INFO(r.body);
      CHECK(r.status == 422);
      const Json s = Json::parse(r.body);
      CHECK(s["reason"] == "Invalid");
      CHECK(s["message"].get<std::string>().rfind(forbidden, 0) == 0);
      CHECK(s["details"]["causes"][0]["field"] == "spec");
      CHECK(s["details"]["causes"][0]["reason"] == "FieldValueForbidden");
    }
    auto stored = server.get("v1", "pods", "default", "p");
    REQUIRE(stored);
    CHECK(!(*stored)["spec"]["containers"][0].contains("command"));
    CHECK(!(*stored)["spec"].contains("nodeName"));
  }
  SECTION("adding a container is refused") {
    Json p = pod("p");
    p["spec"]["containers"].push_back({{"name", "side"}, {"image", "busybox"}});
    const HttpResponse r = client.request("PUT", k_pods + "/p", p.dump());
    CHECK(r.status == 422);
    CHECK(Json::parse(r.body)["message"] ==
          "Pod \"p\" is invalid: spec.containers: Forbidden: pod updates may not add or remove "
          "containers");
  }
  SECTION("the image, labels, activeDeadlineSeconds and new tolerations may change") {
    CHECK(merge({{"metadata", {{"labels", {{"team", "ml"}}}}},
                 {"spec",
                  {{"containers", Json::array({{{"name", "main"}, {"image", "busybox:1.37"}}})},
                   {"activeDeadlineSeconds", 600},
                   {"tolerations", Json::array({{{"key", "gpu"}, {"operator", "Exists"}}})}}}})
              .status == 200);
    auto stored = server.get("v1", "pods", "default", "p");
    REQUIRE(stored);
    CHECK((*stored)["spec"]["containers"][0]["image"] == "busybox:1.37");
    CHECK(merge({{"spec", {{"activeDeadlineSeconds", 900}}}}).status == 422);
    CHECK(merge({{"spec", {{"tolerations", Json::array()}}}}).status == 422);
  }
  SECTION("nodeName is set through pods/binding, once") {
    const Json binding = {{"apiVersion", "v1"},
                          {"kind", "Binding"},
                          {"metadata", {{"name", "p"}}},
                          {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", "n1"}}}};
    const HttpResponse r = client.request("POST", k_pods + "/p/binding", binding.dump());
    INFO(r.body);
    CHECK(r.status == 201);
    CHECK(Json::parse(r.body)["status"] == "Success");
    CHECK(server.get("v1", "pods", "default", "p")->at("spec")["nodeName"] == "n1");
    const HttpResponse again = client.request("POST", k_pods + "/p/binding", binding.dump());
    CHECK(again.status == 409);
    CHECK(Json::parse(again.body)["message"] ==
          "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node "
          "\"n1\"");
    CHECK(!server.bind("default", "p", "n2"));
  }
}

TEST_CASE("fakekube validation: fieldValidation Strict, Warn and Ignore",
          "[fakekube][validation][http]") {
  ApiServer server;
  server.start();
  HttpClient client(server, "admin");
  Json typo = pod("p");
  typo["spec"]["containers"][0]["comand"] = {"sleep", "1"};
  typo["spec"]["nodeSelektor"] = {{"gpu", "true"}};
  SECTION("Strict: 400 naming every unknown field, nothing stored") {
    const HttpResponse r = client.request("POST", k_pods + "?fieldValidation=Strict", typo.dump());
    INFO(r.body);
    CHECK(r.status == 400);
    const Json s = Json::parse(r.body);
    CHECK(s["reason"] == "BadRequest");
    CHECK(s["message"] ==
          "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown "
          "field \"spec.containers[0].comand\", unknown field \"spec.nodeSelektor\"");
    CHECK(!server.get("v1", "pods", "default", "p"));
  }
  SECTION("Warn (the default): dropped, one Warning header each") {
    for (const std::string query : {"", "?fieldValidation=Warn"}) {
      Json named = typo;
      named["metadata"]["name"] = query.empty() ? "default" : "warn";
      const HttpResponse r = client.request("POST", k_pods + query, named.dump());
      INFO(r.body);
      CHECK(r.status == 201);
      CHECK(warnings_of(r) ==
            std::vector<std::string>{"299 - \"unknown field \\\"spec.containers[0].comand\\\"\"",
                                     "299 - \"unknown field \\\"spec.nodeSelektor\\\"\""});
      const Json stored = Json::parse(r.body);
      CHECK(!stored["spec"]["containers"][0].contains("comand"));
      CHECK(!stored["spec"].contains("nodeSelektor"));
    }
  }
  SECTION("a field named twice counts with the unknown ones") {
    const std::string twice =
        R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"d","name":"d"},)"
        R"("spec":{"containers":[{"name":"main","image":"busybox","image":"busybox"}]}})";
    const HttpResponse strict = client.request("POST", k_pods + "?fieldValidation=Strict", twice);
    CHECK(strict.status == 400);
    CHECK(Json::parse(strict.body)["message"] ==
          "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: duplicate "
          "field \"metadata.name\", duplicate field \"spec.containers[0].image\"");
    const HttpResponse warn = client.request("POST", k_pods, twice);
    CHECK(warn.status == 201);
    CHECK(warnings_of(warn).size() == 2);
  }
  SECTION("Ignore: dropped silently") {
    const HttpResponse r = client.request("POST", k_pods + "?fieldValidation=Ignore", typo.dump());
    CHECK(r.status == 201);
    CHECK(warnings_of(r).empty());
    CHECK(!Json::parse(r.body)["spec"]["containers"][0].contains("comand"));
  }
  SECTION("on PUT and PATCH too; an unknown value is 422") {
    REQUIRE(client.request("POST", k_pods, pod("p").dump()).status == 201);
    const HttpResponse patch =
        client.request("PATCH", k_pods + "/p?fieldValidation=Strict",
                       R"({"metadata":{"labels":{"a":"b"}},"spec":{"priorityy":1}})",
                       "application/merge-patch+json");
    CHECK(patch.status == 400);
    CHECK(Json::parse(patch.body)["message"] ==
          "strict decoding error: unknown field \"spec.priorityy\"");
    const HttpResponse put =
        client.request("PUT", k_pods + "/p?fieldValidation=Strict", typo.dump());
    CHECK(put.status == 400);
    const HttpResponse bogus =
        client.request("POST", k_pods + "?fieldValidation=Sometimes", pod("q").dump());
    CHECK(bogus.status == 422);
    CHECK(Json::parse(bogus.body)["message"] ==
          "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: "
          "\"Sometimes\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
  }
}

TEST_CASE("fakekube validation: Services", "[fakekube][validation]") {
  ApiServer server;
  SECTION("a name that is no DNS-1035 label, type Headless, no ports") {
    CHECK(refused(server.create("v1", "services", "default", service("1head-svc")), 422).message ==
          "Service \"1head-svc\" is invalid: metadata.name: Invalid value: \"1head-svc\": a "
          "DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
          "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
          "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
    Json headless = service("head-svc");
    headless["spec"]["type"] = "Headless";
    CHECK(refused(server.create("v1", "services", "default", headless), 422).message ==
          "Service \"head-svc\" is invalid: spec.type: Unsupported value: \"Headless\": supported "
          "values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
    Json portless = service("svc");
    portless["spec"].erase("ports");
    CHECK(refused(server.create("v1", "services", "default", portless), 422).message ==
          "Service \"svc\" is invalid: spec.ports: Required value");
    Json two = service("svc");
    two["spec"]["ports"].push_back({{"port", 6379}});
    CHECK(refused(server.create("v1", "services", "default", two), 422).message ==
          "Service \"svc\" is invalid: spec.ports[1].name: Required value");
  }
  SECTION("defaults and a cluster IP each; headless keeps None") {
    auto a = server.create("v1", "services", "default", service("a"));
    auto b = server.create("v1", "services", "default", service("b"));
    REQUIRE(a);
    REQUIRE(b);
    const Json& spec = (*a)["spec"];
    CHECK(spec["type"] == "ClusterIP");
    CHECK(spec["sessionAffinity"] == "None");
    CHECK(spec["ports"][0]["protocol"] == "TCP");
    CHECK(spec["ports"][0]["targetPort"] == 8265);
    CHECK(spec["clusterIP"].get<std::string>().rfind("10.96.", 0) == 0);
    CHECK(spec["clusterIPs"] == Json::array({spec["clusterIP"]}));
    CHECK((*b)["spec"]["clusterIP"] != spec["clusterIP"]);
    Json headless = service("h");
    headless["spec"]["clusterIP"] = "None";
    headless["spec"].erase("ports");
    auto h = server.create("v1", "services", "default", headless);
    REQUIRE(h);
    CHECK((*h)["spec"]["clusterIP"] == "None");
    // The cluster IP is immutable; an update without it keeps it.
    Json changed = *a;
    changed["spec"]["clusterIP"] = "10.96.9.9";
    changed["spec"]["clusterIPs"] = {"10.96.9.9"};
    CHECK(refused(server.update("v1", "services", "default", changed), 422).message ==
          "Service \"a\" is invalid: spec.clusterIPs[0]: Invalid value: [\"10.96.9.9\"]: may not "
          "change once set");
    Json without = service("a");
    without["spec"]["ports"][0]["port"] = 8266;
    auto kept = server.update("v1", "services", "default", without);
    REQUIRE(kept);
    CHECK((*kept)["spec"]["clusterIP"] == spec["clusterIP"]);
  }
}

TEST_CASE("fakekube validation: Jobs", "[fakekube][validation]") {
  ApiServer server;
  SECTION("a template without restartPolicy (Always) is refused") {
    Json j = job("j");
    j["spec"]["template"]["spec"].erase("restartPolicy");
    CHECK(refused(server.create("batch/v1", "jobs", "default", j), 422).message ==
          "Job.batch \"j\" is invalid: spec.template.spec.restartPolicy: Unsupported value: "
          "\"Always\": supported values: \"OnFailure\", \"Never\"");
  }
  SECTION("defaults, the generated selector and labels; the template is immutable") {
    auto r = server.create("batch/v1", "jobs", "default", job("j"));
    REQUIRE(r);
    const Json& spec = (*r)["spec"];
    const std::string uid = (*r)["metadata"]["uid"];
    CHECK(spec["backoffLimit"] == 6);
    CHECK(spec["completions"] == 1);
    CHECK(spec["parallelism"] == 1);
    CHECK(spec["completionMode"] == "NonIndexed");
    CHECK(!spec.contains("manualSelector"));
    CHECK(spec["selector"] == Json{{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}});
    const Json& labels = spec["template"]["metadata"]["labels"];
    CHECK(labels["controller-uid"] == uid);
    CHECK(labels["batch.kubernetes.io/controller-uid"] == uid);
    CHECK(labels["job-name"] == "j");
    CHECK(labels["batch.kubernetes.io/job-name"] == "j");
    CHECK(spec["template"]["spec"]["terminationGracePeriodSeconds"] == 30);
    Json changed = *r;
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:2";
    const auto e = refused(server.update("batch/v1", "jobs", "default", changed), 422);
    CHECK(e.message.rfind("Job.batch \"j\" is invalid: spec.template: Invalid value: ", 0) == 0);
    CHECK(e.message.find(": field is immutable") != std::string::npos);
    Json selector = *r;
    selector["spec"]["selector"] = {{"matchLabels", {{"a", "b"}}}};
    CHECK(!server.update("batch/v1", "jobs", "default", selector));
    Json fine = *r;
    fine["metadata"]["labels"] = {{"team", "ml"}};
    CHECK(server.update("batch/v1", "jobs", "default", fine));
  }
}

TEST_CASE("fakekube validation: ConfigMaps, Secrets and Events", "[fakekube][validation]") {
  ApiServer server;
  SECTION("ConfigMap keys") {
    const Json cm = {{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", {{"name", "c"}}},
                     {"data", {{"bad key", "x"}}}};
    CHECK(refused(server.create("v1", "configmaps", "default", cm), 422).message ==
          "ConfigMap \"c\" is invalid: data[bad key]: Invalid value: \"bad key\": a valid config "
          "key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
          "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
    Json right = cm;
    right["data"] = {{"ray.conf", "x"}};
    CHECK(server.create("v1", "configmaps", "default", right));
  }
  SECTION("Secrets: base64 data, stringData, the keys a type needs") {
    Json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", "s"}}},
              {"data", {{"token", "not base64!"}}}};
    CHECK(refused(server.create("v1", "secrets", "default", s), 400)
              .message.rfind("Secret in version \"v1\" cannot be handled as a Secret: ", 0) == 0);
    s.erase("data");
    s["stringData"] = {{"token", "abc"}};
    auto r = server.create("v1", "secrets", "default", s);
    REQUIRE(r);
    CHECK((*r)["data"]["token"] == "YWJj");
    CHECK((*r)["type"] == "Opaque");
    CHECK(!r->contains("stringData"));
    Json tls = s;
    tls["metadata"]["name"] = "t";
    tls["type"] = "kubernetes.io/tls";
    CHECK(refused(server.create("v1", "secrets", "default", tls), 422).message ==
          "Secret \"t\" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required "
          "value]");
  }
  SECTION("an Event's involvedObject namespace") {
    Json e = {{"apiVersion", "v1"},
              {"kind", "Event"},
              {"metadata", {{"name", "p.1"}}},
              {"involvedObject", {{"kind", "Pod"}, {"name", "p"}, {"namespace", "other"}}},
              {"reason", "Started"}};
    CHECK(refused(server.create("v1", "events", "default", e), 422).message ==
          "Event \"p.1\" is invalid: involvedObject.namespace: Invalid value: \"other\": does not "
          "match event.namespace");
    e["involvedObject"]["namespace"] = "default";
    CHECK(server.create("v1", "events", "default", e));
  }
  SECTION("metadata of any kind: annotation keys, finalizers") {
    Json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata", {{"name", "x"}, {"annotations", {{"no spaces allowed", "v"}}}}}};
    CHECK(refused(server.create("v1", "namespaces", "", ns), 422)
              .message.rfind("Namespace \"x\" is invalid: metadata.annotations: Invalid value: "
                             "\"no spaces allowed\": name part must consist of",
                             0) == 0);
    Json p = pod("p");
    p["metadata"]["finalizers"] = {"cleanup"};
    CHECK(refused(server.create("v1", "pods", "default", p), 422).message ==
          "Pod \"p\" is invalid: metadata.finalizers: Invalid value: \"cleanup\": name is neither "
          "a standard finalizer name nor is it fully qualified");
  }
}
