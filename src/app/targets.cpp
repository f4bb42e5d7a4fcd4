// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/targets.hpp>

#include <krayctl/app/resources.hpp>
#include <krayctl/util/strings.hpp>

namespace kray::app {

namespace {

Error unknown_type(const std::string& word) {
  std::vector<std::string> all;
  for (const auto& r : known_resources()) {
    const auto words = kube::resource_words(r);
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
  return kube::resource_for_word(known_resources(), word);
}

Result<ObjectTarget> parse_object_ref(const std::string& arg) {
  const auto slash = arg.find('/');
  const std::string type = arg.substr(0, slash);
  auto ref = resource_for_type(type);
  if (!ref) {
    return tl::unexpected(unknown_type(type));
  }
  const std::string name = slash == std::string::npos ? "" : arg.substr(slash + 1);
  if (name.empty() || name.find('/') != std::string::npos) {
    return make_error(ErrorCode::usage, util::quote(arg) +
                                            ": give TYPE/NAME, such as rayjob/train or "
                                            "raycluster.ray.io/dev");
  }
  return ObjectTarget{*ref, name};
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
      KRAY_TRY_ASSIGN(auto target, parse_object_ref(arg));
      out.push_back(std::move(target));
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
