// SPDX-License-Identifier: Apache-2.0
// What a command that follows several things at once reads from one place:
// kube::Reflectors over collections and followed container logs, each on
// its own thread with its own connection (one libcurl handle each), their
// news handed to the command's thread through one queue. `status --watch`
// follows every KubeRay kind; `submit` follows its RayJob, that job's
// Pods, and the submitter's log. Sources come and go while it runs (a
// retried RayJob gets a new cluster, hence a new Pod watch).
#pragma once

#include <krayctl/app/connection.hpp>
#include <krayctl/app/deps.hpp>
#include <krayctl/kube/operations.hpp>
#include <krayctl/kube/watch.hpp>
#include <krayctl/util/error.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kray::app {

using SourceId = std::size_t;

struct FeedItem {
  enum class Type {
    event,   // a change a watch brought (`event`)
    synced,  // a watch's list (first or after a 410) is complete
    text,    // a followed log's text, as it arrived (`text`)
    ended,   // a source ended: a log reached its end (`error` empty) or a
             // source failed for good (`error`: a watch's 401/403/404, a log's refusal)
  };
  Type type = Type::event;
  SourceId source = 0;
  kube::WatchEvent event;
  std::string text;
  std::optional<Error> error;
};

class Feeds {
 public:
  // `connection` and `factory` build each source's transport; warnings go
  // to stderr under console_mutex().
  Feeds(const Deps& deps,
        kube::Connection connection,
        TransportFactory factory,
        std::string identity);
  // Stops every source and joins its thread.
  ~Feeds();
  Feeds(const Feeds&) = delete;
  Feeds& operator=(const Feeds&) = delete;

  // Starts a Reflector over `collection`: `event` items for each object
  // listed and each change, `synced` after each (re)list, `ended` with an
  // error when it fails for good.
  SourceId watch(const kube::ReflectorOptions& collection);
  // Follows one container's log (`options.follow` is set): `text` items,
  // then `ended` (empty error: the container stopped, or the server ended
  // the stream).
  SourceId follow_log(const std::string& ns, const std::string& pod, kube::LogOptions options);
  // Runs `body` on a thread of its own with a client (and its transport)
  // of its own: it hands text over with `emit` until `stop` is set (then
  // it returns); `ended` follows when it returns (with its error, if any).
  // What follow_log runs, and what must be polled (a Ray job's log
  // through the dashboard).
  using Emit = std::function<void(std::string)>;
  using Task = std::function<Result<void>(kube::Client& client,
                                          kube::Transport& transport,
                                          const Emit& emit,
                                          const std::atomic<bool>& stop)>;
  SourceId run(Task body);
  // Stops one source; nothing more comes from it (what it queued already
  // is dropped). Its thread is joined by the destructor.
  void stop(SourceId source);

  // What arrived since the last call, waiting up to `wait` (real time: the
  // sources wake it) when nothing has.
  std::vector<FeedItem> next(std::chrono::milliseconds wait);

  // Held while writing to the console from the command's thread, since
  // sources write warnings from theirs.
  std::mutex& console_mutex() { return m_console_mu; }

 private:
  struct Source {
    std::atomic<bool> stop{false};
    std::thread thread;
    kube::Transport* transport = nullptr;  // while the thread has one (under m_mu)
  };
  // The source's transport, known to stop() while the thread uses it.
  class Lease;
  SourceId start(const std::function<void(Source&, SourceId)>& body);
  void push(FeedItem item);
  std::unique_ptr<kube::Transport> transport();
  kube::Client::Warn warn();

  const Deps& m_deps;
  kube::Connection m_connection;
  TransportFactory m_factory;
  std::string m_identity;
  std::mutex m_console_mu;
  std::mutex m_mu;
  std::condition_variable m_changed;
  std::vector<FeedItem> m_pending;
  std::map<SourceId, std::unique_ptr<Source>> m_sources;
  SourceId m_next = 0;
};

}  // namespace kray::app
