// The compile cache and the toolchains through a real master and slave: a second identical job
// of a compiled language is a cache hit with the same output; another source is a miss; an
// artifact of one language never serves another; prepared toolchains are used by real jobs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "master_client.h"
#include "polyrun/job_json.h"
#include "support/cluster_client.h"

namespace polyrun::test {
namespace {
using nlohmann::json;

class CompileCacheClusterTest : public ClusterSuite<CompileCacheClusterTest> {
 public:
  static Cluster::Options options() {
    Cluster::Options o;
    o.slaves = 1;  // every job meets the same cache
    return o;
  }
};

struct Case {
  std::string language;
  std::string file;
  std::string source;  // prints "cached <tag>"; the tag makes each test's source its own
};

std::vector<Case> cases(const std::string& tag) {
  return {
      {"c", "main.c",
       "#include <stdio.h>\nint main(void) { puts(\"cached " + tag + "\"); return 0; }\n"},
      {"c++", "main.cpp",
       "#include <iostream>\nint main() { std::cout << \"cached " + tag + "\" << std::endl; }\n"},
      {"java", "Main.java",
       "public class Main { public static void main(String[] a) { System.out.println(\"cached " +
           tag + "\"); } }\n"},
  };
}

TEST_F(CompileCacheClusterTest, SecondIdenticalJobIsACacheHitWithTheSameOutput) {
  for (const auto& c : cases("same")) {
    SCOPED_TRACE(c.language);
    const JobResult first = run(sourceJob(c.language, c.file, c.source));
    ASSERT_EQ(first.verdict, Verdict::kOk) << first.message;
    ASSERT_TRUE(first.compile && first.run);
    EXPECT_FALSE(first.compile->cached);
    const JobResult second = run(sourceJob(c.language, c.file, c.source));
    ASSERT_EQ(second.verdict, Verdict::kOk) << second.message;
    ASSERT_TRUE(second.compile && second.run);
    EXPECT_TRUE(second.compile->cached) << "the slave compiled the same source again";
    EXPECT_EQ(second.compile->verdict, Verdict::kOk);
    EXPECT_EQ(second.compile->stderr_data, first.compile->stderr_data);
    EXPECT_EQ(second.run->stdout_data, "cached same\n");
    EXPECT_EQ(second.run->stdout_data, first.run->stdout_data);
  }
}

TEST_F(CompileCacheClusterTest, AnotherSourceIsAMiss) {
  for (const auto& c : cases("one")) run(sourceJob(c.language, c.file, c.source));
  for (const auto& c : cases("two")) {
    SCOPED_TRACE(c.language);
    const JobResult r = run(sourceJob(c.language, c.file, c.source));
    ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
    EXPECT_FALSE(r.compile->cached);
    EXPECT_EQ(r.run->stdout_data, "cached two\n");
  }
}

// The same file, byte for byte, is valid C and C++ but means something else in each: a
// character constant is an int in C and a char in C++.
TEST_F(CompileCacheClusterTest, AnArtifactOfOneLanguageNeverServesAnother) {
  const std::string source =
      "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", (int)sizeof('a')); return 0; }\n";
  ASSERT_EQ(run(sourceJob("c", "prog.c", source)).run->stdout_data, "4\n");
  const JobResult c_again = run(sourceJob("c", "prog.c", source));
  EXPECT_TRUE(c_again.compile->cached);
  const JobResult cpp = run(sourceJob("c++", "prog.c", source));
  ASSERT_EQ(cpp.verdict, Verdict::kOk) << cpp.message;
  EXPECT_FALSE(cpp.compile->cached);
  EXPECT_EQ(cpp.run->stdout_data, "1\n");
}

TEST_F(CompileCacheClusterTest, ACompileErrorIsNeverCached) {
  for (int i = 0; i < 2; ++i) {
    const JobResult r = run(sourceJob("c", "main.c", "int main(void) { return }\n"));
    EXPECT_EQ(r.verdict, Verdict::kCompileError);
    ASSERT_TRUE(r.compile.has_value());
    EXPECT_FALSE(r.compile->cached);
    EXPECT_NE(r.compile->stderr_data.find("error"), std::string::npos);
  }
}

// Cache-aware routing: with two idle slaves the master sends the same source to the same slave
// every time, so every repeat is a hit; and different sources use both slaves.
TEST(CacheRoutingClusterTest, TheSameSourceMeetsItsCacheAcrossTwoSlaves) {
  Cluster::Options o;
  o.slaves = 2;
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.start(&error)) << error << "\n" << cluster.logs();
  MasterClient client("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
  ASSERT_TRUE(client.connect(&error)) << error;
  auto run = [&](const std::string& source) {
    JobResult r;
    auto reply = client.submit(sourceJob("c", "main.c", source), 60000, &error);
    EXPECT_TRUE(reply.has_value()) << error;
    if (reply) {
      EXPECT_EQ(fromJson((*reply)["result"], &r).message(), "") << reply->dump();
    }
    return r;
  };
  std::set<std::string> slaves_used;
  for (int n = 0; n < 6; ++n) {
    const std::string source =
        "#include <stdio.h>\nint main(void) { puts(\"" + std::to_string(n) + "\"); return 0; }\n";
    const JobResult first = run(source);
    ASSERT_EQ(first.verdict, Verdict::kOk) << first.message;
    slaves_used.insert(first.slave);
    for (int repeat = 0; repeat < 2; ++repeat) {
      const JobResult again = run(source);
      EXPECT_EQ(again.slave, first.slave) << "source " << n;
      ASSERT_TRUE(again.compile.has_value());
      EXPECT_TRUE(again.compile->cached) << "source " << n << " on " << again.slave;
    }
  }
  EXPECT_EQ(slaves_used.size(), 2u) << "six sources all hashed to one slave";
}

// A slave with toolchains (the default outside tests): the C++ precompiled headers and the javac
// archive are made in the background, mounted read-only into the sandbox, and jobs using them
// give the same results.
TEST(ToolchainClusterTest, JobsUseThePreparedToolchains) {
  Cluster::Options o;
  o.slaves = 1;
  // Kept between runs, so made once: in the build tree, unless that is under /tmp, which stages
  // do not see (each has a private one; the slave refuses such a toolchain dir, saying so).
  std::string toolchains =
      (std::filesystem::path(binaryPath("polyrun-slave")).parent_path().parent_path() /
       "test-toolchains")
          .string();
  if (toolchains.rfind("/tmp/", 0) == 0 || toolchains.rfind("/dev/shm/", 0) == 0)
    toolchains = "/var/tmp/polyrun-test-toolchains-" + std::to_string(::getuid());
  o.slave_defines = {"slave.toolchains=true", "slave.toolchains.dir=" + toolchains};
  Cluster cluster(o);
  std::string error;
  ASSERT_TRUE(cluster.start(&error)) << error << "\n" << cluster.logs();
  // The slave logs "runner <language> <version>: toolchain ready in <dir> (<n> ms)".
  auto readyDir = [&](const std::string& language) -> std::string {
    std::istringstream log(cluster.slaveLog("slave-a"));
    const std::string marker = "toolchain ready in ";
    for (std::string line; std::getline(log, line);) {
      const size_t at = line.find(marker);
      if (line.find("runner " + language + " ") == std::string::npos || at == std::string::npos)
        continue;
      const size_t from = at + marker.size();
      return line.substr(from, line.find(" (", from) - from);
    }
    return {};
  };
  // The master learns it from the slave's plugin report.
  auto reportedReady = [&](const std::string& language) {
    const json c = cluster.snapshot();
    if (!c.is_object() || !c.contains("slaves")) return false;
    for (const auto& slave : c["slaves"])
      for (const auto& p : slave.value("plugins", json::array()))
        if (p.value("language", "") == language && p.value("toolchain", "") == "ready") return true;
    return false;
  };
  ASSERT_TRUE(waitFor([&] { return reportedReady("c++") && reportedReady("java"); },
                      std::chrono::seconds(180)))
      << cluster.snapshot().dump() << "\n"
      << cluster.slaveLog("slave-a");
  ASSERT_FALSE(readyDir("c++").empty()) << cluster.slaveLog("slave-a");
  MasterClient client("127.0.0.1", static_cast<uint16_t>(cluster.clientPort()));
  ASSERT_TRUE(client.connect(&error)) << error;
  // Jobs see the precompiled headers, and cannot change them.
  const std::string dir = readyDir("c++");
  auto probe = client.submit(
      sourceJob("python", "probe.py",
                "import os\nd = '" + dir +
                    "'\n"
                    "print(os.path.exists(d + '/iostream.gch'))\n"
                    "try:\n    open(d + '/iostream.gch', 'ab')\n    print('writable')\n"
                    "except OSError:\n    print('read-only')\n"),
      60000, &error);
  ASSERT_TRUE(probe.has_value()) << error;
  EXPECT_EQ((*probe)["result"]["run"].value("stdout", ""), "True\nread-only\n") << probe->dump();

  for (const auto& c : cases("toolchain")) {
    SCOPED_TRACE(c.language);
    auto reply = client.submit(sourceJob(c.language, c.file, c.source), 60000, &error);
    ASSERT_TRUE(reply.has_value()) << error;
    JobResult r;
    ASSERT_EQ(fromJson((*reply)["result"], &r).message(), "") << reply->dump();
    EXPECT_EQ(r.verdict, Verdict::kOk) << r.message << "\n" << reply->dump();
    ASSERT_TRUE(r.run.has_value());
    EXPECT_EQ(r.run->stdout_data, "cached toolchain\n");
    EXPECT_EQ(r.compile->stderr_data, "");
  }
}

}  // namespace
}  // namespace polyrun::test
