// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/targets.hpp>

#include <krayctl/util/strings.hpp>

#include <array>

namespace kray::app {

namespace {

struct TypeNames {
  const char* api_version;
  const char* kind;
  const char* plural;
  std::array<const char*, 2> short_names;  // what the API server's discovery declares
};

// The kinds krayctl reads and deletes. Short names as Kubernetes declares
// them (kubectl api-resources); KubeRay's CRDs (ray.io_*.yaml at v1.6.2)
// declare none, so there is no `rj`.
constexpr std::array<TypeNames, 10> k_types = {{
    {"ray.io/v1", "RayCluster", "rayclusters", {nullptr, nullptr}},
    {"ray.io/v1", "RayJob", "rayjobs", {nullptr, nullptr}},
    {"ray.io/v1", "RayService", "rayservices", {nullptr, nullptr}},
    {"ray.io/v1", "RayCronJob", "raycronjobs", {nullptr, nullptr}},
    {"v1", "Pod", "pods", {"po", nullptr}},
    {"v1", "Service", "services", {"svc", nullptr}},
    {"v1", "ConfigMap", "configmaps", {"cm", nullptr}},
    {"v1", "Secret", "secrets", {nullptr, nullptr}},
    {"batch/v1", "Job", "jobs", {nullptr, nullptr}},
    {"apps/v1", "Deployment", "deployments", {"deploy", nullptr}},
}};

std::vector<std::string> words_of(const TypeNames& t) {
  const std::string api = t.api_version;
  const auto slash = api.find('/');
  const std::string group = slash == std::string::npos ? "" : api.substr(0, slash);
  const std::string version = slash == std::string::npos ? api : api.substr(slash + 1);
  const std::string kind = util::to_lower(t.kind);
  std::vector<std::string> out = {kind, t.plural};
  if (!group.empty()) {
    for (const std::string& base : {kind, std::string(t.plural)}) {
      out.push_back(base + "." + group);
      out.push_back(base + "." + version + "." + group);
    }
  }
  for (const char* s : t.short_names) {
    if (s != nullptr) {
      out.emplace_back(s);
    }
  }
  return out;
}

Error unknown_type(const std::string& word) {
  std::vector<std::string> all;
  for (const auto& t : k_types) {
    const auto words = words_of(t);
    all.insert(all.end(), words.begin(), words.end());
  }
  std::string message = "unknown resource type " + util::quote(word);
  if (const std::string best = util::closest_match(util::to_lower(word), all); !best.empty()) {
    message += "; did you mean " + util::quote(best) + "?";
  } else {
    message += " (krayctl knows raycluster, rayjob, rayservice, raycronjob, pod, service, "
               "configmap, secret, job, deployment)";
  }
  return Error{ErrorCode::usage, message, std::nullopt, {}, false};
}

}  // namespace

std::optional<kube::ResourceRef> resource_for_type(const std::string& word) {
  const std::string w = util::to_lower(word);
  for (const auto& t : k_types) {
    for (const auto& candidate : words_of(t)) {
      if (candidate == w) {
        return kube::known_resource(t.api_version, t.kind);
      }
    }
  }
  return std::nullopt;
}

Result<std::vector<ObjectTarget>> parse_targets(const std::vector<std::string>& args,
                                                bool allow_type_only) {
  std::vector<ObjectTarget> out;
  if (args.empty()) {
    return out;
  }
  const bool slashed = args.front().find('/') != std::string::npos;
  if (slashed) {
    for (const auto& arg : args) {
      const auto slash = arg.find('/');
      if (slash == std::string::npos) {
        return make_error(ErrorCode::usage,
                          "there is no need to give a resource type as a separate argument when "
                          "passing arguments in TYPE/NAME form (" +
                              util::quote(arg) + ")");
      }
      const std::string type = arg.substr(0, slash);
      const std::string name = arg.substr(slash + 1);
      auto ref = resource_for_type(type);
      if (!ref) {
        return tl::unexpected(unknown_type(type));
      }
      if (name.empty() || name.find('/') != std::string::npos) {
        return make_error(ErrorCode::usage, util::quote(arg) +
                                                ": give TYPE/NAME, such as rayjob/train or "
                                                "raycluster.ray.io/dev");
      }
      out.push_back({*ref, name});
    }
    return out;
  }
  auto ref = resource_for_type(args.front());
  if (!ref) {
    return tl::unexpected(unknown_type(args.front()));
  }
  if (args.size() == 1) {
    if (!allow_type_only) {
      return make_error(ErrorCode::usage, "give the name of the " + ref->kind + ": " +
                                              util::to_lower(ref->kind) + " NAME, or " +
                                              util::to_lower(ref->kind) + "/NAME");
    }
    out.push_back({*ref, ""});
    return out;
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].find('/') != std::string::npos) {
      return make_error(ErrorCode::usage,
                        "there is no need to give a resource type as a separate argument when "
                        "passing arguments in TYPE/NAME form (" +
                            util::quote(args[i]) + ")");
    }
    out.push_back({*ref, args[i]});
  }
  return out;
}

}  // namespace kray::app
