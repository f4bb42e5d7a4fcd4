// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/feeds.hpp>

#include <krayctl/io/console.hpp>

#include <algorithm>

namespace kray::app {

Feeds::Feeds(const Deps& deps,
             kube::Connection connection,
             TransportFactory factory,
             std::string identity)
    : m_deps(deps),
      m_connection(std::move(connection)),
      m_factory(std::move(factory)),
      m_identity(std::move(identity)) {}

// Makes a source's transport known to stop() and the destructor while
// its thread uses it, so that they can end a quiet stream at once.
class Feeds::Lease {
 public:
  Lease(Feeds& feeds, Source& source, kube::Transport& transport)
      : m_feeds(feeds), m_source(source) {
    std::lock_guard<std::mutex> lock(m_feeds.m_mu);
    m_source.transport = &transport;
  }
  ~Lease() {
    std::lock_guard<std::mutex> lock(m_feeds.m_mu);
    m_source.transport = nullptr;
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

 private:
  Feeds& m_feeds;
  Source& m_source;
};

Feeds::~Feeds() {
  std::map<SourceId, std::unique_ptr<Source>> sources;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    for (auto& [id, s] : m_sources) {
      s->stop = true;
      if (s->transport != nullptr) {
        s->transport->interrupt();
      }
    }
    sources.swap(m_sources);
  }
  for (auto& [id, s] : sources) {
    if (s->thread.joinable()) {
      s->thread.join();
    }
  }
}

std::unique_ptr<kube::Transport> Feeds::transport() {
  return m_factory ? m_factory(m_connection) : kube::make_curl_transport(m_connection);
}

kube::Client::Warn Feeds::warn() {
  return [this](const std::string& w) {
    std::lock_guard<std::mutex> lock(m_console_mu);
    m_deps.console.err("Warning: " + w + "\n");
  };
}

void Feeds::push(FeedItem item) {
  std::lock_guard<std::mutex> lock(m_mu);
  auto it = m_sources.find(item.source);
  if (it == m_sources.end() || it->second->stop) {
    return;  // stopped: nothing more from it
  }
  m_pending.push_back(std::move(item));
  m_changed.notify_one();
}

SourceId Feeds::start(const std::function<void(Source&, SourceId)>& body) {
  std::lock_guard<std::mutex> lock(m_mu);
  const SourceId id = m_next++;
  auto source = std::make_unique<Source>();
  Source& s = *source;
  m_sources.emplace(id, std::move(source));
  s.thread = std::thread([body, &s, id] { body(s, id); });
  return id;
}

SourceId Feeds::watch(const kube::ReflectorOptions& collection) {
  return start([this, collection](Source& s, SourceId id) {
    auto t = transport();
    const Lease lease(*this, s, *t);
    kube::Client client(*t, m_deps.clock, warn(), kube::RetryPolicy{}, m_identity, &s.stop);
    kube::Reflector reflector(client, *t, collection, m_deps.clock);
    auto ran = reflector.run(
        [&](const kube::WatchEvent& e) {
          FeedItem item;
          item.type = FeedItem::Type::event;
          item.source = id;
          item.event = e;
          push(std::move(item));
        },
        [&] {
          FeedItem item;
          item.type = FeedItem::Type::synced;
          item.source = id;
          push(std::move(item));
        },
        s.stop);
    if (!ran) {
      FeedItem item;
      item.type = FeedItem::Type::ended;
      item.source = id;
      item.error = std::move(ran).error();
      push(std::move(item));
    }
  });
}

SourceId Feeds::follow_log(const std::string& ns,
                           const std::string& pod,
                           kube::LogOptions options) {
  options.follow = true;
  return run([ns, pod, options](kube::Client& client, kube::Transport& transport, const Emit& emit,
                                const std::atomic<bool>& stop) {
    return kube::read_log(
        client, transport, ns, pod, options,
        [&](std::string_view text) {
          emit(std::string(text));
          return !stop.load();
        },
        &stop);
  });
}

SourceId Feeds::run(Task body) {
  return start([this, body = std::move(body)](Source& s, SourceId id) {
    auto t = transport();
    const Lease lease(*this, s, *t);
    kube::Client client(*t, m_deps.clock, warn(), kube::RetryPolicy{}, m_identity, &s.stop);
    auto done = body(
        client, *t,
        [&](std::string text) {
          FeedItem item;
          item.type = FeedItem::Type::text;
          item.source = id;
          item.text = std::move(text);
          push(std::move(item));
        },
        s.stop);
    FeedItem item;
    item.type = FeedItem::Type::ended;
    item.source = id;
    if (!done) {
      item.error = std::move(done).error();
    }
    push(std::move(item));
  });
}

void Feeds::stop(SourceId source) {
  std::lock_guard<std::mutex> lock(m_mu);
  auto it = m_sources.find(source);
  if (it != m_sources.end()) {
    it->second->stop = true;
    if (it->second->transport != nullptr) {
      it->second->transport->interrupt();
    }
  }
  std::erase_if(m_pending, [&](const FeedItem& i) { return i.source == source; });
}

std::vector<FeedItem> Feeds::next(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(m_mu);
  m_changed.wait_for(lock, wait, [&] { return !m_pending.empty(); });
  std::vector<FeedItem> items;
  items.swap(m_pending);
  return items;
}

}  // namespace kray::app
