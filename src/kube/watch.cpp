// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/watch.hpp>

#include <set>
#include <vector>

namespace kray::kube {

using core::Json;

namespace {

std::string meta(const Json& object, const char* field) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  const Json& m = object["metadata"];
  return m.contains(field) && m[field].is_string() ? m[field].get<std::string>() : "";
}

// What a watch or list failure means for the loop: try again later, or
// stop. A server that went away after the first list (restarting, a
// network blip) is waited for; one never reached is an error at once.
bool worth_retrying(const Error& e, bool listed_once) {
  return e.code == ErrorCode::http || e.code == ErrorCode::gone ||
         (e.code == ErrorCode::unreachable && listed_once);
}

}  // namespace

std::string object_key(const Json& object) {
  const std::string ns = meta(object, "namespace");
  return ns.empty() ? meta(object, "name") : ns + "/" + meta(object, "name");
}

Reflector::Reflector(Client& client,
                     Transport& transport,
                     ReflectorOptions options,
                     util::Clock& clock)
    : m_client(client), m_transport(transport), m_options(std::move(options)), m_clock(clock) {}

// Classifies by what is known, not by the event's type: an ADDED for a
// known object is a modification (or nothing, at the same version), and an
// object re-created under the same name while we were away is a deletion
// and an addition.
void Reflector::apply(Change change,
                      Json object,
                      const std::function<void(const WatchEvent&)>& cb) {
  const std::string key = object_key(object);
  auto it = m_objects.find(key);
  if (change == Change::deleted) {
    if (it == m_objects.end()) {
      return;
    }
    m_objects.erase(it);
    cb({Change::deleted, std::move(object)});
    return;
  }
  if (it == m_objects.end()) {
    m_objects.emplace(key, object);
    cb({Change::added, std::move(object)});
    return;
  }
  if (meta(it->second, "uid") != meta(object, "uid")) {
    Json old = std::move(it->second);
    it->second = object;
    cb({Change::deleted, std::move(old)});
    cb({Change::added, std::move(object)});
    return;
  }
  if (meta(it->second, "resourceVersion") == meta(object, "resourceVersion")) {
    return;  // seen already (a relist, a resumed watch)
  }
  it->second = object;
  cb({Change::modified, std::move(object)});
}

Result<void> Reflector::relist(const std::function<void(const WatchEvent&)>& cb) {
  ++m_counts.lists;
  m_listing = true;
  struct Listed {
    bool& listing;
    ~Listed() { listing = false; }
  } listed_done{m_listing};
  KRAY_TRY_ASSIGN(
      auto listed,
      list_all(m_client, m_options.path + (m_options.query.empty() ? "" : "?" + m_options.query)));
  std::vector<Json>& items = listed.items;
  const std::string rv = listed.resource_version;
  std::set<std::string> present;
  for (auto& item : items) {
    present.insert(object_key(item));
    apply(Change::added, std::move(item), cb);
  }
  std::vector<Json> gone;
  for (const auto& [key, object] : m_objects) {
    if (present.count(key) == 0) {
      gone.push_back(object);
    }
  }
  for (auto& object : gone) {
    apply(Change::deleted, std::move(object), cb);
  }
  m_rv = rv;
  return {};
}

Result<bool> Reflector::watch_once(const std::function<void(const WatchEvent&)>& cb,
                                   const std::atomic<bool>& stop) {
  ++m_counts.watches;
  m_random = m_random * 6364136223846793005ULL + 1442695040888963407ULL;
  const long long min_s = std::max<long long>(1, m_options.min_watch_timeout.count());
  long long timeout_s =
      min_s + static_cast<long long>((m_random >> 33) % static_cast<std::uint64_t>(min_s));
  HttpRequest request;
  request.timeout = std::chrono::milliseconds(0);
  if (m_options.deadline) {
    // Ends by the deadline: the server is asked to end it then (whole
    // seconds, rounded up), and the transport ends it there if not.
    const auto left = std::max(std::chrono::milliseconds(1),
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   *m_options.deadline - m_clock.steady_now()));
    timeout_s = std::min<long long>(timeout_s, (left.count() + 999) / 1000);
    request.timeout = left;
  }
  request.path = m_options.path + "?" + (m_options.query.empty() ? "" : m_options.query + "&") +
                 "watch=true&allowWatchBookmarks=true&resourceVersion=" + m_rv +
                 "&timeoutSeconds=" + std::to_string(timeout_s);
  request.cancel = &stop;
  HttpResponse head;
  std::string buffer;
  std::size_t scanned = 0;  // bytes of `buffer` known to hold no newline
  bool expired = false;
  m_streamed_events = false;
  std::optional<Error> failed;
  auto streamed = m_transport.stream(request, head, [&](std::string_view piece) {
    buffer.append(piece);
    std::size_t start = 0;
    // Each search starts where the last one stopped: a line that arrives
    // in many small pieces is scanned once, not once per piece.
    for (auto nl = buffer.find('\n', scanned); nl != std::string::npos;
         nl = buffer.find('\n', start)) {
      const std::string_view line(buffer.data() + start, nl - start);
      start = nl + 1;
      if (line.find_first_not_of(" \r\t") == std::string_view::npos) {
        continue;
      }
      auto parsed = parse_server_json(line, "a watch event from the API server");
      if (!parsed || !parsed->is_object() || !parsed->contains("object")) {
        failed = parsed ? Error{ErrorCode::http,
                                "the API server sent a watch event that is not JSON",
                                std::nullopt,
                                {},
                                false}
                        : std::move(parsed).error();
        return false;
      }
      Json& event = *parsed;
      const std::string type = event.value("type", "");
      Json& object = event["object"];
      if (type == "ERROR") {
        if (object.value("code", 0) == 410) {
          expired = true;  // the history we would resume from is gone
        } else {
          HttpResponse status;
          status.status = object.value("code", 500);
          status.body = object.dump();
          failed = api_error(status, request);
        }
        return false;
      }
      m_streamed_events = true;
      const std::string rv = meta(object, "resourceVersion");
      if (type == "ADDED" || type == "MODIFIED") {
        apply(Change::added, std::move(object), cb);
      } else if (type == "DELETED") {
        apply(Change::deleted, std::move(object), cb);
      }
      // BOOKMARK: nothing changed, but the version moves on.
      if (!rv.empty()) {
        m_rv = rv;
      }
      if (m_finished) {
        return false;  // the rest of the stream is not wanted
      }
    }
    buffer.erase(0, start);
    scanned = buffer.size();
    if (buffer.size() > m_options.max_line_bytes) {
      // One event is one object: a line longer than any object can be is
      // a server gone wrong, and waiting for its end would take all memory.
      failed = Error{ErrorCode::bad_answer,
                     "the API server sent a watch event longer than " +
                         std::to_string(m_options.max_line_bytes >> 20) +
                         " MiB, krayctl's limit (or a stream without newlines): stopped watching " +
                         m_options.path,
                     std::nullopt,
                     {},
                     false};
      return false;
    }
    return !stop.load() && !m_finished;
  });
  if (!streamed) {
    ++m_counts.broken;  // the connection broke: resume from m_rv
    return tl::unexpected(std::move(streamed).error());
  }
  if (head.status == 410 || expired) {
    ++m_counts.gone;
    return true;
  }
  if (head.status != 0 && (head.status < 200 || head.status >= 300)) {
    return tl::unexpected(api_error(head, request));
  }
  if (failed) {
    return tl::unexpected(std::move(*failed));
  }
  return false;  // the server ended the watch (its timeout): watch again
}

Result<void> Reflector::run(const std::function<void(const WatchEvent&)>& on_change,
                            const std::function<void()>& synced,
                            const std::atomic<bool>& stop) {
  std::chrono::milliseconds backoff = m_options.backoff;
  // Ends early at `stop`, and at the deadline.
  auto pause = [&] {
    auto until = m_clock.steady_now() + backoff;
    if (m_options.deadline) {
      until = std::min(until, *m_options.deadline);
    }
    m_clock.sleep_until(until, &stop);
    backoff = std::min(m_options.backoff_cap, backoff * 2);
  };
  bool need_list = true;
  bool listed_once = false;
  m_finished = false;
  while (!stop.load() && !m_finished) {
    if (m_options.deadline && m_clock.steady_now() >= *m_options.deadline) {
      return make_error(ErrorCode::timeout, "the time ran out watching " + m_options.path);
    }
    if (need_list) {
      auto listed = relist(on_change);
      if (!listed) {
        if (!worth_retrying(listed.error(), listed_once)) {
          return listed;
        }
        pause();
        continue;
      }
      need_list = false;
      listed_once = true;
      if (synced) {
        synced();
      }
      if (m_finished) {
        break;
      }
    }
    auto watched = watch_once(on_change, stop);
    if (!watched) {
      const Error& e = watched.error();
      if (!worth_retrying(e, listed_once)) {
        return tl::unexpected(std::move(watched).error());
      }
      if (m_streamed_events) {
        backoff = m_options.backoff;  // it worked for a while: start the backoff again
      }
      pause();
      continue;
    }
    backoff = m_options.backoff;
    need_list = *watched;
  }
  return {};
}

}  // namespace kray::kube
