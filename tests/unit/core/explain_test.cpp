// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/validate/explain.hpp>

#include "../../support/catch.hpp"

using kray::core::explain;

TEST_CASE("core::explain", "[explain]") {
  SECTION("a list field: its type, then its fields with required, defaults and enums") {
    auto text = explain("RayCluster.spec.workerGroupSpecs", false);
    REQUIRE(text);
    CHECK(text->rfind("KIND:     RayCluster\nVERSION:  ray.io/v1\n\n"
                      "FIELD: workerGroupSpecs <[]Object>\n\nFIELDS:\n",
                      0) == 0);
    CHECK(text->find("  groupName\t<string> -required-\n") != std::string::npos);
    CHECK(text->find("  maxReplicas\t<integer> -required-\n    default: 2147483647\n") !=
          std::string::npos);
    CHECK(text->find("  rayStartParams\t<map[string]string>\n") != std::string::npos);
  }
  SECTION("kinds in any case, plural too; enums; quantities") {
    auto text = explain("rayclusters.spec.autoscalerOptions", false);
    REQUIRE(text);
    CHECK(text->find("  upscalingMode\t<string>\n    enum: Default, Aggressive, Conservative\n") !=
          std::string::npos);
    auto limits =
        explain("RayCluster.spec.headGroupSpec.template.spec.containers.resources", false);
    REQUIRE(limits);
    CHECK(limits->find("  limits\t<map[string]Quantity>\n") != std::string::npos);
  }
  SECTION("a field with an enum says it, as its parent's listing does (issue 12, item 9)") {
    auto text = explain("RayJob.spec.rayClusterSpec.autoscalerOptions.upscalingMode", false);
    REQUIRE(text);
    CHECK(text->find("FIELD: upscalingMode <string>\nENUM:    Default, Aggressive, "
                     "Conservative\n") != std::string::npos);
    auto with_default = explain("RayCluster.spec.workerGroupSpecs.maxReplicas", false);
    REQUIRE(with_default);
    CHECK(with_default->find("DEFAULT: 2147483647\n") != std::string::npos);
  }
  SECTION("recursive shows the tree") {
    auto text = explain("RayJob.spec.deletionStrategy.deletionRules", true);
    REQUIRE(text);
    CHECK(text->find("  condition\t<Object> -required-\n    jobDeploymentStatus\t<string>\n") !=
          std::string::npos);
  }
  SECTION("unknown kind or field") {
    auto kind = explain("RayClstr", false);
    REQUIRE_FALSE(kind);
    CHECK(kind.error().code == kray::ErrorCode::usage);
    auto field = explain("RayJob.spec.rayClusterSpc", false);
    REQUIRE_FALSE(field);
    CHECK(field.error().message ==
          "explain: RayJob.spec has no field 'rayClusterSpc'; did you mean 'rayClusterSpec'?");
  }
}
