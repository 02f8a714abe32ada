// The master's key table and the settings read from it (master/master_settings.h), over an
// in-memory configuration: the shipped defaults, keys whose bounds follow other keys, and bad
// values named with their key.
#include "master_settings.h"

#include <Poco/AutoPtr.h>
#include <Poco/NumberParser.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include "polyrun/job_executor.h"
#include "support/test_support.h"

namespace polyrun::master {
namespace {
using std::chrono::milliseconds;

class MasterSettingsTest : public ::testing::Test {
 protected:
  MasterSettingsTest() { set("master.slave.token", "t"); }
  void set(const std::string& key, const std::string& value) { config_->setString(key, value); }
  MasterSettings read() const {
    return readMasterSettings(ConfigReader(*config_, masterKeyTable()), Poco::Logger::get("test"));
  }
  std::string errorOf() const {
    return test::thrownMessage<ConfigError>([this] { read(); });
  }

  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
};

TEST_F(MasterSettingsTest, DefaultsAreTheShippedOnes) {
  const MasterSettings s = read();
  EXPECT_EQ(s.bind, "127.0.0.1");
  EXPECT_EQ(s.client_port, 7400);
  EXPECT_EQ(s.slave_port, 7401);
  EXPECT_EQ(s.http_port, 7480);
  EXPECT_TRUE(s.http_enabled);
  EXPECT_FALSE(s.tls_enabled);
  EXPECT_TRUE(s.journal.path.empty());
  EXPECT_FALSE(s.journal.full_sync);
  EXPECT_EQ(s.journal.max_bytes, 1ll << 30);
  EXPECT_EQ(s.journal.client_max_bytes, 256ll << 20);
  EXPECT_EQ(s.connections.max_frame_bytes, 16u << 20);
  EXPECT_EQ(s.connections.heartbeat_timeout, milliseconds(5000));
  EXPECT_EQ(s.connections.max_connections, 256);
  EXPECT_EQ(s.connections.per_address, 32);
  EXPECT_TRUE(s.connections.client_tokens.empty());
  EXPECT_TRUE(s.connections.slave_credentials->accepts("any-name", "t"));
  EXPECT_EQ(s.scheduler.heartbeat_ms, 1000);
  EXPECT_EQ(s.scheduler.queue_max, 1000u);
  EXPECT_EQ(s.scheduler.other_jobs, OtherJobs::kNone);
  EXPECT_EQ(s.scheduler.max_frame_bytes, 16u << 20);
  // The shipped defaults and maxima (docs/configuration.md).
  const Limits def = defaultLimits();
  EXPECT_EQ(s.scheduler.defaults.run.wall_ms, def.run.wall_ms);
  EXPECT_EQ(s.scheduler.defaults.compile.memory_bytes, def.compile.memory_bytes);
  EXPECT_EQ(s.scheduler.defaults.output_bytes, def.output_bytes);
  EXPECT_EQ(s.scheduler.maxima.run.wall_ms, 30000);
  EXPECT_EQ(s.scheduler.maxima.run.cpu_ms, 30000);
  EXPECT_EQ(s.scheduler.maxima.compile.wall_ms, 60000);
  EXPECT_EQ(s.scheduler.maxima.compile.memory_bytes, 2ll << 30);
  EXPECT_EQ(s.scheduler.maxima.output_bytes, 16ll << 20);
  EXPECT_EQ(s.scheduler.maxima.processes, 256);
  EXPECT_EQ(s.scheduler.max_stdin_bytes, 16ll << 20);
  EXPECT_EQ(s.http.threads, 256);
  EXPECT_EQ(s.http_server.backlog, 1024);
  EXPECT_EQ(s.shutdown_timeout, milliseconds(30000));
}

TEST_F(MasterSettingsTest, EveryKeyIsReadAsItsTableSays) {
  set("master.limits.compile.cpu_ms.max", "12345");
  set("master.limits.run.memory_bytes", "1048576");
  set("master.monitor.other_jobs", "Summary");
  set("master.journal.sync", "full");
  set("master.http.enabled", "no");
  set("master.client.tokens", "a, b");
  set("master.connections.per.address", "0");
  const MasterSettings s = read();
  EXPECT_EQ(s.scheduler.maxima.compile.cpu_ms, 12345);
  EXPECT_EQ(s.scheduler.defaults.run.memory_bytes, 1 << 20);
  EXPECT_EQ(s.scheduler.other_jobs, OtherJobs::kSummary);
  EXPECT_TRUE(s.journal.full_sync);
  EXPECT_FALSE(s.http_enabled);
  EXPECT_EQ(s.connections.client_tokens, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.http.client_tokens, s.connections.client_tokens);
  EXPECT_EQ(s.http_server.per_address, 0);
}

TEST_F(MasterSettingsTest, TheHttpPortFollowsAClientPortOfZeroUnlessNamed) {
  set("master.client.port", "0");
  EXPECT_EQ(read().http_port, 0);
  set("master.http.port", "8080");
  EXPECT_EQ(read().http_port, 8080);
}

TEST_F(MasterSettingsTest, BoundsThatFollowOtherKeys) {
  set("master.heartbeat.ms", "400");
  EXPECT_EQ(read().connections.heartbeat_timeout, milliseconds(2000));
  set("master.heartbeat.timeout.ms", "700");
  EXPECT_EQ(errorOf(),
            "master.heartbeat.timeout.ms = \"700\" is out of range; allowed: an integer from 800 "
            "to 3600000");
  config_->remove("master.heartbeat.timeout.ms");

  set("master.frame.max.bytes", std::to_string(2 << 20));
  set("master.journal.max.bytes", std::to_string(1 << 20));
  EXPECT_EQ(errorOf(),
            "master.journal.max.bytes = \"1048576\" is out of range; allowed: an integer from "
            "2097152 to 1125899906842624");
  set("master.journal.max.bytes", std::to_string(64 << 20));
  EXPECT_EQ(read().journal.client_max_bytes, 64 << 20);  // at most the whole journal's bound
  set("master.journal.client.max.bytes", std::to_string(65 << 20));
  EXPECT_NE(errorOf().find("from 2097152 to 67108864"), std::string::npos) << errorOf();
}

TEST_F(MasterSettingsTest, BadValuesNameTheirKey) {
  set("master.monitor.other_jobs", "everything");
  EXPECT_EQ(errorOf(),
            "master.monitor.other_jobs = \"everything\" is not one of the choices; allowed: "
            "none, summary or all");
  config_->remove("master.monitor.other_jobs");
  set("master.tls.enabled", "maybe");
  EXPECT_EQ(
      errorOf().rfind("master.tls.enabled = \"maybe\" is not a boolean; allowed: true or false", 0),
      0u)
      << errorOf();
  config_->remove("master.tls.enabled");
  set("master.frame.max.bytes", "1024");
  EXPECT_NE(errorOf().find("master.frame.max.bytes = 1024 leaves no room for a result"),
            std::string::npos)
      << errorOf();
  config_->remove("master.frame.max.bytes");
  config_->remove("master.slave.token");
  EXPECT_EQ(errorOf().rfind("master.slave.token is required", 0), 0u) << errorOf();
}

// The table itself: every default that is not computed is a value its own key accepts.
TEST(MasterKeyTableTest, DefaultsAreWithinTheirOwnRanges) {
  for (const KeySpec& k : masterKeyTable().keys) {
    EXPECT_EQ(k.key.rfind("master.", 0), 0u) << k.key;
    EXPECT_FALSE(k.doc.empty()) << k.key;
    if (k.type == KeyType::kInt && !k.computed) {
      const int64_t def = Poco::NumberParser::parse64(k.def);
      EXPECT_TRUE(def >= k.min && def <= k.max) << k.key;
    }
    if (k.type == KeyType::kEnum) {
      EXPECT_NE(std::find(k.values.begin(), k.values.end(), k.def), k.values.end()) << k.key;
    }
  }
}

}  // namespace
}  // namespace polyrun::master
