// SPDX-License-Identifier: Apache-2.0
// `krayctl status --watch`: one kube::Reflector per collection (RayClusters,
// RayJobs, RayServices, and worker Pods that are not Running, for the
// reasons), each on its own thread with its own connection (app/feeds.hpp); this thread
// keeps the objects, recomputes the rows on each change and shows what
// changed. No polling: after the first lists, only watch streams (each
// re-opened after the server's 5-10 minute timeout, a drop, or a 410).
#include "status_rows.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/app/feeds.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/kube/watch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>

namespace kray::app::detail {

namespace {

using core::Json;

struct Feed {
  std::string kind;  // RayCluster, RayJob, RayService, Pod
  kube::ReflectorOptions options;
};

std::string row_key(const core::WorkloadStatus& r) {
  return r.kind + "/" + r.ns + "/" + r.name;
}

const char* change_name(const std::optional<core::WorkloadStatus>& before, bool gone) {
  return gone ? "DELETED" : before ? "MODIFIED" : "ADDED";
}

// Lines of the table for `rows`, without its header, aligned as one table.
std::vector<std::string> table_lines(const std::vector<core::WorkloadStatus>& rows,
                                     bool all_namespaces,
                                     const std::string& now) {
  const std::string table = core::format_status_table(rows, all_namespaces, now);
  std::vector<std::string> lines;
  std::size_t start = table.find('\n') + 1;  // past the header
  while (start < table.size()) {
    const auto nl = table.find('\n', start);
    lines.push_back(table.substr(start, nl - start));
    start = nl == std::string::npos ? table.size() : nl + 1;
  }
  return lines;
}

// The collections watched in `ns` ("" for all): every KubeRay kind, and
// the worker Pods that are not Running (for the reasons).
std::vector<Feed> status_feeds(const std::string& ns) {
  std::vector<Feed> feeds;
  for (const auto& [kind, word] : ray_kinds()) {
    Feed f{kind, {}};
    f.options.path = kube::resource_path(*known_resource("ray.io/v1", kind), ns);
    feeds.push_back(f);
  }
  {
    Feed pods{"Pod", {}};
    pods.options.path = ns.empty() ? "/api/v1/pods" : "/api/v1/namespaces/" + ns + "/pods";
    pods.options.query = k_waiting_workers;
    feeds.push_back(pods);
  }
  return feeds;
}

// The events the sources handed over since the last batch, by feed, and
// whether every feed has listed once.
struct Batch {
  std::vector<std::pair<std::size_t, kube::WatchEvent>> events;  // feed, event
  bool all_synced = false;
};

// Waits for events, a failure or 200 ms (of real time: the sources wake
// it; the deadline, the stop flag and the redraw are read on deps.clock),
// whichever comes first; a source's failure ends the watch. Source i is
// feed i (started in order).
Result<Batch> next_batch(Feeds& feeds,
                         std::vector<bool>& synced,
                         const io::Clock& clock,
                         io::Clock::SteadyTime deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::min(deadline, clock.steady_now()));
  Batch batch;
  for (auto& item :
       feeds.next(std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(200)))) {
    switch (item.type) {
      case FeedItem::Type::event:
        batch.events.emplace_back(item.source, std::move(item.event));
        break;
      case FeedItem::Type::synced:
        synced[item.source] = true;
        break;
      case FeedItem::Type::ended:
        if (item.error) {
          return tl::unexpected(std::move(*item.error));
        }
        break;
      case FeedItem::Type::text:
        break;
    }
  }
  batch.all_synced = std::find(synced.begin(), synced.end(), false) == synced.end();
  return batch;
}

// The objects of each feed, by key, after the batch's events.
void apply_events(std::vector<std::map<std::string, Json>>& objects, Batch& batch) {
  for (auto& [feed, e] : batch.events) {
    const std::string key = kube::object_key(e.object);
    if (e.change == kube::Change::deleted) {
      objects[feed].erase(key);
    } else {
      objects[feed][key] = std::move(e.object);
    }
  }
}

// The rows, as `status` computes them, that the filter selects.
std::vector<core::WorkloadStatus> current_rows(
    const std::vector<Feed>& feeds,
    const std::vector<std::map<std::string, Json>>& objects,
    const StatusFilter& filter) {
  std::vector<core::WorkloadStatus> rows;
  WorkerReasons reasons;
  for (std::size_t f = 0; f < feeds.size(); ++f) {
    for (const auto& [key, object] : objects[f]) {
      if (feeds[f].kind == "Pod") {
        note_worker(reasons, object);
      } else {
        Json o = object;
        o["kind"] = feeds[f].kind;
        rows.push_back(core::workload_status(o));
      }
    }
  }
  explain(rows, reasons);
  std::erase_if(rows, [&](const core::WorkloadStatus& r) { return !filter.selects(r); });
  return rows;
}

// What the output already shows: the rows by key (lines and JSON only),
// whether anything was drawn, and when the terminal was last redrawn.
struct Shown {
  std::map<std::string, core::WorkloadStatus> rows;
  bool drawn = false;
  io::Clock::SteadyTime last_draw;
};

// The rows that changed since `shown`, each with its change (every row
// when nothing was drawn yet; a deleted object once, as "deleted"); `shown`
// then holds `rows`.
struct Changes {
  std::vector<core::WorkloadStatus> rows;
  std::vector<const char*> kinds;
};
Changes take_changes(Shown& shown, const std::vector<core::WorkloadStatus>& rows) {
  std::map<std::string, core::WorkloadStatus> current;
  for (const auto& r : rows) {
    current.emplace(row_key(r), r);
  }
  Changes changes;
  for (const auto& r : rows) {
    auto before = shown.rows.find(row_key(r));
    if (!shown.drawn || before == shown.rows.end() ||
        core::to_json(before->second) != core::to_json(r)) {
      changes.kinds.push_back(change_name(
          before == shown.rows.end() ? std::nullopt : std::optional(before->second), false));
      changes.rows.push_back(r);
    }
  }
  for (const auto& [key, r] : shown.rows) {
    if (current.count(key) == 0) {
      core::WorkloadStatus gone = r;
      gone.state = "deleted";
      gone.reason.clear();
      gone.healthy = false;
      changes.kinds.push_back("DELETED");
      changes.rows.push_back(gone);
    }
  }
  shown.rows = std::move(current);
  return changes;
}

// Where the watch writes: the console, one writer at a time (warnings
// come from the stream threads), flushed after each write.
struct Writer {
  io::Console& console;
  std::mutex& mu;
  void operator()(const std::string& text, bool redraw = false) const {
    std::lock_guard<std::mutex> lock(mu);
    if (redraw) {
      console.out_redraw(text);
    } else {
      console.out(text);
    }
    console.flush();
  }
};

// What each drawing needs: the options, the namespace shown, the time of
// this drawing and where to write.
struct Frame {
  const StatusOptions& options;
  const std::string& ns;
  const std::string& now;
  const Writer& write;
};

// A terminal: home, clear, the table: what `watch krayctl status` shows,
// from streams.
void draw_screen(const Frame& frame, const std::vector<core::WorkloadStatus>& rows, bool finished) {
  std::string screen =
      rows.empty() ? std::string("No KubeRay objects") + (frame.options.all_namespaces
                                                              ? " in any namespace.\n"
                                                              : " in namespace " + frame.ns + ".\n")
                   : core::format_status_table(rows, frame.options.all_namespaces, frame.now);
  screen += finished ? "\n" : "\n(watching; Ctrl-C to stop)\n";
  frame.write(screen, true);
}

// -o json: one object per changed row.
void print_json(const Frame& frame, const Changes& changes) {
  std::string text;
  for (std::size_t i = 0; i < changes.rows.size(); ++i) {
    text += Json{{"type", changes.kinds[i]},
                 {"time", frame.now},
                 {"row", core::to_json(changes.rows[i])}}
                .dump() +
            "\n";
  }
  if (!text.empty()) {
    frame.write(text);
  }
}

// A pipe (a CI log), where every line says when it was printed: the whole
// table first, then each row that changed, aligned with the rows now shown
// so that columns line up with the table printed first as long as widths
// allow.
void print_lines(const Frame& frame,
                 const std::vector<core::WorkloadStatus>& rows,
                 const Changes& changes,
                 bool first) {
  const std::string& now = frame.now;
  const bool all_namespaces = frame.options.all_namespaces;
  const auto stamped = [&](const std::vector<std::string>& lines, std::size_t from) {
    std::string text;
    for (std::size_t i = from; i < lines.size(); ++i) {
      text += now + "  " + lines[i] + "\n";
    }
    return text;
  };
  if (first) {
    const std::string table = core::format_status_table(rows, all_namespaces, now);
    frame.write(std::string("TIME") + std::string(now.size() - 2, ' ') +
                table.substr(0, table.find('\n') + 1) +
                stamped(table_lines(rows, all_namespaces, now), 0));
    return;
  }
  std::vector<core::WorkloadStatus> all = rows;
  all.insert(all.end(), changes.rows.begin(), changes.rows.end());
  const std::string text = stamped(table_lines(all, all_namespaces, now), rows.size());
  if (!text.empty()) {
    frame.write(text);
  }
}

// Shows `rows` as the output asks (a terminal's screen, JSON lines, or
// stamped lines) and notes what is now shown.
void show_rows(const Frame& frame,
               Shown& shown,
               const std::vector<core::WorkloadStatus>& rows,
               bool terminal,
               bool finished,
               const io::Clock& clock) {
  if (terminal) {
    draw_screen(frame, rows, finished);
    shown.drawn = true;
    shown.last_draw = clock.steady_now();
    return;
  }
  const Changes changes = take_changes(shown, rows);
  if (frame.options.output == "json") {
    print_json(frame, changes);
  } else {
    print_lines(frame, rows, changes, !shown.drawn);
  }
  shown.drawn = true;
}

// The drawing thread: applies the streams' events and redraws on each
// change (a terminal also every few seconds, for the AGE column) until
// stopped, the deadline, a stream's failure, or one object followed to its
// end (a finished RayJob ends the watch once shown).
Result<void> draw_until_done(const StatusOptions& options,
                             const StatusFilter& filter,
                             const Deps& deps,
                             const std::string& ns,
                             const std::vector<Feed>& feeds,
                             Feeds& sources,
                             const Writer& write) {
  const bool terminal = deps.console.out_terminal() && options.output == "table";
  const auto forever = io::Clock::SteadyTime::max();
  const auto deadline =
      options.watch_for.count() > 0 ? deps.clock.steady_now() + options.watch_for : forever;
  std::vector<std::map<std::string, Json>> objects(feeds.size());
  std::vector<core::WorkloadStatus> last_rows;  // for the exit status
  Shown shown;
  shown.last_draw = deps.clock.steady_now();
  std::vector<bool> synced(feeds.size(), false);
  for (;;) {
    KRAY_TRY_ASSIGN(auto batch, next_batch(sources, synced, deps.clock, deadline));
    if ((options.stop != nullptr && options.stop->load()) || deps.clock.steady_now() >= deadline) {
      return status_result(last_rows);
    }
    apply_events(objects, batch);
    const bool stale =
        terminal && deps.clock.steady_now() - shown.last_draw > std::chrono::seconds(5);
    if (!batch.all_synced || (batch.events.empty() && !stale && shown.drawn)) {
      continue;
    }
    const std::vector<core::WorkloadStatus> rows = current_rows(feeds, objects, filter);
    last_rows = rows;
    const bool finished = !filter.name.empty() && rows.size() == 1 && rows.front().finished;
    const std::string now = io::now_rfc3339(deps.clock);
    show_rows(Frame{options, ns, now, write}, shown, rows, terminal, finished, deps.clock);
    if (finished) {
      return status_result(rows);
    }
  }
}

}  // namespace

Result<void> watch_status(const StatusOptions& options,
                          const StatusFilter& filter,
                          const Deps& deps,
                          const kube::ResolvedConfig& resolved) {
  if (options.output == "yaml") {
    return make_error(ErrorCode::usage,
                      "--watch prints a table, or with -o json one JSON object per line; "
                      "-o yaml cannot be streamed");
  }
  // One object is followed in its namespace. Every kind is watched even
  // then: the rows are computed as the table computes them (a RayJob's
  // reason from its cluster and that cluster's Pods), then filtered.
  const std::string ns = options.all_namespaces && filter.name.empty() ? "" : resolved.namespace_;
  const std::vector<Feed> feeds = status_feeds(ns);
  KRAY_TRY_ASSIGN(auto connection, make_connection(deps, resolved, options.kubeconfig.verbosity,
                                                   deadline_after(deps, options.watch_for)));

  Feeds sources(deps, std::move(connection), options.transport, identity_of(resolved));
  for (const auto& feed : feeds) {
    sources.watch(feed.options);
  }
  return draw_until_done(options, filter, deps, ns, feeds, sources,
                         Writer{deps.console, sources.console_mutex()});
}

}  // namespace kray::app::detail
