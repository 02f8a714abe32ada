// The cluster's events: EventLog's ring, ids, backlog and bounded subscribers; the native feed's
// backpressure; and the events the scheduler publishes for what it decides (fake peers).
#include "events.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "event_feed.h"
#include "polyrun/protocol.h"
#include "scheduler.h"
#include "support/fake_peer.h"

namespace polyrun::master {
namespace {
using nlohmann::json;
using std::chrono::milliseconds;
using test::FakePeer;

Event info(const std::string& message) {
  return makeEvent(EventLevel::kInfo, event_kind::kSlaveJoined, message);
}

std::vector<uint64_t> ids(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const Event& e : events) out.push_back(e.id);
  return out;
}

TEST(EventLogTest, NumbersFromOneAndKeepsTheLastN) {
  EventLog log(3);
  EXPECT_EQ(log.newestId(), 0u);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(log.publish(info("e" + std::to_string(i))), uint64_t(i));
  EXPECT_EQ(log.newestId(), 5u);
  const auto kept = log.backlog(0);
  EXPECT_EQ(ids(kept), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(kept.back().message, "e5");
  EXPECT_GT(kept.back().time_ms, 1600000000000);
}

TEST(EventLogTest, BacklogAfterAnIdHasExactlyTheLaterOnes) {
  EventLog log(10);
  for (int i = 0; i < 6; ++i) log.publish(info("x"));
  EXPECT_EQ(ids(log.backlog(4)), (std::vector<uint64_t>{5, 6}));
  EXPECT_TRUE(log.backlog(6).empty());
  // An id from before a restart of the master, above the newest: from now on.
  EXPECT_TRUE(log.backlog(1000).empty());
}

TEST(EventLogTest, SubscriberGetsTheBacklogThenLiveEvents) {
  EventLog log(10);
  log.publish(info("a"));
  log.publish(info("b"));
  int notified = 0;
  auto sub = log.subscribe(1, [&] { ++notified; });
  EXPECT_EQ(ids(sub->take().events), (std::vector<uint64_t>{2}));
  log.publish(info("c"));
  EXPECT_EQ(notified, 1);
  const auto batch = sub->wait(std::chrono::steady_clock::now() + milliseconds(1));
  EXPECT_EQ(ids(batch.events), (std::vector<uint64_t>{3}));
  EXPECT_FALSE(batch.closed);
}

TEST(EventLogTest, SlowSubscriberIsBoundedAndToldWhatItMissed) {
  EventLog log(1000, 4);
  auto slow = log.subscribe(0);
  auto fast = log.subscribe(0);
  for (int i = 0; i < 100; ++i) {
    log.publish(info("x"));
    fast->take();
  }
  const auto batch = slow->take();
  // Four events, then one marker for the 96 it could not hold: never more than capacity + 1.
  ASSERT_EQ(batch.events.size(), 5u);
  EXPECT_EQ(ids({batch.events.begin(), batch.events.begin() + 4}),
            (std::vector<uint64_t>{1, 2, 3, 4}));
  const Event& dropped = batch.events.back();
  EXPECT_EQ(dropped.kind, event_kind::kEventsDropped);
  EXPECT_EQ(dropped.id, 0u);
  EXPECT_EQ(dropped.dropped_from, 5u);
  EXPECT_EQ(dropped.dropped_to, 100u);
  EXPECT_NE(dropped.message.find("after 4"), std::string::npos) << dropped.message;
  // Once it takes them it gets live events again, in order.
  log.publish(info("y"));
  EXPECT_EQ(ids(slow->take().events), (std::vector<uint64_t>{101}));
}

TEST(EventLogTest, PublishDoesNotWaitForASubscriberThatNeverTakes) {
  EventLog log(10, 8);
  auto stuck = log.subscribe(0);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100000; ++i) log.publish(info("x"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(stuck->take().events.size(), 9u);
  EXPECT_EQ(log.backlog(0).size(), 10u);
}

TEST(EventLogTest, CloseWakesWaitersAndClosesNewSubscriptions) {
  EventLog log;
  log.publish(info("a"));
  auto sub = log.subscribe(1);
  std::atomic<bool> closed{false};
  std::thread waiter([&] {
    closed = sub->wait(std::chrono::steady_clock::now() + std::chrono::seconds(30)).closed;
  });
  log.close();
  waiter.join();
  EXPECT_TRUE(closed);
  auto late = log.subscribe(0);
  EXPECT_EQ(late->take().events.size(), 1u);  // its backlog first
  EXPECT_TRUE(late->take().closed);
}

TEST(EventLogTest, CancelledSubscriptionGetsNothingMore) {
  EventLog log;
  auto sub = log.subscribe(0);
  sub->cancel();
  log.publish(info("a"));
  EXPECT_TRUE(sub->take().events.empty());
}

TEST(EventJsonTest, JobIdsAndAddressesOnlyForThoseWhoMaySeeThem) {
  Event e = makeEvent(EventLevel::kWarning, event_kind::kJobRequeued, "requeued");
  e.id = 7;
  e.time_ms = 1796670783123;
  e.job_id = "j-1";
  e.owner = "client-aa";
  e.client = "10.0.0.7:5000";
  const ClientIdentity owner{"client-aa", false};
  const ClientIdentity other{"client-bb", false};
  const ClientIdentity op{"operator-cc", true};
  EXPECT_EQ(eventJson(e, owner, OtherJobs::kNone).value("job_id", ""), "j-1");
  EXPECT_FALSE(eventJson(e, other, OtherJobs::kNone).contains("job_id"));
  EXPECT_FALSE(eventJson(e, other, OtherJobs::kSummary).contains("job_id"));
  EXPECT_EQ(eventJson(e, other, OtherJobs::kAll).value("job_id", ""), "j-1");
  EXPECT_EQ(eventJson(e, op, OtherJobs::kNone).value("job_id", ""), "j-1");
  EXPECT_FALSE(eventJson(e, owner, OtherJobs::kAll).contains("client"));
  const json seen = eventJson(e, op, OtherJobs::kNone);
  EXPECT_EQ(seen.value("client", ""), "10.0.0.7:5000");
  EXPECT_EQ(seen.value("level", ""), "warning");
  EXPECT_EQ(seen.value("kind", ""), "job_requeued");
  EXPECT_EQ(seen.value("time", ""), "2026-12-07T19:13:03.123Z");
  EXPECT_EQ(seen.value("id", 0), 7);
}

// A peer whose unsent output the test sets, as a client that stops reading has.
class SlowPeer final : public Peer {
 public:
  void send(const json& message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    sent_.push_back(message);
  }
  void close() override {}
  std::string address() const override { return "slow:1"; }
  size_t backlogBytes() const override { return unsent_; }
  std::vector<json> sent() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }
  std::atomic<size_t> unsent_{0};

 private:
  std::mutex mutex_;
  std::vector<json> sent_;
};

TEST(EventFeedTest, SendsSubscribedThenEventsInOrder) {
  EventLog log;
  log.publish(info("before"));
  auto peer = std::make_shared<SlowPeer>();
  auto feed = EventFeed::start(log, 0, peer, "s1", ClientIdentity{}, OtherJobs::kNone);
  log.publish(info("after"));
  const auto sent = peer->sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].value("type", ""), msg::kSubscribed);
  EXPECT_EQ(sent[0].value("id", ""), "s1");
  EXPECT_EQ(sent[0].value("newest", 0), 1);
  EXPECT_EQ(sent[1]["event"].value("message", ""), "before");
  EXPECT_EQ(sent[2].value("type", ""), msg::kEvent);
  EXPECT_EQ(sent[2]["event"].value("id", 0), 2);
  feed->stop();
  log.publish(info("stopped"));
  EXPECT_EQ(peer->sent().size(), 3u);
}

TEST(EventFeedTest, AClientThatStopsReadingGetsNoMoreThanItsQueue) {
  EventLog log(1000, 16);
  auto peer = std::make_shared<SlowPeer>();
  auto feed = EventFeed::start(log, 0, peer, 1, ClientIdentity{}, OtherJobs::kNone);
  peer->unsent_ = EventFeed::kMaxUnsentBytes + 1;  // its connection is that far behind
  for (int i = 0; i < 5000; ++i) log.publish(info("x"));
  EXPECT_EQ(peer->sent().size(), 1u);  // `subscribed` only: nothing more was queued for it
  peer->unsent_ = 0;                   // it reads again
  feed->pump();
  const auto sent = peer->sent();
  ASSERT_EQ(sent.size(), 1u + 16 + 1);
  EXPECT_EQ(sent.back()["event"].value("kind", ""), "events_dropped");
  EXPECT_EQ(sent.back()["event"].value("from", 0), 17);
  EXPECT_EQ(sent.back()["event"].value("to", 0), 5000);
}

// --- What the scheduler publishes ----------------------------------------------------------

RunnerInfo lang(const std::string& name) {
  RunnerInfo info;
  info.language = name;
  info.version = "1.0";
  return info;
}

SchedulerConfig config() {
  SchedulerConfig c;
  c.defaults.run = {5000, 5000, 1 << 28};
  c.defaults.compile = {15000, 15000, 1 << 28};
  c.defaults.output_bytes = 1 << 20;
  c.defaults.processes = 64;
  c.maxima = c.defaults;
  c.queue_max = 2;
  return c;
}

SlaveRegistration slave(const std::string& name, std::vector<RunnerInfo> languages) {
  SlaveRegistration r;
  r.name = name;
  r.capacity = 1;
  r.languages = std::move(languages);
  return r;
}

std::vector<std::string> kinds(EventLog& log, uint64_t after = 0) {
  std::vector<std::string> out;
  for (const Event& e : log.backlog(after)) out.push_back(e.kind);
  return out;
}

Job job(const std::string& language) {
  Job j;
  j.language = language;
  j.files.push_back({"main", "x", Encoding::kUtf8});
  return j;
}

TEST(SchedulerEventsTest, SlavesJoinDrainLeaveAndComeBack) {
  EventLog log;
  Scheduler s(config(), nullptr, &log);
  const int id = s.addSlave(std::make_shared<FakePeer>(), slave("a", {lang("python")}));
  s.slaveDrain(id);
  s.removeSlave(id, "heartbeat timeout");
  s.addSlave(std::make_shared<FakePeer>(), slave("a", {lang("python")}));
  EXPECT_EQ(kinds(log), (std::vector<std::string>{"slave_joined", "slave_draining", "slave_lost",
                                                  "slave_back"}));
  const auto events = log.backlog(0);
  EXPECT_EQ(events[2].slave, "a");
  EXPECT_EQ(events[2].level, EventLevel::kWarning);
  EXPECT_NE(events[2].message.find("heartbeat timeout"), std::string::npos);
}

TEST(SchedulerEventsTest, LanguagesAddedRetiredAndRefused) {
  EventLog log;
  Scheduler s(config(), nullptr, &log);
  const int id = s.addSlave(std::make_shared<FakePeer>(), slave("a", {lang("python")}));
  const uint64_t joined = log.newestId();
  s.slaveLanguages(id, {lang("python"), lang("c")});
  s.slaveLanguages(id, {lang("c")});
  const json refused = json::array({{{"library", "/p/java.so"},
                                     {"language", "java"},
                                     {"ready", false},
                                     {"problem", "self-test failed: expected 42"}},
                                    {{"library", "/p/c.so"}, {"language", "c"}, {"ready", true}}});
  s.slavePlugins(id, refused);
  s.slavePlugins(id, refused);  // the same refusal again is no news
  const auto events = log.backlog(joined);
  ASSERT_EQ(kinds(log, joined),
            (std::vector<std::string>{"language_added", "language_retired", "language_refused"}));
  EXPECT_EQ(events[0].language, "c");
  EXPECT_EQ(events[1].language, "python");
  EXPECT_EQ(events[2].language, "java");
  EXPECT_EQ(events[2].level, EventLevel::kError);
  EXPECT_NE(events[2].message.find("self-test failed: expected 42"), std::string::npos);
}

TEST(SchedulerEventsTest, ASlaveThatJoinsWithARefusedPluginSaysSo) {
  EventLog log;
  Scheduler s(config(), nullptr, &log);
  SlaveRegistration reg = slave("a", {lang("python")});
  reg.plugins = json::array({{{"library", "/p/ruby.so"},
                              {"language", "ruby"},
                              {"ready", false},
                              {"problem", "ruby not found"}}});
  s.addSlave(std::make_shared<FakePeer>(), reg);
  ASSERT_EQ(kinds(log), (std::vector<std::string>{"slave_joined", "language_refused"}));
  EXPECT_EQ(log.backlog(0)[1].language, "ruby");
  EXPECT_NE(log.backlog(0)[1].message.find("ruby not found"), std::string::npos);
}

TEST(SchedulerEventsTest, JobRequeuedWhenItsSlaveIsLost) {
  EventLog log;
  Scheduler s(config(), nullptr, &log);
  const int id = s.addSlave(std::make_shared<FakePeer>(), slave("a", {lang("python")}));
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  s.submit(client, 1, job("python"));
  const std::string job_id = client->ofType("accepted").at(0).value("job_id", "");
  s.removeSlave(id, "connection closed");
  const auto events = log.backlog(0);
  ASSERT_EQ(kinds(log), (std::vector<std::string>{"slave_joined", "slave_lost", "job_requeued"}));
  EXPECT_EQ(events[2].job_id, job_id);
  EXPECT_EQ(events[2].owner, "anonymous");
  EXPECT_EQ(events[2].language, "python");
}

TEST(SchedulerEventsTest, QueueFullOnceEachTimeItFills) {
  EventLog log;
  Scheduler s(config(), nullptr, &log);  // queue_max 2, no slave: jobs wait
  auto client = std::make_shared<FakePeer>();
  s.addClient(client);
  for (int i = 0; i < 5; ++i) s.submit(client, i, job("python"));
  EXPECT_EQ(client->ofType("error").size(), 3u);
  EXPECT_EQ(kinds(log), (std::vector<std::string>{"queue_full"}));
  EXPECT_EQ(log.backlog(0)[0].language, "python");
}

}  // namespace
}  // namespace polyrun::master
