// SPDX-License-Identifier: Apache-2.0
// `krayctl status --watch`: one kube::Reflector per collection (RayClusters,
// RayJobs, RayServices, and worker Pods that are not Running, for the
// reasons), each on its own thread with its own connection; this thread
// keeps the objects, recomputes the rows on each change and shows what
// changed. No polling: after the first lists, only watch streams (each
// re-opened after the server's 5-10 minute timeout, a drop, or a 410).
#include "status_rows.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/kube/watch.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace kray::app::detail {

namespace {

using core::Json;

struct Feed {
  std::string kind;  // RayCluster, RayJob, RayService, Pod
  kube::ReflectorOptions options;
};

// What the stream threads hand to the drawing thread.
struct Hub {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::pair<std::size_t, kube::WatchEvent>> pending;  // feed, event
  std::vector<bool> synced;
  std::optional<Error> failed;
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
  KRAY_TRY_ASSIGN(auto connection, make_connection(deps, resolved, options.kubeconfig.verbosity,
                                                   deadline_after(deps, options.watch_for)));

  Hub hub;
  hub.synced.assign(feeds.size(), false);
  std::mutex console_mu;  // warnings come from the stream threads
  std::atomic<bool> stop{false};
  const std::string identity = identity_of(resolved);
  std::vector<std::thread> threads;
  struct Joiner {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~Joiner() {
      stop = true;
      for (auto& t : threads) {
        t.join();
      }
    }
  } joiner{stop, threads};
  for (std::size_t i = 0; i < feeds.size(); ++i) {
    threads.emplace_back([&, i] {
      auto transport =
          options.transport ? options.transport(connection) : kube::make_curl_transport(connection);
      kube::Client client(
          *transport, deps.clock,
          [&](const std::string& w) {
            std::lock_guard<std::mutex> lock(console_mu);
            deps.console.err("Warning: " + w + "\n");
          },
          kube::RetryPolicy{}, identity, &stop);
      kube::Reflector reflector(client, *transport, feeds[i].options, deps.clock);
      auto ran = reflector.run(
          [&](const kube::WatchEvent& e) {
            std::lock_guard<std::mutex> lock(hub.mu);
            hub.pending.emplace_back(i, e);
            hub.changed.notify_one();
          },
          [&] {
            std::lock_guard<std::mutex> lock(hub.mu);
            hub.synced[i] = true;
            hub.changed.notify_one();
          },
          stop);
      if (!ran) {
        std::lock_guard<std::mutex> lock(hub.mu);
        if (!hub.failed) {
          hub.failed = std::move(ran).error();
        }
        hub.changed.notify_one();
      }
    });
  }

  const bool terminal = deps.console.out_terminal() && options.output == "table";
  const auto forever = io::Clock::SteadyTime::max();
  const auto deadline =
      options.watch_for.count() > 0 ? deps.clock.steady_now() + options.watch_for : forever;
  std::vector<std::map<std::string, Json>> objects(feeds.size());
  std::map<std::string, core::WorkloadStatus> shown;
  std::vector<core::WorkloadStatus> last_rows;  // for the exit status
  bool drawn = false;
  auto last_draw = deps.clock.steady_now();
  auto write = [&](const std::string& text, bool redraw = false) {
    std::lock_guard<std::mutex> lock(console_mu);
    if (redraw) {
      deps.console.out_redraw(text);
    } else {
      deps.console.out(text);
    }
    deps.console.flush();
  };
  for (;;) {
    bool all_synced = false;
    std::vector<std::pair<std::size_t, kube::WatchEvent>> batch;
    {
      std::unique_lock<std::mutex> lock(hub.mu);
      // At most 200 ms (of real time: the stream threads wake it): the
      // deadline, the stop flag and the redraw are read on deps.clock.
      const auto left = deadline - deps.clock.steady_now();
      hub.changed.wait_for(
          lock,
          std::clamp<std::chrono::steady_clock::duration>(left, {}, std::chrono::milliseconds(200)),
          [&] { return !hub.pending.empty() || hub.failed; });
      if (hub.failed) {
        return tl::unexpected(*hub.failed);
      }
      batch.swap(hub.pending);
      all_synced = std::find(hub.synced.begin(), hub.synced.end(), false) == hub.synced.end();
    }
    if ((options.stop != nullptr && options.stop->load()) || deps.clock.steady_now() >= deadline) {
      return status_result(last_rows);
    }
    for (auto& [feed, e] : batch) {
      const std::string key = kube::object_key(e.object);
      if (e.change == kube::Change::deleted) {
        objects[feed].erase(key);
      } else {
        objects[feed][key] = std::move(e.object);
      }
    }
    // A terminal also redraws every few seconds, for the AGE column.
    const bool stale = terminal && deps.clock.steady_now() - last_draw > std::chrono::seconds(5);
    if (!all_synced || (batch.empty() && !stale && drawn)) {
      continue;
    }
    // The rows, as `status` computes them.
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
    last_rows = rows;
    // One object followed to its end: a finished RayJob ends the watch
    // once shown.
    const bool finished = !filter.name.empty() && rows.size() == 1 && rows.front().finished;
    const std::string now = now_rfc3339(deps.clock);
    if (terminal) {
      // Home, clear, the table: what `watch krayctl status` shows, from streams.
      std::string screen = rows.empty()
                               ? std::string("No KubeRay objects") +
                                     (options.all_namespaces ? " in any namespace.\n"
                                                             : " in namespace " + ns + ".\n")
                               : core::format_status_table(rows, options.all_namespaces, now);
      screen += finished ? "\n" : "\n(watching; Ctrl-C to stop)\n";
      write(screen, true);
      drawn = true;
      last_draw = deps.clock.steady_now();
      if (finished) {
        return status_result(rows);
      }
      continue;
    }
    // Lines: the whole table first, then each row that changed (a deleted
    // object once, as "deleted").
    std::map<std::string, core::WorkloadStatus> current;
    for (const auto& r : rows) {
      current.emplace(row_key(r), r);
    }
    std::vector<core::WorkloadStatus> changed;
    std::vector<const char*> kinds;
    for (const auto& r : rows) {
      auto before = shown.find(row_key(r));
      if (!drawn || before == shown.end() || core::to_json(before->second) != core::to_json(r)) {
        kinds.push_back(change_name(
            before == shown.end() ? std::nullopt : std::optional(before->second), false));
        changed.push_back(r);
      }
    }
    for (const auto& [key, r] : shown) {
      if (current.count(key) == 0) {
        core::WorkloadStatus gone = r;
        gone.state = "deleted";
        gone.reason.clear();
        gone.healthy = false;
        kinds.push_back("DELETED");
        changed.push_back(gone);
      }
    }
    shown = std::move(current);
    if (options.output == "json") {
      std::string text;
      for (std::size_t i = 0; i < changed.size(); ++i) {
        text += Json{{"type", kinds[i]}, {"time", now}, {"row", core::to_json(changed[i])}}.dump() +
                "\n";
      }
      if (!text.empty()) {
        write(text);
      }
      drawn = true;
      if (finished) {
        return status_result(rows);
      }
      continue;
    }
    // A pipe (a CI log): every line says when it was printed.
    const auto stamped = [&](const std::vector<std::string>& lines, std::size_t from) {
      std::string text;
      for (std::size_t i = from; i < lines.size(); ++i) {
        text += now + "  " + lines[i] + "\n";
      }
      return text;
    };
    if (!drawn) {
      const std::string table = core::format_status_table(rows, options.all_namespaces, now);
      write(std::string("TIME") + std::string(now.size() - 2, ' ') +
            table.substr(0, table.find('\n') + 1) +
            stamped(table_lines(rows, options.all_namespaces, now), 0));
      drawn = true;
      if (finished) {
        return status_result(rows);
      }
      continue;
    }
    // Aligned with the rows now shown, so that columns line up with the
    // table printed first as long as widths allow.
    std::vector<core::WorkloadStatus> all = rows;
    all.insert(all.end(), changed.begin(), changed.end());
    const std::string text = stamped(table_lines(all, options.all_namespaces, now), rows.size());
    if (!text.empty()) {
      write(text);
    }
    if (finished) {
      return status_result(rows);
    }
  }
}

}  // namespace kray::app::detail
