// The four runner plugins, loaded for real and run through the real process sandbox.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "polyrun/job_executor.h"
#include "polyrun/plugin_loader.h"
#include "polyrun/sandbox.h"
#include "support/test_support.h"

namespace polyrun {
namespace {

// Loads each plugin once for the whole binary; the runners keep their libraries loaded.
const Runner& runnerFrom(const std::string& library) {
  static std::map<std::string, std::shared_ptr<const Runner>> loaded;
  auto& runner = loaded[library];
  if (!runner) {
    PluginLoadResult result =
        loadPlugin(std::string(POLYRUN_PLUGIN_DIR) + "/polyrun_" + library + ".so", {});
    if (result.runners.size() != 1)
      throw std::runtime_error("cannot load " + library + ": " + result.error);
    runner = result.runners.front().runner;
  }
  return *runner;
}

std::vector<SourceFile> oneFile(const std::string& name, const std::string& content) {
  return {{name, content, Encoding::kUtf8}};
}

PrepareInput inputOf(const std::vector<SourceFile>& files) {
  PrepareInput input;
  for (const auto& f : files) input.files.push_back({f.name, f.content});
  return input;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class RunnerTest : public ::testing::Test {
 protected:
  JobResult run(const std::string& library, std::vector<SourceFile> files,
                const std::string& stdin_data = "", std::vector<std::string> args = {}) {
    Job job;
    job.id = "test";
    job.language = runnerFrom(library).info().language;
    job.files = std::move(files);
    job.stdin_data = stdin_data;
    job.args = std::move(args);
    return executeJob(runnerFrom(library), *sandbox_, job, options());
  }

  ExecutorOptions options() const {
    ExecutorOptions o;
    o.work_root = work_.path();
    o.fallback = defaultLimits();
    return o;
  }
  // As the slave prepares toolchains: generous limits, a precompiled header takes seconds.
  ExecutorOptions toolchainOptions() const {
    ExecutorOptions o = options();
    o.fallback.compile = {300000, 300000, 2ll << 30};
    return o;
  }

  test::TempDir work_;
  std::unique_ptr<Sandbox> sandbox_ = makeProcessSandbox();
};

// The same programs in every language.
struct Language {
  std::string library;
  std::string version_prefix;  // of the toolchain installed on the build machine (Debian 12)
  std::string hello;           // prints "Hello, world!"
  std::string echo;            // prints each argument on its own line, then copies stdin
  std::string exit3;           // prints "before", exits with code 3
  std::string broken;          // does not compile (Python: does not parse)
};

std::string printTo(const ::testing::TestParamInfo<Language>& info) { return info.param.library; }

const Language kPython = {
    "python",
    "3.11",
    "print('Hello, world!')\n",
    "import sys\nfor a in sys.argv[1:]:\n    print(a)\nsys.stdout.write(sys.stdin.read())\n",
    "print('before')\nraise SystemExit(3)\n",
    "print('unclosed'\n",
};

const Language kC = {
    "c",
    "12",
    "#include <stdio.h>\nint main(void) { puts(\"Hello, world!\"); return 0; }\n",
    R"(#include <stdio.h>
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) puts(argv[i]);
  int c;
  while ((c = getchar()) != EOF) putchar(c);
  return 0;
}
)",
    "#include <stdio.h>\nint main(void) { puts(\"before\"); return 3; }\n",
    "int main(void) { return undeclared_variable; }\n",
};

const Language kCpp = {
    "cpp",
    "12",
    "#include <iostream>\nint main() { std::cout << \"Hello, world!\" << std::endl; }\n",
    R"(#include <iostream>
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) std::cout << argv[i] << '\n';
  std::cout << std::cin.rdbuf();
}
)",
    "#include <cstdio>\nint main() { std::puts(\"before\"); return 3; }\n",
    "int main() { undeclared_function(); }\n",
};

const Language kJava = {
    "java",
    "17",
    R"(public class Main {
  public static void main(String[] args) {
    System.out.println("Hello, world!");
  }
}
)",
    R"(public class Echo {
  public static void main(String[] args) throws Exception {
    for (String a : args) System.out.println(a);
    System.in.transferTo(System.out);
    System.out.flush();
  }
}
)",
    R"(public class Main {
  public static void main(String[] args) {
    System.out.println("before");
    System.exit(3);
  }
}
)",
    "public class Main { public static void main(String[] args) { int x = } }\n",
};

class LanguageTest : public RunnerTest, public ::testing::WithParamInterface<Language> {
 protected:
  const Runner& runner() const { return runnerFrom(GetParam().library); }
};

TEST_P(LanguageTest, HelloWorld) {
  const JobResult r = run(GetParam().library, oneFile("", GetParam().hello));
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  ASSERT_TRUE(r.run);
  EXPECT_EQ(r.run->stdout_data, "Hello, world!\n");
  EXPECT_EQ(r.run->stderr_data, "");
  EXPECT_EQ(r.run->exit_code, 0);
  EXPECT_EQ(r.compile.has_value(), runner().info().compiled);
}

TEST_P(LanguageTest, PassesArgumentsAndStdin) {
  const std::string input = "first line\nsecond \xe2\x80\x94 line\n";
  const JobResult r =
      run(GetParam().library, oneFile("", GetParam().echo), input, {"one", "two words", "--flag"});
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message;
  EXPECT_EQ(r.run->stdout_data, "one\ntwo words\n--flag\n" + input);
}

TEST_P(LanguageTest, NonZeroExitIsARuntimeErrorWithItsCode) {
  const JobResult r = run(GetParam().library, oneFile("", GetParam().exit3));
  EXPECT_EQ(r.verdict, Verdict::kRuntimeError);
  ASSERT_TRUE(r.run);
  EXPECT_EQ(r.run->verdict, Verdict::kRuntimeError);
  EXPECT_EQ(r.run->exit_code, 3);
  EXPECT_EQ(r.run->stdout_data, "before\n");
}

TEST_P(LanguageTest, BrokenSourceFailsWithTheToolsMessage) {
  const JobResult r = run(GetParam().library, oneFile("", GetParam().broken));
  if (runner().info().compiled) {
    EXPECT_EQ(r.verdict, Verdict::kCompileError);
    ASSERT_TRUE(r.compile);
    EXPECT_EQ(r.compile->verdict, Verdict::kCompileError);
    EXPECT_NE(r.compile->exit_code, 0);
    EXPECT_NE(r.compile->stderr_data, "");
    EXPECT_FALSE(r.run);
  } else {
    EXPECT_EQ(r.verdict, Verdict::kRuntimeError);
    EXPECT_FALSE(r.compile);
    ASSERT_TRUE(r.run);
    EXPECT_EQ(r.run->exit_code, 1);
    EXPECT_TRUE(contains(r.run->stderr_data, "SyntaxError")) << r.run->stderr_data;
  }
}

TEST_P(LanguageTest, SelfTestPasses) {
  EXPECT_EQ(runSelfTest(runner(), *sandbox_, options()).message(), "");
}

TEST_P(LanguageTest, DetectsTheInstalledVersion) {
  std::string version;
  EXPECT_EQ(detectVersion(runner(), *sandbox_, options(), &version).message(), "");
  EXPECT_EQ(version.rfind(GetParam().version_prefix, 0), 0u) << version;
}

TEST_F(RunnerTest, ParseVersionReadsEachToolsOutput) {
  EXPECT_EQ(runnerFrom("python").parseVersion("Python 3.11.2\n"), "3.11.2");
  EXPECT_EQ(runnerFrom("python").parseVersion("Python 3.13.0rc1\n"), "3.13.0");
  EXPECT_EQ(runnerFrom("c").parseVersion("12.2.0\n"), "12.2.0");
  EXPECT_EQ(runnerFrom("cpp").parseVersion("12\n"), "12");
  EXPECT_EQ(runnerFrom("java").parseVersion("javac 17.0.15\n"), "17.0.15");
  EXPECT_EQ(runnerFrom("java").parseVersion("Picked up JAVA_TOOL_OPTIONS: -Xmx1g\njavac 17.0.15\n"),
            "17.0.15");
}

TEST_P(LanguageTest, ParseVersionReturnsEmptyOnGarbage) {
  for (const std::string& garbage :
       std::vector<std::string>{"", "garbage", "\n\n", "Python", "Python x.y", "javac ",
                                "error: invalid flag -x", ".5", std::string("\0\xff\x01", 3)}) {
    EXPECT_EQ(runner().parseVersion(garbage), "") << garbage;
  }
}

// Every runner lays out only relative paths and starts only absolute tools or ./main.
TEST_P(LanguageTest, PrepareKeepsEverythingInsideTheWorkDirectory) {
  PrepareInput input = inputOf(oneFile("", GetParam().hello));
  input.args = {"x", "y z"};
  const Prepared p = runner().prepare(input);
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.files.size(), 1u);
  EXPECT_NE(p.files.front().path.front(), '/');
  EXPECT_FALSE(contains(p.files.front().path, ".."));
  ASSERT_GE(p.run.argv.size(), 3u);
  EXPECT_TRUE(p.run.argv.front().front() == '/' || p.run.argv.front() == "./main")
      << p.run.argv.front();
  EXPECT_EQ(std::vector<std::string>(p.run.argv.end() - 2, p.run.argv.end()),
            (std::vector<std::string>{"x", "y z"}));
  if (p.compile) {
    EXPECT_EQ(p.compile->argv.front().front(), '/');
  }
}

TEST_P(LanguageTest, PrepareRefusesBadFileNames) {
  const std::string ext = runner().info().extensions.front();
  for (const std::string& bad : std::vector<std::string>{
           "../evil" + ext, "/etc/passwd", "dir/../../evil" + ext, "a//b", "./x" + ext, "-rf",
           std::string("nul\0byte", 8), "x/", "@opts", "@main" + ext, [] {
             std::string deep;  // 1,200 bytes: over any path a job needs
             for (int i = 0; i < 120; ++i) deep += "directory/";
             return deep + "x";
           }() + ext}) {
    SCOPED_TRACE(bad);
    std::vector<SourceFile> extra = oneFile("", GetParam().hello);
    extra.push_back({bad, "data", Encoding::kUtf8});
    EXPECT_NE(runner().prepare(inputOf(extra)).error, "");
    EXPECT_NE(runner().prepare(inputOf(oneFile(bad, GetParam().hello))).error, "");
  }
  std::vector<SourceFile> twice = oneFile("", GetParam().hello);
  twice.push_back({"data.txt", "a", Encoding::kUtf8});
  twice.push_back({"data.txt", "b", Encoding::kUtf8});
  EXPECT_TRUE(contains(runner().prepare(inputOf(twice)).error, "two files are named"));
}

INSTANTIATE_TEST_SUITE_P(Runners, LanguageTest, ::testing::Values(kPython, kC, kCpp, kJava),
                         printTo);

TEST_F(RunnerTest, PythonRefusesAPathOutOfTheWorkDirectory) {
  const JobResult r = run("python", oneFile("../evil.py", "print('escaped')\n"));
  EXPECT_EQ(r.verdict, Verdict::kCompileError);
  EXPECT_TRUE(contains(r.message, "../evil.py")) << r.message;
  EXPECT_FALSE(r.run);
}

TEST_F(RunnerTest, PythonImportsAModuleSentAlongside) {
  std::vector<SourceFile> files = oneFile("", "import helper\nprint(helper.twice(21))\n");
  files.push_back({"helper.py", "def twice(x):\n    return 2 * x\n", Encoding::kUtf8});
  const JobResult r = run("python", files);
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << r.run->stderr_data;
  EXPECT_EQ(r.run->stdout_data, "42\n");
}

TEST_F(RunnerTest, PythonRunsTheMainFileUnderItsOwnName) {
  const Prepared p = runnerFrom("python").prepare(inputOf(oneFile("solve.py", "print(1)\n")));
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.files.front().path, "solve.py");
  EXPECT_FALSE(p.compile);
  EXPECT_EQ(p.run.argv, (std::vector<std::string>{
                            runnerFrom("python").versionCommand().argv.front(), "-B", "solve.py"}));
}

TEST_F(RunnerTest, UnnamedFilesBesideTheMainOneGetPistonsNames) {
  std::vector<SourceFile> files = oneFile("", "print(1)\n");
  files.push_back({"", "data", Encoding::kUtf8});
  const Prepared p = runnerFrom("python").prepare(inputOf(files));
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.files.size(), 2u);
  EXPECT_EQ(p.files[0].path, "main.py");
  EXPECT_EQ(p.files[1].path, "file1.code");
  EXPECT_EQ(p.files[1].content, "data");
}

TEST_F(RunnerTest, CCompilesWithTheDefaultFlags) {
  const Runner& c = runnerFrom("c");
  const Prepared p = c.prepare(inputOf(oneFile("", kC.hello)));
  ASSERT_EQ(p.error, "");
  ASSERT_TRUE(p.compile);
  EXPECT_EQ(p.compile->argv,
            (std::vector<std::string>{c.versionCommand().argv.front(), "-std=gnu17", "-O2", "-pipe",
                                      "-o", "main", "main.c", "-lm"}));
  EXPECT_EQ(p.run.argv, std::vector<std::string>{"./main"});
}

TEST_F(RunnerTest, CLinksLibmAndCompilesEverySource) {
  std::vector<SourceFile> files = oneFile("", R"(#include <math.h>
#include <stdio.h>
#include "util.h"
int main(void) {
  double x;
  if (scanf("%lf", &x) != 1) return 1;
  printf("%.1f %d\n", sqrt(x), twice(21));
  return 0;
}
)");
  files.push_back({"util.h", "int twice(int x);\n", Encoding::kUtf8});
  files.push_back(
      {"util.c", "#include \"util.h\"\nint twice(int x) { return 2 * x; }\n", Encoding::kUtf8});
  const JobResult r = run("c", files, "16\n");
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << (r.compile ? r.compile->stderr_data : "");
  EXPECT_EQ(r.run->stdout_data, "4.0 42\n");
}

TEST_F(RunnerTest, CppCompilesTheMainFileWhateverItsNameAndOnlySourcesBesideIt) {
  std::vector<SourceFile> files = oneFile("file0.code",
                                          "#include <iostream>\n#include \"lib.hpp\"\n"
                                          "int main() { std::cout << answer() << '\\n'; }\n");
  files.push_back({"lib.hpp", "int answer();\n", Encoding::kUtf8});
  files.push_back(
      {"lib.cc", "#include \"lib.hpp\"\nint answer() { return 42; }\n", Encoding::kUtf8});
  const Prepared p = runnerFrom("cpp").prepare(inputOf(files));
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(std::count(p.compile->argv.begin(), p.compile->argv.end(), "lib.hpp"), 0);
  const JobResult r = run("cpp", files);
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << (r.compile ? r.compile->stderr_data : "");
  EXPECT_EQ(r.run->stdout_data, "42\n");
}

TEST_F(RunnerTest, GccRefusesAFileNamedLikeTheProgram) {
  std::vector<SourceFile> files = oneFile("", kC.hello);
  files.push_back({"main", "data", Encoding::kUtf8});
  EXPECT_TRUE(contains(runnerFrom("c").prepare(inputOf(files)).error, "\"main\""));
}

// One JVM run for three things: the file is renamed after its public class, the class is found
// in its package, and a second source file is compiled beside it.
TEST_F(RunnerTest, JavaRunsAPublicClassInAPackageWhateverTheFileIsCalled) {
  std::vector<SourceFile> files = oneFile("main.java", R"(package app.demo;

import java.util.Scanner;

public class Solution {
  public static void main(String[] args) {
    String name = new Scanner(System.in).nextLine();
    System.out.println(Solution.class.getName() + ": " + Helper.greet(name) + args[0]);
  }
}
)");
  files.push_back({"Helper.java",
                   "package app.demo;\nclass Helper { static String greet(String n) { return \"hi "
                   "\" + n; } }\n",
                   Encoding::kUtf8});
  const JobResult r = run("java", files, "ada\n", {"!"});
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << (r.compile ? r.compile->stderr_data : "");
  EXPECT_EQ(r.run->stdout_data, "app.demo.Solution: hi ada!\n");
}

// javac runs no annotation processor, not even one the job names on its class path: a
// processor is the job's code running inside the compiler. The one named here does not exist,
// which javac reports as an error whenever it looks for processors.
TEST_F(RunnerTest, JavacRunsNoAnnotationProcessorTheJobShips) {
  std::vector<SourceFile> files = oneFile("", kJava.hello);
  files.push_back(
      {"META-INF/services/javax.annotation.processing.Processor", "Injected\n", Encoding::kUtf8});
  const JobResult r = run("java", files);
  ASSERT_EQ(r.verdict, Verdict::kOk) << r.message << (r.compile ? r.compile->stderr_data : "");
  EXPECT_EQ(r.run->stdout_data, "Hello, world!\n");
}

// Which file name and which class: decided from the source alone, without running javac.
TEST_F(RunnerTest, JavaFindsTheClassToNameAndRun) {
  struct Case {
    std::string source;
    std::string file;       // expected main file name; empty when an error is expected
    std::string run_class;  // expected class given to java
  };
  const std::vector<Case> cases = {
      {"public class Solution { public static void main(String[] a) {} }", "Solution.java",
       "Solution"},
      {"// public class Commented {}\n/* public class Block {} */\n"
       "class Real { static public void main(String... a) { String s = \"public class Str {\"; "
       "char c = '{'; } }",
       "Real.java", "Real"},
      {"class Helper { void main() {} }\nclass App { public static void main(String[] a) {} }",
       "App.java", "App"},
      {"public final class Api { }\nclass Runner { public static void main(String[] a) {} }",
       "Api.java", "Runner"},
      {"@SuppressWarnings(\"x\")\npublic class Text { String t = \"\"\"\n  } class Fake {\n  "
       "\"\"\";\n"
       "  public static void main(String[] a) {} }",
       "Text.java", "Text"},
      {"package a.b;\nimport java.util.*;\npublic record Point(int x) { "
       "public static void main(String[] a) {} }",
       "Point.java", "a.b.Point"},
      {"public class Main { static class Inner { public static void main(String[] a) {} } }",
       "Main.java", "Main"},
      {"class NoMain { void run() {} }", "", ""},
      {"int x = 3;", "", ""},
      {"", "", ""},
  };
  const Runner& java = runnerFrom("java");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    const Prepared p = java.prepare(inputOf(oneFile("", c.source)));
    if (c.file.empty()) {
      EXPECT_NE(p.error, "");
      continue;
    }
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.files.front().path, c.file);
    ASSERT_GE(p.run.argv.size(), 3u);
    EXPECT_EQ(p.run.argv.back(), c.run_class);
    EXPECT_EQ(p.compile->argv.back(), c.file);
  }
}

// --- artifacts and toolchains -------------------------------------------------------------------

TEST_F(RunnerTest, CompiledRunnersNameTheirArtifacts) {
  EXPECT_EQ(runnerFrom("c").prepare(inputOf(oneFile("a.c", "int main(){}"))).artifacts,
            std::vector<std::string>{"main"});
  EXPECT_EQ(runnerFrom("cpp").prepare(inputOf(oneFile("a.cpp", "int main(){}"))).artifacts,
            std::vector<std::string>{"main"});
  EXPECT_EQ(runnerFrom("java")
                .prepare(inputOf(
                    oneFile("A.java", "public class A { public static void main(String[] a) {} }")))
                .artifacts,
            std::vector<std::string>{"*.class"});
  EXPECT_TRUE(runnerFrom("python").prepare(inputOf(oneFile("a.py", "pass"))).artifacts.empty());
  EXPECT_TRUE(runnerFrom("python").toolchain().commands.empty());
  EXPECT_TRUE(runnerFrom("c").toolchain().commands.empty()) << "nothing in C is worth precompiling";
}

// Runs the compile command of `source` by hand with extra flags; the compiler's stderr, then its
// stdout.
std::string compileWith(const Runner& runner, Sandbox& sandbox, const std::string& work_root,
                        const PrepareInput& input, const std::vector<std::string>& extra,
                        int* exit_code) {
  const Prepared p = runner.prepare(input);
  const std::string dir = work_root + "/by-hand";
  std::filesystem::create_directories(dir);
  for (const auto& f : p.files) std::ofstream(dir + "/" + f.path) << f.content;
  ProcessSpec spec;
  spec.argv = p.compile->argv;
  spec.argv.insert(spec.argv.begin() + 1, extra.begin(), extra.end());
  spec.cwd = dir;
  spec.env = cleanEnvironment(dir);
  spec.limits.wall_ms = spec.limits.cpu_ms = 120000;
  const ProcessResult r = sandbox.run(spec);
  *exit_code = r.exit_code;
  std::filesystem::remove_all(dir);
  return r.stderr_data + r.stdout_data;
}

// The precompiled headers are made with the job flags, so g++ really uses them (-H marks a used
// one with "!"), and the program is the same.
TEST_F(RunnerTest, CppToolchainPrecompilesHeadersThatJobsUse) {
  const Runner& cpp = runnerFrom("cpp");
  const std::string root = work_.path() + "/toolchains";
  std::string dir;
  ASSERT_EQ(prepareToolchain(cpp, "12", *sandbox_, toolchainOptions(), root, &dir).message(), "");
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(std::filesystem::exists(dir + "/iostream.gch"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/bits/stdc++.h.gch"));

  for (const auto& [header, gch] :
       {std::pair<std::string, std::string>{"iostream", "/iostream.gch"},
        {"bits/stdc++.h", "/bits/stdc++.h.gch"}}) {
    PrepareInput input =
        inputOf(oneFile("main.cpp", "#include <" + header +
                                        ">\n"
                                        "int main() { std::cout << \"Hello, world!\\n\"; }\n"));
    input.toolchain_dir = dir;
    int code = -1;
    const std::string err =
        compileWith(cpp, *sandbox_, work_.path(), input, {"-H", "-Winvalid-pch"}, &code);
    EXPECT_EQ(code, 0) << err;
    EXPECT_TRUE(contains(err, "! " + dir + gch)) << header << " precompiled header unused:\n"
                                                 << err.substr(0, 2000);

    Job job;
    job.id = "pch";
    job.language = "c++";
    job.files = {{"main.cpp", input.files[0].content, Encoding::kUtf8}};
    ExecutorOptions with = options();
    with.toolchain_dir = dir;
    const JobResult r = executeJob(cpp, *sandbox_, job, with);
    EXPECT_EQ(r.verdict, Verdict::kOk) << r.message;
    ASSERT_TRUE(r.run.has_value());
    EXPECT_EQ(r.run->stdout_data, "Hello, world!\n");
    EXPECT_EQ(r.compile->stderr_data, "") << "no warning from the precompiled header";
  }
}

// javac loads its classes from the class-data archive its toolchain dumped (the class loading
// log names the archive's top layer as their source), and from the runtime image without it.
TEST_F(RunnerTest, JavaToolchainArchiveIsUsedByJavac) {
  const Runner& java = runnerFrom("java");
  std::string dir;
  ASSERT_EQ(prepareToolchain(java, "17", *sandbox_, toolchainOptions(), work_.path() + "/tc", &dir)
                .message(),
            "");
  ASSERT_FALSE(dir.empty());
  PrepareInput input =
      inputOf(oneFile("", "public class Hi { public static void main(String[] a) {} }"));
  input.toolchain_dir = dir;
  int code = -1;
  const std::string kFromArchive = "shared objects file (top)";
  std::string out =
      compileWith(java, *sandbox_, work_.path(), input, {"-J-Xlog:class+load=info"}, &code);
  EXPECT_EQ(code, 0) << out.substr(0, 2000);
  EXPECT_TRUE(contains(out, kFromArchive)) << "javac did not use " << dir << "/javac.jsa";
  input.toolchain_dir.clear();
  out = compileWith(java, *sandbox_, work_.path(), input, {"-J-Xlog:class+load=info"}, &code);
  EXPECT_FALSE(contains(out, kFromArchive)) << "without the toolchain no archive of ours is used";
}

}  // namespace
}  // namespace polyrun
