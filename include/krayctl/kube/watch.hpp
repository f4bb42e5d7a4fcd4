// SPDX-License-Identifier: Apache-2.0
// List, then watch, one collection and keep it current (Kubernetes API
// Concepts, https://kubernetes.io/docs/reference/using-api/api-concepts/;
// client-go's tools/cache/reflector.go without its queue): the watch
// resumes from the last resourceVersion seen (events and BOOKMARKs move
// it), a 410 Gone (as the HTTP status or as an ERROR event) lists again,
// and a list after a break is compared with what was
// known, so that the caller gets every change once: nothing repeated
// (same resourceVersion: no event) and nothing lost (a deletion missed
// while disconnected comes as DELETED).
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/transport.hpp>
#include <krayctl/util/clock.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace kray::kube {

enum class Change { added, modified, deleted };

struct WatchEvent {
  Change change = Change::added;
  core::Json object;  // for `deleted`, the last state known
};

struct ReflectorCounts {
  int lists = 0;    // full lists (the first and each relist), pages not counted
  int watches = 0;  // watch requests
  int gone = 0;     // 410s that forced a relist
  int broken = 0;   // streams that ended with a network error
};

struct ReflectorOptions {
  std::string path;   // the collection: "/apis/batch/v1/jobs"
  std::string query;  // selectors, URL-encoded: "labelSelector=a%3Db"
  // Watch requests ask the server to end after a random 5 to 10 minutes,
  // as client-go, so that a load balancer's idle timeout never decides.
  std::chrono::seconds min_watch_timeout{300};
  // Between attempts after a network error or a 5xx; doubled up to `cap`.
  std::chrono::milliseconds backoff{200};
  std::chrono::milliseconds backoff_cap{10'000};
  // The longest line (one event) a watch stream may send; past it the
  // watch fails with ErrorCode::bad_answer (tests shorten it).
  std::size_t max_line_bytes = k_max_watch_line_bytes;
  // When set, run() ends with ErrorCode::timeout once the clock passes it,
  // and no watch request outlives it (the server is asked to end by it,
  // the transport ends it there).
  std::optional<util::Clock::SteadyTime> deadline;
};

class Reflector {
 public:
  // `client` and `transport` belong to this reflector's thread; the
  // backoff between attempts sleeps on `clock` and ends early at `stop`.
  Reflector(Client& client, Transport& transport, ReflectorOptions options, util::Clock& clock);

  // Lists, reports every object as added, calls `synced`, then watches
  // until `stop` is set, reporting each change through `on_change`.
  // `synced` is called again after each relist. Ends with an Error only for
  // what retrying cannot fix: 401, 403, 404 (a missing CRD), 400, an answer
  // past krayctl's limits (ErrorCode::bad_answer: a list without end, an
  // event too long or too deep).
  [[nodiscard]] Result<void> run(const std::function<void(const WatchEvent&)>& on_change,
                                 const std::function<void()>& synced,
                                 const std::atomic<bool>& stop);

  // From a callback of run(): run() returns after this event, as if
  // `stop` were set (a wait that has what it waited for).
  void finish() { m_finished = true; }
  // True while a (re)list reports its objects: objects() is then not yet
  // the whole collection.
  bool listing() const { return m_listing; }

  const ReflectorCounts& counts() const { return m_counts; }
  // The objects known now, by "namespace/name".
  const std::map<std::string, core::Json>& objects() const { return m_objects; }

 private:
  Result<void> relist(const std::function<void(const WatchEvent&)>& on_change);
  // One watch request; returns true when a relist is needed (410).
  Result<bool> watch_once(const std::function<void(const WatchEvent&)>& on_change,
                          const std::atomic<bool>& stop);
  void apply(Change change, core::Json object, const std::function<void(const WatchEvent&)>& cb);

  Client& m_client;
  Transport& m_transport;
  ReflectorOptions m_options;
  util::Clock& m_clock;
  std::map<std::string, core::Json> m_objects;
  std::string m_rv;  // the last resourceVersion seen (list, event, bookmark)
  ReflectorCounts m_counts;
  bool m_streamed_events = false;  // the last watch delivered something
  bool m_finished = false;
  bool m_listing = false;
  std::uint64_t m_random = 0x2545f4914f6cdd1dULL;
};

// "namespace/name" of an object ("name" when cluster-scoped).
std::string object_key(const core::Json& object);

}  // namespace kray::kube
