// A journal in memory for scheduler tests (master/journal.h): it keeps what it is told as the
// SQLite journal would, and lets a test make writes fail ("could not journal") or hold them
// uncommitted (the window between a decision and its commit). Like the real one, it commits on
// a thread of its own, in the order writes were queued, and never runs a callback inside the
// call that queued the write.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "journal.h"

namespace polyrun::test {

class FakeJournal final : public master::Journal {
 public:
  FakeJournal();
  /// Releases held writes and commits what is queued, then stops its thread.
  ~FakeJournal() override;
  FakeJournal(const FakeJournal&) = delete;
  FakeJournal& operator=(const FakeJournal&) = delete;

  std::vector<Accepted> unfinished() override;
  void accepted(Accepted job, Done done) override;
  void finished(std::string job_id, Outcome outcome, Done done) override;
  std::optional<Outcome> lookup(const std::string& job_id) override;
  /// Waits until every write queued before the call is done; release() held writes first.
  void flush() override;

  /// Writes of acceptances (of outcomes) queued from now on fail with `error` and are not
  /// kept; an empty `error` makes them succeed again.
  void failAccepted(std::string error);
  void failFinished(std::string error);
  /// From now on nothing is committed until release().
  void hold();
  void release();
  /// Writes queued and not done yet.
  size_t pending() const;
  /// A job the journal holds as accepted and unfinished, as if from before a restart.
  void seedUnfinished(Accepted job);

 private:
  struct Write {
    bool accepted = false;  // else finished
    Accepted job;           // accepted
    std::string job_id;     // finished
    Outcome outcome;        // finished
    std::string error;      // set: the write fails with it
    Done done;
  };
  void queue(Write write);
  void run();

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable changed_;
  std::deque<Write> queue_;
  std::string accepted_error_, finished_error_;
  bool held_ = false;
  bool stopping_ = false;
  uint64_t queued_ = 0, done_ = 0;
  std::vector<Accepted> unfinished_;  // in acceptance order
  std::set<std::string> known_;       // accepted, as the SQLite journal has a row for them
  std::map<std::string, Outcome> outcomes_;
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace polyrun::test
