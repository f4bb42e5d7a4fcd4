// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/targets.hpp>

#include <krayctl/util/strings.hpp>

namespace kray::app {

namespace {

// The words that name a resource: its kind, its plural, either with
// `.group` or `.version.group`, and its short name.
std::vector<std::string> words_of(const kube::KnownResource& r) {
  const kube::ResourceRef& ref = r.ref;
  const std::string kind = util::to_lower(ref.kind);
  std::vector<std::string> out = {kind, ref.plural};
  if (!ref.group.empty()) {
    for (const std::string& base : {kind, ref.plural}) {
      out.push_back(base + "." + ref.group);
      out.push_back(base + "." + ref.version + "." + ref.group);
    }
  }
  if (!r.short_name.empty()) {
    out.push_back(r.short_name);
  }
  return out;
}

Error unknown_type(const std::string& word) {
  std::vector<std::string> all;
  for (const auto& r : kube::known_resources()) {
    const auto words = words_of(r);
    all.insert(all.end(), words.begin(), words.end());
  }
  std::string message = "unknown resource type " + util::quote(word);
  if (const std::string best = util::closest_match(util::to_lower(word), all); !best.empty()) {
    message += "; did you mean " + util::quote(best) + "?";
  } else {
    message +=
        " (krayctl knows raycluster, rayjob, rayservice, raycronjob and the core kinds it "
        "applies: pod, service, configmap, secret, job, deployment ...)";
  }
  return Error{ErrorCode::usage, message, std::nullopt, {}, false};
}

}  // namespace

std::optional<kube::ResourceRef> resource_for_type(const std::string& word) {
  const std::string w = util::to_lower(word);
  for (const auto& r : kube::known_resources()) {
    for (const auto& candidate : words_of(r)) {
      if (candidate == w) {
        return r.ref;
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
