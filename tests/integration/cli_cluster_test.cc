// The `polyrun` command-line client as a user runs it, against a real cluster.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "polyrun/sandbox.h"
#include "support/cluster.h"

namespace polyrun::test {
namespace {

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Cluster::Options options;
    options.slaves = 1;
    cluster_ = startSuiteCluster(options);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr) << "the cluster did not start"; }

  // Writes `content` to a file named `name` in a fresh directory; returns its path.
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  ProcessResult cli(std::vector<std::string> args, const std::string& stdin_data = "",
                    bool with_master = true) {
    std::vector<std::string> argv = {binaryPath("polyrun")};
    if (with_master && !args.empty()) {
      argv.push_back(args[0]);
      argv.push_back("--master=" + cluster_->masterAddress());
      argv.insert(argv.end(), args.begin() + 1, args.end());
    } else {
      argv.insert(argv.end(), args.begin(), args.end());
    }
    ProcessSpec spec;
    spec.argv = argv;
    spec.cwd = dir_.path();
    spec.env = {"PATH=/usr/bin:/bin", "HOME=" + dir_.path()};
    spec.stdin_data = stdin_data;
    spec.limits.wall_ms = 60000;
    spec.limits.cpu_ms = 60000;
    spec.limits.output_bytes = 16 << 20;
    return sandbox_->run(spec);
  }

  static Cluster* cluster_;
  TempDir dir_;
  std::unique_ptr<Sandbox> sandbox_ = makeProcessSandbox();
};
Cluster* CliTest::cluster_ = nullptr;

TEST_F(CliTest, ProgramOutputAndExitCodePassThrough) {
  const auto path =
      file("split.py",
           "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\nsys.exit(7)\n");
  ProcessResult r = cli({"run", path});
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.stdout_data, "to stdout\n");
  EXPECT_EQ(r.stderr_data.rfind("to stderr\n", 0), 0u)
      << "the program's stderr comes first: " << r.stderr_data;
  EXPECT_NE(r.stderr_data.find("RUNTIME_ERROR"), std::string::npos) << r.stderr_data;
}

TEST_F(CliTest, RunsEachLanguageFromItsExtension) {
  const std::vector<std::pair<std::string, std::string>> programs = {
      {"hello.py", "print('hi')\n"},
      {"hello.c", "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n"},
      {"hello.cpp", "#include <iostream>\nint main(){std::cout<<\"hi\\n\";}\n"},
      {"Hello.java",
       "public class Hello { public static void main(String[] a) { System.out.println(\"hi\"); } "
       "}\n"},
  };
  for (const auto& [name, source] : programs) {
    ProcessResult r = cli({"run", file(name, source)});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.stderr_data;
    EXPECT_EQ(r.stdout_data, "hi\n") << name;
    EXPECT_EQ(r.stderr_data, "") << name;
  }
}

TEST_F(CliTest, StdinFromAFileAndFromItsOwnStdin) {
  const auto prog = file("upper.py", "import sys\nsys.stdout.write(sys.stdin.read().upper())\n");
  const auto input = file("input.txt", "from a file\n");
  ProcessResult r = cli({"run", prog, "--stdin", input});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "FROM A FILE\n");
  r = cli({"run", prog, "--stdin", "-"}, "piped in\n");
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "PIPED IN\n");
}

TEST_F(CliTest, ArgumentsAfterDoubleDash) {
  const auto prog = file("args.c",
                         "#include <stdio.h>\nint main(int c,char**v){for(int "
                         "i=1;i<c;i++)printf(\"[%s]\",v[i]);puts(\"\");return 0;}\n");
  ProcessResult r = cli({"run", prog, "--", "a b", "--json", "-x"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "[a b][--json][-x]\n");
}

TEST_F(CliTest, JsonPrintsTheWholeResult) {
  ProcessResult r = cli({"run", file("j.py", "print('x')\n"), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  auto j = nlohmann::json::parse(r.stdout_data, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.stdout_data;
  EXPECT_EQ(j["verdict"], "OK");
  EXPECT_EQ(j["run"]["stdout"], "x\n");
  EXPECT_EQ(j["language"], "python");
  EXPECT_FALSE(j["job_id"].get<std::string>().empty());
}

// Input, arguments and output are bytes: what is not UTF-8 arrives exactly, both ways.
TEST_F(CliTest, BytesThatAreNotUtf8PassThroughExactly) {
  const auto prog = file("echo.py",
                         "import os, sys\n"
                         "sys.stdout.buffer.write(sys.stdin.buffer.read())\n"
                         "sys.stderr.buffer.write(os.fsencode(sys.argv[1]))\n");
  const std::string input("\xff\x00\x01 in \xfe\x80", 9);
  const auto in_file = dir_.path() + "/input.bin";
  std::ofstream(in_file, std::ios::binary) << input;
  ProcessResult r = cli({"run", prog, "--stdin", in_file, "--", "arg\xfe\xff"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data, input);
  EXPECT_EQ(r.stderr_data.substr(0, 5), "arg\xfe\xff");
}

TEST_F(CliTest, CompileErrorIsReportedAndFails) {
  ProcessResult r = cli({"run", file("bad.c", "int main(void) { return nope; }\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.stdout_data, "");
  EXPECT_NE(r.stderr_data.find("nope"), std::string::npos)
      << "the compiler's message: " << r.stderr_data;
  EXPECT_NE(r.stderr_data.find("compilation failed"), std::string::npos) << r.stderr_data;
}

TEST_F(CliTest, RuntimesAndStatusShowTheCluster) {
  ProcessResult r = cli({"runtimes"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  for (const char* lang : {"python", "c", "c++", "java"})
    EXPECT_NE(r.stdout_data.find(lang), std::string::npos) << lang << " in\n" << r.stdout_data;
  r = cli({"status"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_NE(r.stdout_data.find("slave-a"), std::string::npos) << r.stdout_data;
}

TEST_F(CliTest, UnknownExtensionIsAUsageError) {
  ProcessResult r = cli({"run", file("prog.xyz", "hello")});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.stderr_data.find(".xyz"), std::string::npos) << r.stderr_data;
  EXPECT_NE(r.stderr_data.find("--lang"), std::string::npos)
      << "tells what to do: " << r.stderr_data;
}

TEST_F(CliTest, UnreachableMasterSaysSo) {
  // Port 1 on loopback: nothing listens there.
  ProcessResult r = cli({"runtimes", "--master=127.0.0.1:1"}, "", false);
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_NE(r.stderr_data.find("127.0.0.1:1"), std::string::npos) << r.stderr_data;
}

// A master with client tokens (required on loopback too): --token or $POLYRUN_TOKEN.
TEST(CliTokenTest, TheTokenComesFromTheOptionOrTheEnvironment) {
  Cluster::Options options;
  options.slaves = 1;
  options.master_defines = {"master.client.tokens=alpha,beta", "master.client.auth.loopback=true"};
  options.client_token = "alpha";
  std::unique_ptr<Cluster> cluster(startSuiteCluster(options));
  ASSERT_NE(cluster, nullptr);
  TempDir dir;
  const std::string program = dir.path() + "/hello.py";
  std::ofstream(program) << "print('token ok')\n";
  auto cli = [&](std::vector<std::string> extra, std::vector<std::string> env) {
    ProcessSpec spec;
    spec.argv = {binaryPath("polyrun"), "run", program, "--master=" + cluster->masterAddress()};
    spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
    spec.cwd = dir.path();
    spec.env = {"PATH=/usr/bin:/bin", "HOME=" + dir.path()};
    spec.env.insert(spec.env.end(), env.begin(), env.end());
    spec.limits.wall_ms = 60000;
    spec.limits.cpu_ms = 60000;
    return makeProcessSandbox()->run(spec);
  };

  ProcessResult none = cli({}, {});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.stderr_data.find("client token"), std::string::npos) << none.stderr_data;

  ProcessResult wrong = cli({"--token=gamma"}, {});
  EXPECT_EQ(wrong.exit_code, 65) << wrong.stderr_data;
  EXPECT_NE(wrong.stderr_data.find("--token"), std::string::npos) << wrong.stderr_data;

  ProcessResult option = cli({"--token", "beta"}, {});
  EXPECT_EQ(option.exit_code, 0) << option.stderr_data;
  EXPECT_EQ(option.stdout_data, "token ok\n");

  ProcessResult env = cli({}, {"POLYRUN_TOKEN=alpha"});
  EXPECT_EQ(env.exit_code, 0) << env.stderr_data;
  EXPECT_EQ(env.stdout_data, "token ok\n");
}

TEST_F(CliTest, TestCommandPrintsACaseAsItEndsAndFailsOnAWrongAnswer) {
  const auto solution = file("sum.py", "a, b = map(int, input().split())\nprint(a + b)\n");
  ASSERT_EQ(::mkdir((dir_.path() + "/cases").c_str(), 0755), 0);
  for (const auto& [name, content] :
       std::vector<std::pair<std::string, std::string>>{{"1.in", "1 2\n"},
                                                        {"1.out", "3\n"},
                                                        {"2.in", "2 2\n"},
                                                        {"2.out", "5\n"},
                                                        {"10.in", "10 20\n"},
                                                        {"10.out", "30\n"}})
    file("cases/" + name, content);
  ProcessResult r = cli({"test", solution, dir_.path() + "/cases"});
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 1) << r.stdout_data << r.stderr_data;
  // Header, the cases in number order (10 after 2), then the summary.
  const size_t one = r.stdout_data.find("\n1 ");
  const size_t two = r.stdout_data.find("\n2 ");
  const size_t ten = r.stdout_data.find("\n10 ");
  ASSERT_EQ(r.stdout_data.rfind("CASE", 0), 0u) << r.stdout_data;
  ASSERT_TRUE(one != std::string::npos && two != std::string::npos && ten != std::string::npos)
      << r.stdout_data;
  EXPECT_LT(one, two);
  EXPECT_LT(two, ten);
  EXPECT_NE(r.stdout_data.find("WRONG_ANSWER"), std::string::npos) << r.stdout_data;
  EXPECT_NE(r.stdout_data.find("expected \"5\", got \"4\""), std::string::npos);
  EXPECT_NE(r.stdout_data.find("passed 2 of 3 cases; first failure: 2 (WRONG_ANSWER)"),
            std::string::npos)
      << r.stdout_data;

  file("cases/2.out", "4\n");
  r = cli({"test", solution, dir_.path() + "/cases", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.stdout_data << r.stderr_data;
  const auto result = nlohmann::json::parse(r.stdout_data, nullptr, false);
  ASSERT_TRUE(result.is_object()) << r.stdout_data;
  EXPECT_EQ(result.value("verdict", ""), "OK");
  EXPECT_EQ(result["tests"].size(), 3u);
  EXPECT_EQ(result["summary"].value("passed", 0), 3);
}

TEST_F(CliTest, SubmitPrintsTheIdAtOnceThenJobWaitsForTheResult) {
  const auto path = file("late.py", "import sys\nprint(input().upper())\nsys.exit(4)\n");
  ProcessResult s = cli({"submit", path, "--stdin", file("in.txt", "later\n")});
  ASSERT_EQ(s.exit_code, 0) << s.stderr_data;
  const std::string id = s.stdout_data.substr(0, s.stdout_data.find('\n'));
  ASSERT_EQ(id.rfind("j-", 0), 0u) << s.stdout_data;
  EXPECT_EQ(s.stdout_data, id + "\n") << "only the id, for $(polyrun submit ...)";

  ProcessResult j = cli({"job", id, "--wait"});
  EXPECT_EQ(j.exit_code, 4) << "the program's exit code, as polyrun run gives it: "
                            << j.stderr_data;
  EXPECT_EQ(j.stdout_data, "LATER\n");
  EXPECT_NE(j.stderr_data.find("RUNTIME_ERROR"), std::string::npos) << j.stderr_data;

  ProcessResult again = cli({"job", id, "--json"});
  EXPECT_EQ(again.exit_code, 4);
  const auto answer = nlohmann::json::parse(again.stdout_data, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << again.stdout_data;
  EXPECT_EQ(answer.value("state", ""), "finished");
  EXPECT_EQ(answer["result"]["run"]["stdout"], "LATER\n");

  ProcessResult unknown = cli({"job", "j-00000000000000000000000000000000-0000000000000000"});
  EXPECT_EQ(unknown.exit_code, 65) << unknown.stderr_data;
  EXPECT_NE(unknown.stderr_data.find("no job"), std::string::npos) << unknown.stderr_data;
}

TEST_F(CliTest, CancelStopsARunningJobAndJobSaysSo) {
  const auto path = file("forever.py", "import time\nwhile True:\n    time.sleep(1)\n");
  ProcessResult s = cli({"submit", path, "--time-limit", "30000"});
  ASSERT_EQ(s.exit_code, 0) << s.stderr_data;
  const std::string id = s.stdout_data.substr(0, s.stdout_data.find('\n'));
  ProcessResult before = cli({"job", id});
  EXPECT_EQ(before.exit_code, 0) << before.stderr_data;
  EXPECT_EQ(before.stdout_data.rfind(id + " ", 0), 0u) << before.stdout_data;
  ProcessResult c = cli({"cancel", id});
  EXPECT_EQ(c.exit_code, 0) << c.stderr_data;
  EXPECT_EQ(c.stdout_data.rfind("cancelled " + id + " (was ", 0), 0u) << c.stdout_data;
  ProcessResult after = cli({"job", id, "--wait"});
  EXPECT_EQ(after.exit_code, 130) << after.stderr_data;
  EXPECT_NE(after.stderr_data.find("cancelled"), std::string::npos) << after.stderr_data;
}

TEST_F(CliTest, JobShowsAJudgedJobAsTestDoes) {
  const auto solution = file("double.py", "print(int(input()) * 2)\n");
  ASSERT_EQ(::mkdir((dir_.path() + "/dcases").c_str(), 0755), 0);
  file("dcases/a.in", "2\n");
  file("dcases/a.out", "4\n");
  ProcessResult t = cli({"test", solution, dir_.path() + "/dcases", "--json"});
  ASSERT_EQ(t.exit_code, 0) << t.stderr_data;
  const auto result = nlohmann::json::parse(t.stdout_data, nullptr, false);
  ProcessResult j = cli({"job", result.value("job_id", "")});
  EXPECT_EQ(j.exit_code, 0) << j.stderr_data;
  EXPECT_NE(j.stdout_data.find("passed 1 of 1"), std::string::npos) << j.stdout_data;
}

TEST_F(CliTest, TestCommandWithACheckerProgramInAnotherLanguage) {
  const auto solution = file("third.c",
                             "#include <stdio.h>\nint main(void) { double a, b; "
                             "scanf(\"%lf %lf\", &a, &b); printf(\"%.3f\\n\", a / b); }\n");
  // testlib's order: INPUT OUTPUT ANSWER; accepts within 1e-2.
  const auto checker = file("near.py",
                            "import sys\n"
                            "got = float(open(sys.argv[2]).read())\n"
                            "want = float(open(sys.argv[3]).read())\n"
                            "print('got %g, want %g' % (got, want))\n"
                            "sys.exit(0 if abs(got - want) < 1e-2 else 1)\n");
  ASSERT_EQ(::mkdir((dir_.path() + "/near").c_str(), 0755), 0);
  file("near/1.in", "1 3\n");
  file("near/1.out", "0.3333333\n");
  file("near/2.in", "2 3\n");
  file("near/2.out", "0.5\n");
  ProcessResult r = cli({"test", solution, dir_.path() + "/near", "--checker", checker});
  EXPECT_EQ(r.exit_code, 1) << r.stdout_data << r.stderr_data;
  EXPECT_NE(r.stdout_data.find("passed 1 of 2"), std::string::npos) << r.stdout_data;
  EXPECT_NE(r.stdout_data.find("got 0.667, want 0.5"), std::string::npos)
      << "the checker's words are the case's message: " << r.stdout_data;
  // A C++ checker named .cc: "cc" is no language's name, but an extension of c++ in runtimes.
  const auto cc = file("near.cc",
                       "#include <cmath>\n#include <fstream>\nint main(int, char** argv) {\n"
                       "  double got, want;\n  std::ifstream(argv[2]) >> got;\n"
                       "  std::ifstream(argv[3]) >> want;\n"
                       "  return std::fabs(got - want) < 1e-2 ? 0 : 1;\n}\n");
  ProcessResult c = cli({"test", solution, dir_.path() + "/near", "--checker", cc});
  EXPECT_EQ(c.exit_code, 1) << c.stdout_data << c.stderr_data;
  EXPECT_NE(c.stdout_data.find("passed 1 of 2"), std::string::npos)
      << c.stdout_data << c.stderr_data;
  const auto odd = file("check.xyz", "whatever");
  ProcessResult u = cli({"test", solution, dir_.path() + "/near", "--checker", odd});
  EXPECT_EQ(u.exit_code, 65) << u.stderr_data;
  EXPECT_NE(u.stderr_data.find("checker's language \"xyz\""), std::string::npos) << u.stderr_data;
}

TEST_F(CliTest, TestCommandWithACompileErrorRunsNoCase) {
  const auto solution = file("bad.c", "int main(void) { return x; }\n");
  file("1.in", "1\n");
  file("1.out", "1\n");
  ProcessResult r = cli({"test", solution, dir_.path()});
  EXPECT_EQ(r.exit_code, 1) << r.stdout_data << r.stderr_data;
  EXPECT_NE(r.stdout_data.find("compilation failed: no case ran"), std::string::npos)
      << r.stdout_data;
  EXPECT_NE(r.stderr_data.find("error"), std::string::npos) << "the compiler's output is shown";
}

TEST_F(CliTest, TestCommandNamesAnEmptyFolder) {
  const auto solution = file("sum.py", "print(1)\n");
  ASSERT_EQ(::mkdir((dir_.path() + "/empty").c_str(), 0755), 0);
  ProcessResult r = cli({"test", solution, dir_.path() + "/empty"});
  EXPECT_EQ(r.exit_code, 66) << r.stderr_data;
  EXPECT_NE(r.stderr_data.find("NAME.in"), std::string::npos) << r.stderr_data;
}

}  // namespace
}  // namespace polyrun::test
