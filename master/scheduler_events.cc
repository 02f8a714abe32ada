// The scheduler's events (events.h): what its decisions publish. Apart from scheduler.cc so that
// the decisions read without them.
#include <algorithm>
#include <set>

#include "scheduler.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

std::string languageList(const std::vector<RunnerInfo>& languages) {
  std::string list;
  for (const auto& l : languages) list += (list.empty() ? "" : ", ") + l.language;
  return list.empty() ? std::string("none") : list;
}

}  // namespace

void Scheduler::pluginEvents(const std::string& slave, const json& before, const json& plugins,
                             Effects& fx) {
  // A refusal already reported (same library, same problem) is not reported again.
  std::set<std::pair<std::string, std::string>> known;
  auto refusal = [](const json& p) -> std::optional<std::pair<std::string, std::string>> {
    if (!p.is_object() || p.value("ready", true)) return std::nullopt;
    const auto problem = p.find("problem");
    if (problem == p.end() || !problem->is_string() || problem->get<std::string>().empty())
      return std::nullopt;
    const auto library = p.find("library");
    return std::pair(library != p.end() && library->is_string() ? library->get<std::string>() : "",
                     problem->get<std::string>());
  };
  if (before.is_array())
    for (const auto& p : before)
      if (auto r = refusal(p)) known.insert(*r);
  if (!plugins.is_array()) return;
  for (const auto& p : plugins) {
    const auto r = refusal(p);
    if (!r || known.count(*r)) continue;
    const auto language = p.find("language");
    const std::string name =
        language != p.end() && language->is_string() ? language->get<std::string>() : std::string();
    Event e = makeEvent(EventLevel::kError, event_kind::kLanguageRefused,
                        "slave " + slave + " refused " + (name.empty() ? "a plugin" : name) + " (" +
                            (r->first.empty() ? std::string("?") : r->first) + "): " + r->second);
    e.slave = slave;
    e.language = name;
    fx.events.push_back(std::move(e));
  }
}

void Scheduler::languageEvents(const std::string& slave, const std::vector<RunnerInfo>& before,
                               const std::vector<RunnerInfo>& after, Effects& fx) {
  auto has = [](const std::vector<RunnerInfo>& list, const std::string& language) {
    return std::any_of(list.begin(), list.end(),
                       [&](const RunnerInfo& r) { return r.language == language; });
  };
  for (const auto& r : after) {
    if (has(before, r.language)) continue;
    Event e = makeEvent(EventLevel::kInfo, event_kind::kLanguageAdded,
                        "slave " + slave + " now offers " + r.language + " " + r.version);
    e.slave = slave;
    e.language = r.language;
    fx.events.push_back(std::move(e));
  }
  for (const auto& r : before) {
    if (has(after, r.language)) continue;
    Event e = makeEvent(EventLevel::kWarning, event_kind::kLanguageRetired,
                        "slave " + slave + " no longer offers " + r.language);
    e.slave = slave;
    e.language = r.language;
    fx.events.push_back(std::move(e));
  }
}

void Scheduler::slaveJoinedEventLocked(const std::string& name, const SlaveRegistration& reg,
                                       Effects& fx) {
  const bool back = lost_slaves_.erase(name) > 0;
  Event e = makeEvent(EventLevel::kInfo, back ? event_kind::kSlaveBack : event_kind::kSlaveJoined,
                      "slave " + name + (back ? " is back" : " joined") + " with " +
                          std::to_string(std::max(reg.capacity, 0)) + " slots and " +
                          languageList(reg.languages) + (reg.draining ? " (draining)" : ""));
  e.slave = name;
  fx.events.push_back(std::move(e));
  pluginEvents(name, json(), reg.plugins, fx);
}

void Scheduler::slaveLostEventLocked(const std::string& name, const std::string& reason,
                                     size_t orphans, Effects& fx) {
  // A master that stops closes its slaves itself: not worth a warning.
  const bool stopping = shutting_down_ || shut_down_;
  if (!stopping) lost_slaves_.insert(name);
  Event e = makeEvent(stopping ? EventLevel::kInfo : EventLevel::kWarning, event_kind::kSlaveLost,
                      "slave " + name + " is gone: " + reason + "; " + std::to_string(orphans) +
                          " of its jobs go back to the queue");
  e.slave = name;
  fx.events.push_back(std::move(e));
}

void Scheduler::queueFullEventLocked(const std::string& language, Effects& fx) {
  if (!full_queues_.insert(language).second) return;  // reported since it last had room
  Event e =
      makeEvent(EventLevel::kWarning, event_kind::kQueueFull,
                "the queue for " + language + " is full (" + std::to_string(config_.queue_max) +
                    " jobs, master.queue.max): new jobs are refused until it has room; add "
                    "slaves or raise master.queue.max");
  e.language = language;
  fx.events.push_back(std::move(e));
}

}  // namespace polyrun::master
