// SPDX-License-Identifier: Apache-2.0
// app::parse_object_ref and app::parse_targets: every form users type for
// an object, and the refusals; app::known_resource and the KubeRay words
// for a cluster without the CRDs.
#include <krayctl/app/resources.hpp>
#include <krayctl/app/targets.hpp>

#include "../../support/catch.hpp"

using kray::ErrorCode;
using kray::app::parse_object_ref;
using kray::app::parse_targets;

namespace {

std::string shown(const kray::app::ObjectTarget& t) {
  return t.ref.group + "/" + t.ref.version + "/" + t.ref.plural + " " + t.name;
}

}  // namespace

TEST_CASE("app::parse_object_ref: kind, plural, group, version, short names, any case",
          "[targets]") {
  for (const char* arg : {"rayjob/train", "rayjobs/train", "rayjob.ray.io/train",
                          "rayjobs.ray.io/train", "rayjob.v1.ray.io/train", "RayJob/train"}) {
    auto t = parse_object_ref(arg);
    REQUIRE(t);
    CHECK(shown(*t) == "ray.io/v1/rayjobs train");
  }
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"raycluster/dev", "ray.io/v1/rayclusters dev"},
      {"rayservice/s", "ray.io/v1/rayservices s"},
      {"raycronjobs/c", "ray.io/v1/raycronjobs c"},
      {"po/p", "/v1/pods p"},
      {"svc/head", "/v1/services head"},
      {"cm/settings", "/v1/configmaps settings"},
      {"job.batch/j", "batch/v1/jobs j"},
      {"deploy/d", "apps/v1/deployments d"},
      {"ns/ml", "/v1/namespaces ml"},
  };
  for (const auto& [arg, want] : cases) {
    auto t = parse_object_ref(arg);
    REQUIRE(t);
    CHECK(shown(*t) == want);
  }
  CHECK_FALSE(parse_object_ref("ns/ml")->ref.namespaced);
}

TEST_CASE("app::parse_object_ref: refusals say what to type", "[targets]") {
  auto typo = parse_object_ref("rayjb/train");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().code == ErrorCode::usage);
  CHECK(typo.error().message == "unknown resource type 'rayjb'; did you mean 'rayjob'?");
  auto far = parse_object_ref("qqqqqqqqqqqq/x");
  REQUIRE_FALSE(far);
  CHECK(far.error().message.find("krayctl knows raycluster, rayjob") != std::string::npos);
  for (const char* bad : {"rayjob/", "rayjob/a/b", "rayjob"}) {
    auto r = parse_object_ref(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::usage);
    CHECK(r.error().message.find("give TYPE/NAME") != std::string::npos);
  }
}

TEST_CASE("app::parse_targets: TYPE/NAME..., TYPE NAME..., a type alone", "[targets]") {
  auto slashed = parse_targets({"rayjob/a", "pod/b"});
  REQUIRE(slashed);
  REQUIRE(slashed->size() == 2);
  CHECK(shown((*slashed)[1]) == "/v1/pods b");
  auto spaced = parse_targets({"rayclusters", "a", "b"});
  REQUIRE(spaced);
  REQUIRE(spaced->size() == 2);
  CHECK(shown((*spaced)[0]) == "ray.io/v1/rayclusters a");
  CHECK(shown((*spaced)[1]) == "ray.io/v1/rayclusters b");
  CHECK(parse_targets({})->empty());

  auto alone = parse_targets({"rayjob"});
  REQUIRE_FALSE(alone);
  CHECK(alone.error().message == "give the name of the RayJob: rayjob NAME, or rayjob/NAME");
  auto type_only = parse_targets({"rayjob"}, true);
  REQUIRE(type_only);
  REQUIRE(type_only->size() == 1);
  CHECK((*type_only)[0].name.empty());

  for (const std::vector<std::string>& mixed :
       {std::vector<std::string>{"rayjob/a", "b"}, std::vector<std::string>{"rayjob", "a/b"}}) {
    auto r = parse_targets(mixed);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("there is no need to give a resource type", 0) == 0);
  }
  auto unknown = parse_targets({"raycluser", "a"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("did you mean 'raycluster'?") != std::string::npos);
}

TEST_CASE("app::known_resource and the words for KubeRay's missing CRDs", "[targets]") {
  REQUIRE(kray::app::known_resource("ray.io/v1", "RayCluster"));
  CHECK(kray::app::known_resource("ray.io/v1", "RayCluster")->plural == "rayclusters");
  CHECK(kray::app::known_resource("batch/v1", "Job")->plural == "jobs");
  CHECK_FALSE(kray::app::known_resource("ray.io/v1alpha1", "RayCluster"));
  CHECK_FALSE(kray::app::known_resource("v1", "Widget"));
  // kube/ alone knows Kubernetes' kinds, not KubeRay's.
  CHECK_FALSE(
      kray::kube::find_resource(kray::kube::builtin_resources(), "ray.io/v1", "RayCluster"));

  CHECK(kray::app::missing_api_words("ray.io/v1", "rayjobs") ==
        "the KubeRay CRDs are not installed (the API server does not serve rayjobs in ray.io/v1): "
        "install the KubeRay operator (Helm chart kuberay-operator 1.6.2)");
  CHECK(kray::app::missing_api_words("ray.io/v1", "") ==
        "the KubeRay CRDs are not installed (the API server does not serve ray.io/v1): install "
        "the KubeRay operator (Helm chart kuberay-operator 1.6.2)");
  CHECK_FALSE(kray::app::missing_api_words("example.com/v1", "widgets"));
}
