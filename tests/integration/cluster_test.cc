// A real master and two real slaves on loopback; jobs in every language through the protocol.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "master_client.h"
#include "polyrun/framed_connection.h"
#include "polyrun/job_json.h"
#include "polyrun/protocol.h"
#include "support/cluster_client.h"

namespace polyrun::test {
namespace {
using nlohmann::json;

class ClusterTest : public ClusterSuite<ClusterTest> {
 protected:
  // Submits and returns the final message ("result" or "error").
  json submit(const Job& job) {
    std::string error;
    auto reply = client_->submit(job, 60000, &error);
    EXPECT_TRUE(reply.has_value()) << error << "\n" << cluster_->logs();
    return reply ? *reply : json();
  }
};

struct LanguageCase {
  std::string language;
  std::string file;
  std::string hello;      // prints "hello, polyrun\n"
  std::string echo;       // copies stdin to stdout
  std::string args;       // prints its args, one per line
  std::string broken;     // does not compile (empty for interpreted languages)
  std::string exit_code;  // prints "before\n" then exits with code 3
};

const std::vector<LanguageCase>& languageCases() {
  static const std::vector<LanguageCase> cases = {
      {"python", "main.py", "print('hello, polyrun')\n",
       "import sys\nsys.stdout.write(sys.stdin.read())\n",
       "import sys\nfor a in sys.argv[1:]:\n    print(a)\n", "",
       "import sys\nprint('before')\nsys.exit(3)\n"},
      {"c", "main.c",
       "#include <stdio.h>\nint main(void) { puts(\"hello, polyrun\"); return 0; }\n",
       "#include <stdio.h>\nint main(void) { int c; while ((c = getchar()) != EOF) putchar(c); "
       "return 0; }\n",
       "#include <stdio.h>\nint main(int argc, char** argv) { for (int i = 1; i < argc; ++i) "
       "puts(argv[i]); return 0; }\n",
       "int main(void) { return undefined_symbol; }\n",
       "#include <stdio.h>\nint main(void) { puts(\"before\"); return 3; }\n"},
      {"c++", "main.cpp",
       "#include <iostream>\nint main() { std::cout << \"hello, polyrun\\n\"; }\n",
       "#include <iostream>\nint main() { std::cout << std::cin.rdbuf(); }\n",
       "#include <iostream>\nint main(int argc, char** argv) { for (int i = 1; i < argc; ++i) "
       "std::cout << argv[i] << '\\n'; }\n",
       "int main() { this is not cpp; }\n",
       "#include <iostream>\n#include <cstdlib>\nint main() { std::cout << \"before\" << "
       "std::endl; std::exit(3); }\n"},
      {"java", "Main.java",
       "public class Main { public static void main(String[] a) { System.out.println(\"hello, "
       "polyrun\"); } }\n",
       "public class Echo { public static void main(String[] a) throws Exception { "
       "System.in.transferTo(System.out); } }\n",
       "public class Solution { public static void main(String[] a) { for (String s : a) "
       "System.out.println(s); } }\n",
       "public class Main { public static void main(String[] a) { int x = \"string\"; } }\n",
       "public class Main { public static void main(String[] a) { System.out.println(\"before\"); "
       "System.exit(3); } }\n"},
  };
  return cases;
}

TEST_F(ClusterTest, EveryLanguageRunsHelloStdinArgsAndExitCodes) {
  for (const auto& c : languageCases()) {
    SCOPED_TRACE(c.language);
    JobResult hello = run(sourceJob(c.language, c.file, c.hello));
    EXPECT_EQ(hello.verdict, Verdict::kOk) << hello.message;
    ASSERT_TRUE(hello.run.has_value());
    EXPECT_EQ(hello.run->stdout_data, "hello, polyrun\n");
    EXPECT_EQ(hello.run->exit_code, 0);
    EXPECT_EQ(hello.language, c.language);
    EXPECT_FALSE(hello.slave.empty());
    EXPECT_FALSE(hello.job_id.empty());
    EXPECT_EQ(hello.compile.has_value(), !c.broken.empty())
        << "compile stage only for compiled languages";

    const std::string input = "line one\nline two\n\xce\xbb unicode\n";
    JobResult echo = run(sourceJob(c.language, c.file, c.echo, input));
    EXPECT_EQ(echo.verdict, Verdict::kOk) << echo.message;
    ASSERT_TRUE(echo.run.has_value());
    EXPECT_EQ(echo.run->stdout_data, input);

    JobResult args =
        run(sourceJob(c.language, c.file, c.args, "", {"first", "two words", "--flag"}));
    EXPECT_EQ(args.verdict, Verdict::kOk) << args.message;
    ASSERT_TRUE(args.run.has_value());
    EXPECT_EQ(args.run->stdout_data, "first\ntwo words\n--flag\n");

    JobResult exit3 = run(sourceJob(c.language, c.file, c.exit_code));
    EXPECT_EQ(exit3.verdict, Verdict::kRuntimeError);
    ASSERT_TRUE(exit3.run.has_value());
    EXPECT_EQ(exit3.run->exit_code, 3);
    EXPECT_EQ(exit3.run->stdout_data, "before\n");
    EXPECT_NE(exit3.message.find("3"), std::string::npos) << exit3.message;
  }
}

TEST_F(ClusterTest, CompileErrorStopsBeforeTheRunStage) {
  for (const auto& c : languageCases()) {
    if (c.broken.empty()) continue;
    SCOPED_TRACE(c.language);
    JobResult r = run(sourceJob(c.language, c.file, c.broken));
    EXPECT_EQ(r.verdict, Verdict::kCompileError);
    ASSERT_TRUE(r.compile.has_value());
    EXPECT_EQ(r.compile->verdict, Verdict::kCompileError);
    EXPECT_NE(r.compile->exit_code, 0);
    EXPECT_FALSE(r.compile->stderr_data.empty() && r.compile->stdout_data.empty())
        << "the compiler's diagnostics come back";
    EXPECT_FALSE(r.run.has_value()) << "the run stage must not run";
  }
}

TEST_F(ClusterTest, AliasesResolveToTheCanonicalLanguage) {
  JobResult r = run(sourceJob("py", "x.py", "print(6 * 7)\n"));
  EXPECT_EQ(r.verdict, Verdict::kOk);
  EXPECT_EQ(r.language, "python");
  ASSERT_TRUE(r.run.has_value());
  EXPECT_EQ(r.run->stdout_data, "42\n");
}

TEST_F(ClusterTest, UnknownLanguageGetsAClearError) {
  const json reply = submit(sourceJob("cobol", "x.cob", "DISPLAY 'HI'."));
  EXPECT_EQ(reply.value("type", ""), msg::kError);
  EXPECT_EQ(reply.value("code", ""), errc::kUnknownLanguage);
  const std::string message = reply.value("message", "");
  EXPECT_NE(message.find("cobol"), std::string::npos) << message;
  EXPECT_NE(message.find("python"), std::string::npos)
      << "the message lists what is available: " << message;
}

TEST_F(ClusterTest, LimitOverTheMaximumIsRefused) {
  Job job = sourceJob("python", "x.py", "print(1)\n");
  job.limits.run.wall_ms = 10'000'000;
  const json reply = submit(job);
  EXPECT_EQ(reply.value("code", ""), errc::kBadLimits) << reply.dump();
  EXPECT_NE(reply.value("message", "").find("limits.run.wall_ms"), std::string::npos)
      << reply.dump();
}

TEST_F(ClusterTest, MalformedJobNamesTheField) {
  std::string error;
  auto reply = client_->request(
      {{"type", "submit"}, {"job", {{"language", "python"}, {"files", "nope"}}}}, 10000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ(reply->value("code", ""), errc::kBadMessage);
  EXPECT_NE(reply->value("message", "").find("files"), std::string::npos) << reply->dump();
  // The connection stays usable after a bad message.
  JobResult r = run(sourceJob("python", "x.py", "print('still here')\n"));
  EXPECT_EQ(r.verdict, Verdict::kOk);
}

TEST_F(ClusterTest, RuntimesListsAllFourLanguages) {
  std::string error;
  auto reply = client_->request({{"type", "runtimes"}}, 10000, &error);
  ASSERT_TRUE(reply) << error;
  std::set<std::string> names;
  for (const auto& r : (*reply)["runtimes"]) {
    names.insert(r["language"].get<std::string>());
    EXPECT_EQ(r["slaves"], 2) << r.dump();
    EXPECT_FALSE(r["version"].get<std::string>().empty());
  }
  EXPECT_EQ(names, (std::set<std::string>{"c", "c++", "java", "python"}));
}

TEST_F(ClusterTest, TwentyJobsAtOnceAllComeBackRightOnBothSlaves) {
  std::map<std::string, int> expected;  // request id -> number the job prints
  for (int i = 0; i < 20; ++i) {
    Job job = i % 4 == 0
                  ? sourceJob("c", "main.c",
                              "#include <stdio.h>\nint main(void){int "
                              "n;scanf(\"%d\",&n);printf(\"%d\\n\",n*2);}\n",
                              std::to_string(i))
                  : sourceJob("python", "main.py", "print(int(input()) * 2)\n", std::to_string(i));
    const std::string id = client_->nextId();
    std::string error;
    ASSERT_TRUE(client_->send({{"type", "submit"}, {"id", id}, {"job", toJson(job)}}, &error))
        << error;
    expected[id] = i * 2;
  }
  std::set<std::string> slaves;
  std::map<std::string, int> results;
  while (results.size() < expected.size()) {
    std::string error;
    auto m = client_->receive(60000, &error);
    ASSERT_TRUE(m) << error << "\n" << cluster_->logs();
    const std::string type = m->value("type", "");
    ASSERT_NE(type, "error") << m->dump();
    if (type != "result") continue;
    const std::string id = (*m)["id"].get<std::string>();
    ASSERT_TRUE(expected.count(id)) << "a result for a request never made: " << m->dump();
    ASSERT_FALSE(results.count(id)) << "two results for one job: " << m->dump();
    JobResult r;
    ASSERT_EQ(fromJson((*m)["result"], &r).message(), "");
    ASSERT_EQ(r.verdict, Verdict::kOk) << m->dump();
    results[id] = std::stoi(r.run->stdout_data);
    slaves.insert(r.slave);
  }
  for (const auto& [id, value] : expected) EXPECT_EQ(results[id], value) << id;
  EXPECT_EQ(slaves.size(), 2u) << "both slaves should have run some of the 20 jobs";
}

TEST_F(ClusterTest, ClusterSnapshotShowsBothSlaves) {
  const json c = cluster_->snapshot();
  ASSERT_TRUE(c.is_object());
  ASSERT_EQ(c["slaves"].size(), 2u) << c.dump();
  for (const auto& s : c["slaves"]) {
    EXPECT_EQ(s["capacity"], 2);
    EXPECT_EQ(s["state"], "ready");
    EXPECT_EQ(s["languages"].size(), 4u);
    ASSERT_EQ(s["plugins"].size(), 4u) << s.dump();
    for (const auto& p : s["plugins"]) EXPECT_TRUE(p["ready"].get<bool>()) << p.dump();
  }
  EXPECT_TRUE(c.contains("queues"));
  EXPECT_TRUE(c["counters"].contains("submitted"));
}

TEST_F(ClusterTest, SlaveWithAWrongTokenIsRefused) {
  cluster_->startSlave("intruder", {"slave.token=wrong"});
  EXPECT_TRUE(waitFor(
      [&] { return cluster_->masterLog().find("refused slave \"intruder\"") != std::string::npos; },
      std::chrono::seconds(30)))
      << cluster_->logs();
  const json c = cluster_->snapshot();
  for (const auto& s : c["slaves"]) EXPECT_NE(s["name"], "intruder");
}

TEST_F(ClusterTest, BadFrameGetsAnErrorAndOthersAreStillServed) {
  std::unique_ptr<FramedConnection> raw;
  const Status connected = FramedConnection::connect(
      "127.0.0.1", static_cast<uint16_t>(cluster_->clientPort()), ConnectOptions(), &raw);
  ASSERT_TRUE(connected.isOk()) << connected.message();
  ASSERT_TRUE(raw->sendBytes(std::string("\x00\x00\x00\x05notjs", 9)).isOk());
  json error;
  const Status answered = raw->read(&error, std::chrono::seconds(10));
  ASSERT_TRUE(answered.isOk()) << "an error frame, then the connection closes: "
                               << answered.message();
  EXPECT_EQ(error["type"], "error");
  EXPECT_EQ(error["code"], "bad_frame");
  const Status closed = raw->read(&error, std::chrono::seconds(10));
  EXPECT_EQ(closed.code(), Status::Code::kUnavailable) << closed.message();
  JobResult r = run(sourceJob("python", "x.py", "print('fine')\n"));
  EXPECT_EQ(r.verdict, Verdict::kOk);
}

}  // namespace
}  // namespace polyrun::test
