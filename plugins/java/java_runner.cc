// The Java runner plugin: javac compiles every .java file into the work directory, java runs
// the class with main. The main file is named after its public class, whatever the client sent.
#include <filesystem>
#include <iterator>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "java/java_source.h"
#include "polyrun/plugin_macros.h"
#include "polyrun/runner_support.h"

namespace polyrun::runners {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRemedy =
    "install openjdk-17-jdk-headless or set slave.plugin.polyrun_java.jdk.home";

// javac is a short-lived tool: it starts fastest on one GC thread and the C1 compiler only, with
// its class-data archive when there is one, and a 64 MB starting heap (its launcher's 8 MB makes
// a hello world's compilation collect five times); no perf data file is left in the shared /tmp.
// docs/performance.md, "Compile cache and toolchains".
constexpr const char* kJavacJvmFlags[] = {"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                          "-Xshare:auto", "-XX:-UsePerfData", "-Xms64m"};

// Programs keep the default G1 collector and both JIT compilers (C1 only made CPU-bound programs
// 1.4x slower), with a fixed number of GC and compiler threads: a JVM on a many-core host stays
// far under the stage's process limit, and starts faster than with the defaults.
constexpr const char* kRunJvmFlags[] = {"-XX:ParallelGCThreads=1", "-XX:ConcGCThreads=1",
                                        "-XX:CICompilerCount=2", "-Xshare:auto",
                                        "-XX:-UsePerfData"};

// javac runs on a JVM too: each flag passed through with -J.
std::vector<std::string> javacCommand(const std::string& javac) {
  std::vector<std::string> argv = {javac};
  for (const char* flag : kJavacJvmFlags) argv.push_back(std::string("-J") + flag);
  return argv;
}

constexpr const char* kSelfTestSource = R"(import java.io.BufferedReader;
import java.io.InputStreamReader;

public class Reverse {
  public static void main(String[] args) throws Exception {
    String line = new BufferedReader(new InputStreamReader(System.in)).readLine();
    System.out.println(new StringBuilder(line).reverse());
  }
}
)";

constexpr const char* kJavacArchive = "javac.jsa";

class JavaRunner final : public Runner {
 public:
  explicit JavaRunner(const fs::path& jdk)
      : javac_((jdk / "bin" / "javac").string()), java_((jdk / "bin" / "java").string()) {}

  RunnerInfo info() const noexcept override { return {"java", "17", {"jdk"}, {".java"}, true}; }

  Prepared prepare(const PrepareInput& input) const noexcept override {
    return guarded<Prepared>("java runner", [&] {
      Prepared prepared;
      if (input.files.empty()) {
        prepared.error = "the job has no files";
        return prepared;
      }
      const JavaEntryPoint entry = findEntryPoint(input.files.front().content);
      if (!entry.error.empty()) {
        prepared.error = entry.error;
        return prepared;
      }
      prepared.error = layOutFiles(input, entry.file_class + ".java", &prepared.files);
      if (!prepared.error.empty()) return prepared;
      Command compile;
      compile.argv = javacCommand(javac_);
      // javac's own classes from the archive the toolchain dumped: a JVM that cannot map it
      // (another JDK build, other flags) silently loads them from the runtime image instead.
      if (!input.toolchain_dir.empty())
        compile.argv.push_back("-J-XX:SharedArchiveFile=" + input.toolchain_dir + "/" +
                               kJavacArchive);
      // -proc:none: no annotation processor runs, not even one the job ships on the class
      // path (META-INF/services): compiling must not run the job's code.
      compile.argv.insert(compile.argv.end(), {"-proc:none", "-encoding", "UTF-8", "-d", "."});
      for (const auto& file : prepared.files) {
        if (hasExtension(file.path, {".java"})) compile.argv.push_back(file.path);
      }
      prepared.compile = std::move(compile);
      prepared.artifacts = {"*.class"};  // nested, anonymous and packaged classes too
      prepared.run.argv = {java_};
      prepared.run.argv.insert(prepared.run.argv.end(), std::begin(kRunJvmFlags),
                               std::end(kRunJvmFlags));
      prepared.run.argv.insert(prepared.run.argv.end(), {"-cp", ".", entry.run_class});
      prepared.run.argv.insert(prepared.run.argv.end(), input.args.begin(), input.args.end());
      return prepared;
    });
  }

  SelfTest selfTest() const noexcept override {
    return {{{"", kSelfTestSource}}, std::string(kSelfTestInput), std::string(kSelfTestOutput)};
  }

  // An application class-data-sharing archive of the classes javac loads, dumped at the exit of
  // one compilation: javac then takes 0.6 of the time (docs/performance.md). The JDK's default
  // archive already covers what `java` loads for a small program, so runs get none.
  ToolchainPlan toolchain() const noexcept override {
    return guardedPlan("java runner toolchain", [&] {
      ToolchainPlan plan;
      plan.files.push_back({"Reverse.java", kSelfTestSource, false});
      Command dump{javacCommand(javac_), {}};
      dump.argv.push_back(std::string("-J-XX:ArchiveClassesAtExit=") + kJavacArchive);
      dump.argv.insert(dump.argv.end(),
                       {"-proc:none", "-encoding", "UTF-8", "-d", ".", "Reverse.java"});
      plan.commands.push_back(std::move(dump));
      plan.outputs.push_back(kJavacArchive);
      return plan;
    });
  }

  Command versionCommand() const noexcept override {
    Command command{javacCommand(javac_), {}};
    command.argv.push_back("-version");
    return command;
  }

  // "javac 17.0.15" -> "17.0.15"
  std::string parseVersion(const std::string& output) const noexcept override {
    return versionAfter(output, "javac ");
  }

 private:
  std::string javac_;
  std::string java_;
};

// The JDK home: the "jdk.home" setting, else the JDK that /usr/bin/javac leads to through
// /etc/alternatives. Empty with *error set when javac or java is missing.
fs::path findJdk(const PluginSettings& settings, std::string* error) {
  fs::path jdk = settingOr(settings, "jdk.home", "");
  if (jdk.empty()) {
    const std::string javac = "/usr/bin/javac";
    if (*error = checkExecutable(javac, "javac", kRemedy); !error->empty()) return {};
    std::error_code ec;
    jdk = fs::canonical(javac, ec).parent_path().parent_path();
    if (ec) {
      *error = "javac at " + javac + " cannot be resolved: " + ec.message();
      return {};
    }
  } else if (!jdk.is_absolute()) {
    *error = "slave.plugin.polyrun_java.jdk.home = " + jdk.string() + " must be an absolute path";
    return {};
  }
  for (const char* tool : {"javac", "java"}) {
    if (*error = checkExecutable((jdk / "bin" / tool).string(), tool, kRemedy); !error->empty())
      return {};
  }
  return jdk;
}

// Settings: "jdk.home", the JDK's root directory (holding bin/javac and bin/java).
CreateResult createRunners(const PluginSettings& settings) {
  return guarded<CreateResult>("polyrun_java", [&] {
    CreateResult result;
    const fs::path jdk = findJdk(settings, &result.error);
    if (!jdk.empty()) result.runners.push_back(std::make_shared<JavaRunner>(jdk));
    return result;
  });
}

}  // namespace
}  // namespace polyrun::runners

POLYRUN_DECLARE_PLUGIN(polyrun::runners::createRunners)
