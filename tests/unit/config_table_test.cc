// The typed configuration reads of core's key tables (polyrun/config_table.h) over an in-memory
// configuration: defaults, each type's bad value named with its key and what is allowed, ranges,
// secrets from files, and the unknown-key warnings.
#include "polyrun/config_table.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/test_support.h"

namespace polyrun {
namespace {

const ConfigTable kTable{
    "svc.",
    {intKey("svc.port", 7400, 0, 65535, "a port"),
     computedIntKey("svc.timeout.ms", "2 x port", 10, 1000, "a computed one"),
     boolKey("svc.on", true, "a switch"), stringKey("svc.name", "box", "a name"),
     pathKey("svc.dir", "", "a folder"), enumKey("svc.mode", "fast", {"fast", "safe"}, "a mode"),
     listKey("svc.paths", "some paths"), secretKey("svc.token", "required", "a secret"),
     pathKey("svc.token.file", "", "the secret's file"), secretListKey("svc.tokens", "secrets"),
     pathKey("svc.tokens.file", "", "more secrets"),
     prefixKey("svc.plugin.", "per-plugin settings")}};

class ConfigTableTest : public ::testing::Test {
 protected:
  ConfigReader reader() const { return ConfigReader(*config_, kTable); }
  void set(const std::string& key, const std::string& value) { config_->setString(key, value); }
  template <typename F>
  static std::string errorOf(F read) {
    return test::thrownMessage<ConfigError>(read);
  }

  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
};

TEST_F(ConfigTableTest, UnsetKeysGiveTheTableDefaults) {
  const ConfigReader r = reader();
  EXPECT_EQ(r.integer("svc.port"), 7400);
  EXPECT_TRUE(r.boolean("svc.on"));
  EXPECT_EQ(r.string("svc.name"), "box");
  EXPECT_EQ(r.string("svc.dir"), "");
  EXPECT_EQ(r.choice("svc.mode"), "fast");
  EXPECT_TRUE(r.list("svc.paths").empty());
  EXPECT_EQ(r.secret("svc.token"), "");
  EXPECT_TRUE(r.secretList("svc.tokens").empty());
  EXPECT_FALSE(r.isSet("svc.port"));
  // A computed default is the caller's; the table only describes it.
  EXPECT_EQ(r.integer("svc.timeout.ms", {.def = 20}), 20);
  EXPECT_EQ(r.string("svc.dir", "/computed"), "/computed");
}

TEST_F(ConfigTableTest, ValuesAreParsedByType) {
  set("svc.port", " 0 ");
  set("svc.on", "Off");
  set("svc.mode", " SAFE");
  set("svc.paths", " /a, /b ,,/c ");
  set("svc.dir", "/d");
  const ConfigReader r = reader();
  EXPECT_EQ(r.integer("svc.port"), 0);
  EXPECT_FALSE(r.boolean("svc.on"));
  EXPECT_EQ(r.choice("svc.mode"), "safe");
  EXPECT_EQ(r.list("svc.paths"), (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(r.string("svc.dir", "/computed"), "/d");
  EXPECT_TRUE(r.isSet("svc.dir"));
  for (const std::string yes : {"true", "YES", "on", "1"}) {
    set("svc.on", yes);
    EXPECT_TRUE(reader().boolean("svc.on")) << yes;
  }
}

TEST_F(ConfigTableTest, ABadIntegerNamesTheKeyTheValueAndTheRange) {
  set("svc.port", "lots");
  EXPECT_EQ(errorOf([&] { reader().integer("svc.port"); }),
            "svc.port = \"lots\" is not an integer; allowed: an integer from 0 to 65535");
  set("svc.port", "65536");
  EXPECT_EQ(errorOf([&] { reader().integer("svc.port"); }),
            "svc.port = \"65536\" is out of range; allowed: an integer from 0 to 65535");
  set("svc.port", "-1");
  EXPECT_NE(errorOf([&] { reader().integer("svc.port"); }), "");
  set("svc.port", "65535");
  EXPECT_EQ(reader().integer("svc.port"), 65535);
}

TEST_F(ConfigTableTest, BoundsFromOtherKeysNarrowTheRangeAndTheMessageSaysSo) {
  set("svc.timeout.ms", "15");
  EXPECT_EQ(errorOf([&] { reader().integer("svc.timeout.ms", {.def = 40, .min = 20}); }),
            "svc.timeout.ms = \"15\" is out of range; allowed: an integer from 20 to 1000");
  EXPECT_EQ(reader().integer("svc.timeout.ms", {.def = 40, .min = 10}), 15);
}

TEST_F(ConfigTableTest, ABadBooleanNamesTheKeyAndTheValuesAllowed) {
  set("svc.on", "maybe");
  EXPECT_EQ(
      errorOf([&] { reader().boolean("svc.on"); }),
      "svc.on = \"maybe\" is not a boolean; allowed: true or false (also yes/no, on/off, 1/0)");
}

TEST_F(ConfigTableTest, ABadChoiceNamesTheKeyAndTheChoices) {
  set("svc.mode", "turbo");
  EXPECT_EQ(errorOf([&] { reader().choice("svc.mode"); }),
            "svc.mode = \"turbo\" is not one of the choices; allowed: fast or safe");
}

TEST_F(ConfigTableTest, ALongBadValueIsCutShortInTheMessage) {
  set("svc.port", std::string(5000, '9') + "x");
  const std::string error = errorOf([&] { reader().integer("svc.port"); });
  EXPECT_EQ(error.rfind("svc.port = \"" + std::string(40, '9') + "...\" is not an integer", 0), 0u)
      << error;
  EXPECT_LT(error.size(), 200u);
}

TEST_F(ConfigTableTest, SecretsComeFromTheKeyOrItsFile) {
  test::TempDir dir;
  const std::string file = dir.path() + "/token";
  std::ofstream(file) << "  from-file \nsecond line\n";
  set("svc.token.file", file);
  EXPECT_EQ(reader().requiredSecret("svc.token"), "from-file");
  set("svc.token", "inline");
  EXPECT_EQ(reader().requiredSecret("svc.token"), "inline");

  config_->remove("svc.token");
  set("svc.token.file", dir.path() + "/missing");
  EXPECT_EQ(errorOf([&] {
              reader().requiredSecret("svc.token");
            }).rfind("svc.token.file = " + dir.path() + "/missing cannot be read", 0),
            0u);
  std::ofstream(dir.path() + "/empty") << "\n";
  set("svc.token.file", dir.path() + "/empty");
  EXPECT_NE(errorOf([&] { reader().requiredSecret("svc.token"); }).find("is empty"),
            std::string::npos);
  config_->remove("svc.token.file");
  EXPECT_EQ(errorOf([&] { reader().requiredSecret("svc.token"); }),
            "svc.token is required: set it, or svc.token.file to a file holding it, in the "
            "configuration file or with --define");
}

TEST_F(ConfigTableTest, ASecretListFileMustBeTheServicesAlone) {
  test::TempDir dir;
  const std::string file = dir.path() + "/tokens";
  std::ofstream(file) << "b\nc, d\n";
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  set("svc.tokens", "a");
  set("svc.tokens.file", file);
  const std::string error = errorOf([&] { reader().secretList("svc.tokens"); });
  EXPECT_NE(error.find("svc.tokens.file = " + file), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  EXPECT_EQ(reader().secretList("svc.tokens"), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(ConfigTableTest, ReadingAKeyTheTableDoesNotHoldIsAProgrammingError) {
  EXPECT_THROW(reader().integer("svc.nope"), std::logic_error);
  EXPECT_THROW(reader().boolean("svc.port"), std::logic_error);        // held, as another type
  EXPECT_THROW(reader().integer("svc.timeout.ms"), std::logic_error);  // computed: no default given
}

TEST_F(ConfigTableTest, UnknownKeysUnderThePrefixAreWarnedAboutWithTheNearestKey) {
  set("svc.prot", "1");                       // misspelt
  set("svc.entirely.different", "1");         // nothing near
  set("svc.plugin.python.path", "/usr/bin");  // below a prefix: known
  set("svc.port", "1");
  set("other.key", "1");  // another namespace: not this service's
  const auto warnings = unknownKeyWarnings(*config_, kTable);
  ASSERT_EQ(warnings.size(), 2u) << ::testing::PrintToString(warnings);
  std::string all = warnings[0] + "\n" + warnings[1];
  EXPECT_NE(
      all.find("unknown configuration key svc.prot is ignored (did you mean svc.port?); every key "
               "is listed in docs/configuration.md"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("unknown configuration key svc.entirely.different is ignored; every key"),
            std::string::npos)
      << all;
}

TEST_F(ConfigTableTest, AllowedValuesAreSaidPerType) {
  EXPECT_EQ(allowedValues(*kTable.find("svc.port")), "an integer from 0 to 65535");
  EXPECT_EQ(allowedValues(*kTable.find("svc.mode")), "fast or safe");
  EXPECT_EQ(kTable.find("svc.plugin.x.y")->key, "svc.plugin.");
  EXPECT_EQ(kTable.find("svc.portx"), nullptr);
}

}  // namespace
}  // namespace polyrun
