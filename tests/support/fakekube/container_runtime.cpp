// SPDX-License-Identifier: Apache-2.0
#include "container_runtime.hpp"

#include <algorithm>
#include <regex>

namespace fakekube {

namespace {

const Json& member(const Json& o, const char* key) {
  static const Json null;
  return o.is_object() && o.contains(key) ? o[key] : null;
}

std::string text(const Json& v) {
  return v.is_string() ? v.get<std::string>() : std::string();
}

bool truthy(const Json& v) {
  return v.is_boolean() && v.get<bool>();
}

double number(const Json& v, double fallback) {
  return v.is_number() ? v.get<double>() : fallback;
}

}  // namespace

std::optional<Probe> probe_of(const Json& container, const std::string& field) {
  const Json& p = member(container, field.c_str());
  if (!p.is_object()) {
    return std::nullopt;
  }
  Probe probe;
  for (const char* h : {"exec", "httpGet", "tcpSocket", "grpc"}) {
    if (p.contains(h) && p[h].is_object()) {
      probe.handler = h;
      probe.action = p[h];
    }
  }
  if (probe.handler.empty()) {
    return std::nullopt;
  }
  probe.initial_delay = number(member(p, "initialDelaySeconds"), 0);
  probe.period = std::max(1.0, number(member(p, "periodSeconds"), 10));
  probe.timeout = std::max(1.0, number(member(p, "timeoutSeconds"), 1));
  probe.success_threshold = std::max(1, static_cast<int>(number(member(p, "successThreshold"), 1)));
  probe.failure_threshold = std::max(1, static_cast<int>(number(member(p, "failureThreshold"), 3)));
  return probe;
}

int probe_port(const Json& container, const Json& port) {
  if (port.is_number_integer()) {
    return port.get<int>();
  }
  const std::string name = text(port);
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoi(name);
  }
  for (const auto& p : member(container, "ports").is_array() ? container["ports"] : Json()) {
    if (text(member(p, "name")) == name && member(p, "containerPort").is_number_integer()) {
      return p["containerPort"].get<int>();
    }
  }
  return 0;
}

ExecProbe parse_exec_probe(const Json& exec) {
  std::string command;
  for (const auto& part : member(exec, "command").is_array() ? exec["command"] : Json()) {
    command += text(part) + " ";
  }
  ExecProbe probe;
  static const std::regex url(R"(https?://(?:localhost|127\.0\.0\.1)(?::(\d+))?(/[^\s'"|;&]*)?)");
  for (auto it = std::sregex_iterator(command.begin(), command.end(), url);
       it != std::sregex_iterator(); ++it) {
    ExecRequest r;
    if ((*it)[1].matched) {
      r.port = std::stoi((*it)[1].str());
    }
    if ((*it)[2].matched) {
      r.path = (*it)[2].str();
    }
    probe.requests.push_back(r);
  }
  static const std::regex grep(R"(\|\s*grep\s+(?:-\w+\s+)*['"]?([^\s'"|;&]+))");
  std::smatch m;
  if (std::regex_search(command, m, grep)) {
    probe.grep = m[1].str();
  }
  return probe;
}

namespace {

// What a configMapKeyRef/secretKeyRef or a configMapRef/secretRef names.
std::string lookup_problem(const ObjectLookup& lookup,
                           const std::string& ns,
                           const std::string& resource,
                           const Json& ref,
                           bool with_key) {
  if (!ref.is_object() || truthy(member(ref, "optional"))) {
    return "";
  }
  const std::string name = text(member(ref, "name"));
  const bool config_map = resource == "configmaps";
  auto object = lookup(resource, name);
  if (!object) {
    return std::string(config_map ? "configmap" : "secret") + " \"" + name + "\" not found";
  }
  if (!with_key) {
    return "";
  }
  const std::string key = text(member(ref, "key"));
  for (const char* field : {"data", "binaryData", "stringData"}) {
    if (member(*object, field).is_object() && (*object)[field].contains(key)) {
      return "";
    }
  }
  return "couldn't find key " + key + " in " + (config_map ? "ConfigMap " : "Secret ") + ns + "/" +
         name;
}

}  // namespace

std::string env_problem(const Json& container, const std::string& ns, const ObjectLookup& lookup) {
  const Json& env_from = member(container, "envFrom");
  for (const auto& source : env_from.is_array() ? env_from : Json()) {
    if (auto why = lookup_problem(lookup, ns, "configmaps", member(source, "configMapRef"), false);
        !why.empty()) {
      return why;
    }
    if (auto why = lookup_problem(lookup, ns, "secrets", member(source, "secretRef"), false);
        !why.empty()) {
      return why;
    }
  }
  const Json& env = member(container, "env");
  for (const auto& e : env.is_array() ? env : Json()) {
    const Json& from = member(e, "valueFrom");
    if (auto why = lookup_problem(lookup, ns, "configmaps", member(from, "configMapKeyRef"), true);
        !why.empty()) {
      return why;
    }
    if (auto why = lookup_problem(lookup, ns, "secrets", member(from, "secretKeyRef"), true);
        !why.empty()) {
      return why;
    }
  }
  return "";
}

std::optional<std::pair<std::string, std::string>> volume_problem(const Json& pod,
                                                                  const ObjectLookup& lookup) {
  const Json& volumes = member(member(pod, "spec"), "volumes");
  for (const auto& v : volumes.is_array() ? volumes : Json()) {
    const std::string volume = text(member(v, "name"));
    std::string why;
    if (const Json& cm = member(v, "configMap");
        cm.is_object() && !truthy(member(cm, "optional"))) {
      const std::string name = text(member(cm, "name"));
      if (!lookup("configmaps", name)) {
        why = "configmap \"" + name + "\" not found";
      }
    }
    if (const Json& s = member(v, "secret"); s.is_object() && !truthy(member(s, "optional"))) {
      const std::string name = text(member(s, "secretName"));
      if (!lookup("secrets", name)) {
        why = "secret \"" + name + "\" not found";
      }
    }
    if (!why.empty()) {
      return std::make_pair(volume,
                            "MountVolume.SetUp failed for volume \"" + volume + "\" : " + why);
    }
  }
  return std::nullopt;
}

std::string normalize_image(const std::string& image) {
  std::string ref = image;
  std::string digest;
  if (auto at = ref.find('@'); at != std::string::npos) {
    digest = ref.substr(at);
    ref = ref.substr(0, at);
  }
  // A first component with a dot or a colon, or "localhost", is a registry
  // host (distribution/reference's splitDockerDomain).
  std::string domain = "docker.io";
  std::string rest = ref;
  if (auto slash = ref.find('/'); slash != std::string::npos) {
    const std::string first = ref.substr(0, slash);
    if (first.find_first_of(".:") != std::string::npos || first == "localhost") {
      domain = first;
      rest = ref.substr(slash + 1);
    }
  }
  if (domain == "docker.io" && rest.find('/') == std::string::npos) {
    rest = "library/" + rest;
  }
  const auto last_slash = rest.rfind('/');
  const bool tagged =
      rest.find(':', last_slash == std::string::npos ? 0 : last_slash) != std::string::npos;
  if (!tagged && digest.empty()) {
    rest += ":latest";
  }
  return domain + "/" + rest + digest;
}

bool glob_match(const std::string& pattern, const std::string& text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string::npos;
  std::size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

ImageRegistry::ImageRegistry() {
  for (const char* repo : {"ray", "ray-ml", "ray-llm"}) {
    const std::string base = std::string("docker.io/rayproject/") + repo + ":";
    for (char d = '0'; d <= '9'; ++d) {
      m_exists.push_back(base + d + "*.*.*");  // a Ray version: major.minor.patch
    }
    m_exists.push_back(base + "latest*");
    m_exists.push_back(base + "nightly*");
  }
  for (const char* official :
       {"busybox", "alpine", "ubuntu", "debian", "python", "redis", "nginx", "bash", "centos",
        "fedora", "node", "golang", "postgres", "mysql", "memcached", "httpd", "curlimages"}) {
    m_exists.push_back(std::string("docker.io/library/") + official + ":*");
    m_exists.push_back(std::string("docker.io/library/") + official + "@*");
  }
  // Any other Docker Hub namespace than rayproject's and library's, and any
  // other registry: the simulation cannot know what they hold.
  m_exists.push_back("docker.io/*/*");
  m_missing.push_back("docker.io/rayproject/*");
  m_missing.push_back("docker.io/library/*");
  m_exists.push_back("*");
}

namespace {

// A pattern as users write images: "busybox:*" and "myorg/*" name Docker
// Hub repositories; a pattern without wildcards is an image reference.
std::string normalize_pattern(const std::string& pattern) {
  if (pattern.find_first_of("*?") == std::string::npos) {
    return normalize_image(pattern);
  }
  if (pattern.empty() || pattern[0] == '*') {
    return pattern;
  }
  const auto slash = pattern.find('/');
  if (slash == std::string::npos) {
    return "docker.io/library/" + pattern;
  }
  const std::string first = pattern.substr(0, slash);
  if (first.find_first_of(".:") != std::string::npos || first == "localhost") {
    return pattern;
  }
  return "docker.io/" + pattern;
}

}  // namespace

void ImageRegistry::add(const std::string& pattern) {
  const std::string p = normalize_pattern(pattern);
  m_removed.erase(std::remove(m_removed.begin(), m_removed.end(), p), m_removed.end());
  m_added.push_back(p);
}

void ImageRegistry::remove(const std::string& pattern) {
  const std::string p = normalize_pattern(pattern);
  m_added.erase(std::remove(m_added.begin(), m_added.end(), p), m_added.end());
  m_removed.push_back(p);
}

bool ImageRegistry::exists(const std::string& image) const {
  const std::string ref = normalize_image(image);
  // The most specific matching pattern decides (the most literal
  // characters; "missing" on a tie), the ones added or removed before the
  // defaults.
  std::size_t best_len = 0;
  bool best = false;
  bool found = false;
  auto consider = [&](const std::vector<std::string>& list, bool verdict) {
    for (const auto& p : list) {
      if (!glob_match(p, ref)) {
        continue;
      }
      // Specificity: the number of literal characters in the pattern.
      std::size_t literal = 0;
      for (char c : p) {
        literal += c != '*' && c != '?';
      }
      if (!found || literal > best_len || (literal == best_len && !verdict)) {
        best_len = literal;
        best = verdict;
        found = true;
      }
    }
  };
  consider(m_added, true);
  consider(m_removed, false);
  if (!found) {
    consider(m_exists, true);
    consider(m_missing, false);
  }
  return found && best;
}

std::string ImageRegistry::pull_error(const std::string& image) const {
  const std::string ref = normalize_image(image);
  // The repository exists when some tag of it would: then the tag is
  // missing (NotFound); else the registry refuses (Unknown, access denied).
  std::string repo = ref;
  if (auto at = repo.find('@'); at != std::string::npos) {
    repo = repo.substr(0, at);
  } else if (auto colon = repo.rfind(':'); colon != std::string::npos && colon > repo.rfind('/')) {
    repo = repo.substr(0, colon);
  }
  const bool repo_exists = exists(repo + ":latest") || exists(repo + ":1.0.0");
  if (repo_exists) {
    return "code = NotFound desc = failed to pull and unpack image \"" + ref +
           "\": failed to resolve reference \"" + ref + "\": " + ref + ": not found";
  }
  return "code = Unknown desc = failed to pull and unpack image \"" + ref +
         "\": failed to resolve reference \"" + ref +
         "\": pull access denied, repository does not exist or may require authorization: "
         "server message: insufficient_scope: authorization failed";
}

}  // namespace fakekube
