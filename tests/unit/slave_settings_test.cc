// The slave's key table and the settings read from it (slave/slave_settings.h), over an
// in-memory configuration: defaults from the table and the machine, and bad values named with
// their key (a bad boolean used to stop the slave with "Cannot convert to boolean", exit 70).
#include "slave_settings.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace polyrun::slave {
namespace {

class SlaveSettingsTest : public ::testing::Test {
 protected:
  SlaveSettingsTest() {
    set("slave.token", "t");
    env_ = {"/opt/plugins", "box", 3, "/var/cache/tc"};
  }
  void set(const std::string& key, const std::string& value) { config_->setString(key, value); }
  SlaveSettings read() const {
    return readSlaveSettings(ConfigReader(*config_, slaveKeyTable()), env_);
  }
  std::string errorOf() const {
    return test::thrownMessage<ConfigError>([this] { read(); });
  }

  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
  SlaveEnvironment env_;
};

TEST_F(SlaveSettingsTest, DefaultsComeFromTheTableAndTheMachine) {
  const SlaveSettings s = read();
  EXPECT_EQ(s.link.token, "t");
  EXPECT_EQ(s.link.master_host, "127.0.0.1");
  EXPECT_EQ(s.link.master_port, 7401);
  EXPECT_EQ(s.link.name, "box");
  EXPECT_EQ(s.link.capacity, 3);
  EXPECT_EQ(s.link.reconnect_max_ms, 5000);
  EXPECT_FALSE(s.tls_enabled);
  EXPECT_TRUE(s.tls_verify);
  EXPECT_EQ(s.plugins_dir, "/opt/plugins");
  EXPECT_EQ(s.work_root, "/tmp/polyrun-slave-box");
  EXPECT_EQ(s.cache_dir, "/tmp/polyrun-slave-box/cache");
  EXPECT_EQ(s.cache_max_bytes, 1ll << 30);
  EXPECT_EQ(s.work_quota_bytes, 256ll << 20);
  EXPECT_TRUE(s.toolchains);
  EXPECT_EQ(s.toolchain_dir, "/var/cache/tc");
  EXPECT_FALSE(s.toolchain_dir_given);
  EXPECT_EQ(s.selftest_wall_ms, 15000);
  EXPECT_EQ(s.sandbox_mode, SandboxMode::kNamespaces);
  EXPECT_EQ(s.sandbox.stages, 5u);  // the job slots and two for the slave's own probes
  EXPECT_EQ(s.sandbox.uid, 65534u);
  EXPECT_EQ(s.sandbox.tmp_bytes, 64ll << 20);
  EXPECT_TRUE(s.sandbox.use_cgroups);
  EXPECT_TRUE(s.systemd_scope);
  EXPECT_TRUE(s.sandbox.readonly_paths.empty());
  EXPECT_EQ(s.limits_mode, "cgroup");
}

TEST_F(SlaveSettingsTest, ValuesGivenWin) {
  set("slave.name", "worker-1");
  set("slave.sandbox", "Process");
  set("slave.sandbox.readonly_paths", "/opt/jdk, /opt/node");
  set("slave.sandbox.cgroups", "off");
  set("slave.sandbox.limits", "rlimits");
  set("slave.toolchains.dir", "/srv/tc");
  const SlaveSettings s = read();
  EXPECT_EQ(s.work_root, "/tmp/polyrun-slave-worker-1");
  EXPECT_EQ(s.sandbox_mode, SandboxMode::kProcess);
  EXPECT_EQ(s.sandbox.readonly_paths, (std::vector<std::string>{"/opt/jdk", "/opt/node"}));
  EXPECT_FALSE(s.sandbox.use_cgroups);
  EXPECT_EQ(s.limits_mode, "rlimits");
  EXPECT_EQ(s.toolchain_dir, "/srv/tc");
  EXPECT_TRUE(s.toolchain_dir_given);
}

TEST_F(SlaveSettingsTest, BadValuesNameTheirKeyAndWhatIsAllowed) {
  set("slave.sandbox.cgroups", "maybe");
  EXPECT_EQ(errorOf(),
            "slave.sandbox.cgroups = \"maybe\" is not a boolean; allowed: true or false (also "
            "yes/no, on/off, 1/0)");
  config_->remove("slave.sandbox.cgroups");
  set("slave.sandbox", "jail");
  EXPECT_EQ(errorOf(),
            "slave.sandbox = \"jail\" is not one of the choices; allowed: namespaces or process");
  config_->remove("slave.sandbox");
  set("slave.sandbox.limits", "loose");
  EXPECT_EQ(
      errorOf(),
      "slave.sandbox.limits = \"loose\" is not one of the choices; allowed: cgroup or rlimits");
  config_->remove("slave.sandbox.limits");
  // The stages' ids run from uid to uid + stages - 1: the range must fit below (uid_t)-1.
  set("slave.jobs.max", "8");
  set("slave.sandbox.uid", "4294967290");
  EXPECT_EQ(errorOf(),
            "slave.sandbox.uid = \"4294967290\" is out of range; allowed: an integer from 1 to "
            "4294967284");
  config_->remove("slave.sandbox.uid");
  config_->remove("slave.token");
  EXPECT_EQ(errorOf().rfind("slave.token is required", 0), 0u) << errorOf();
}

}  // namespace
}  // namespace polyrun::slave
