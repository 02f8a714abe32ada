#include "common/gcc_runner.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "polyrun/runner_support.h"

namespace polyrun::runners {
namespace {

// What tells C from C++; everything else the two share.
struct GccLanguage {
  RunnerInfo info;               // its extensions are the files that get compiled
  std::string gcc_language;      // gcc's -x name, for a main file named otherwise
  std::string default_main;      // the main file's name when the client gave none
  ToolSpec compiler;             // where the compiler is and which setting overrides it
  std::string flags_setting;     // the setting holding the compiler flags
  std::string default_flags;     // the flags when that setting is unset
  std::string self_test_source;  // reads a line, prints it reversed
  bool precompiled_headers;      // whether its toolchain precompiles the common headers
};

constexpr const char* kCSelfTest = R"(#include <stdio.h>
#include <string.h>

int main(void) {
  char line[256];
  if (!fgets(line, sizeof line, stdin)) return 1;
  for (size_t i = strcspn(line, "\n"); i > 0; --i) putchar(line[i - 1]);
  putchar('\n');
  return 0;
}
)";

// <iostream> first: with the toolchain, the self-test then goes through its precompiled header.
constexpr const char* kCppSelfTest = R"(#include <iostream>
#include <algorithm>
#include <string>

int main() {
  std::string line;
  std::getline(std::cin, line);
  std::reverse(line.begin(), line.end());
  std::cout << line << '\n';
}
)";

GccLanguage languageOf(GccDialect dialect) {
  if (dialect == GccDialect::kC) {
    return {{"c", "12", {"gcc"}, {".c"}, true},
            "c",
            "main.c",
            {"gcc", "polyrun_c", "gcc", "/usr/bin/gcc", "gcc"},
            "cflags",
            "-std=gnu17 -O2 -pipe",
            kCSelfTest,
            false};
  }
  return {{"c++", "12", {"cpp", "g++", "cxx"}, {".cpp", ".cc", ".cxx", ".c++"}, true},
          "c++",
          "main.cpp",
          {"g++", "polyrun_cpp", "gxx", "/usr/bin/g++", "g++"},
          "cxxflags",
          "-std=gnu++17 -O2 -pipe",
          kCppSelfTest,
          true};
}

// What the compiler writes in the work directory and the run stage starts.
constexpr const char* kProgram = "main";
constexpr const char* kDefaultLinkFlags = "-lm";

class GccRunner final : public Runner {
 public:
  GccRunner(GccLanguage language, std::string compiler, std::vector<std::string> flags,
            std::vector<std::string> link_flags)
      : language_(std::move(language)),
        compiler_(std::move(compiler)),
        flags_(std::move(flags)),
        link_flags_(std::move(link_flags)) {}

  RunnerInfo info() const noexcept override { return language_.info; }

  Prepared prepare(const PrepareInput& input) const noexcept override {
    return guarded<Prepared>("gcc runner", [&] {
      Prepared prepared;
      prepared.error =
          layOutFiles(input, mainFileName(input, language_.default_main), &prepared.files);
      if (!prepared.error.empty()) return prepared;
      Command compile;
      compile.argv = {compiler_};
      compile.argv.insert(compile.argv.end(), flags_.begin(), flags_.end());
      // The precompiled headers: g++ looks for <name>.gch in each include directory before
      // <name>, and uses it only when it fits (made with these flags, first include of the
      // file); otherwise it reads the real header, with the same outcome.
      if (!input.toolchain_dir.empty() && language_.precompiled_headers)
        compile.argv.insert(compile.argv.end(), {"-I", input.toolchain_dir});
      compile.argv.insert(compile.argv.end(), {"-o", kProgram});
      for (size_t i = 0; i < prepared.files.size(); ++i) {
        const std::string& path = prepared.files[i].path;
        if (path == kProgram) {
          prepared.error = std::string("a file may not be named \"") + kProgram +
                           "\": that is the name of the compiled program";
          return prepared;
        }
        if (hasExtension(path, language_.info.extensions)) {
          compile.argv.push_back(path);
        } else if (i == 0) {
          // The main file is always compiled, whatever the client named it ("file0.code").
          compile.argv.insert(compile.argv.end(),
                              {"-x", language_.gcc_language, path, "-x", "none"});
        }  // anything else (headers, data) is only written
      }
      compile.argv.insert(compile.argv.end(), link_flags_.begin(), link_flags_.end());
      prepared.compile = std::move(compile);
      prepared.artifacts = {kProgram};
      prepared.run.argv = {std::string("./") + kProgram};
      prepared.run.argv.insert(prepared.run.argv.end(), input.args.begin(), input.args.end());
      return prepared;
    });
  }

  SelfTest selfTest() const noexcept override {
    return {{{"", language_.self_test_source}},
            std::string(kSelfTestInput),
            std::string(kSelfTestOutput)};
  }

  // C++: the common headers precompiled with the job flags (docs/performance.md measures them:
  // an <iostream> hello compiles in 0.4 of the time, a <bits/stdc++.h> one in 0.3). C has
  // nothing worth it: <stdio.h> parses in a millisecond.
  ToolchainPlan toolchain() const noexcept override {
    return guardedPlan("gcc runner toolchain", [&] {
      ToolchainPlan plan;
      if (!language_.precompiled_headers) return plan;
      // Made from wrappers rather than from the headers themselves, so that they keep their
      // system-header status (no warnings from inside them, as without the precompiled header).
      const std::pair<const char*, const char*> headers[] = {
          {"iostream", "iostream.gch"}, {"bits/stdc++.h", "bits/stdc++.h.gch"}};
      plan.files.push_back({"bits/.keep", "", false});  // g++ -o does not create directories
      int n = 0;
      for (const auto& [header, gch] : headers) {
        const std::string wrapper = "wrapper" + std::to_string(n++) + ".h";
        plan.files.push_back({wrapper, std::string("#include <") + header + ">\n", false});
        Command c;
        c.argv = {compiler_};
        c.argv.insert(c.argv.end(), flags_.begin(), flags_.end());
        c.argv.insert(c.argv.end(), {"-x", "c++-header", wrapper, "-o", gch});
        plan.commands.push_back(std::move(c));
        plan.outputs.push_back(gch);
      }
      return plan;
    });
  }

  Command versionCommand() const noexcept override { return {{compiler_, "-dumpfullversion"}, {}}; }

  // -dumpfullversion prints the bare version ("12.2.0").
  std::string parseVersion(const std::string& output) const noexcept override {
    return versionAfter(output, "");
  }

 private:
  GccLanguage language_;
  std::string compiler_;
  std::vector<std::string> flags_;
  std::vector<std::string> link_flags_;
};

}  // namespace

CreateResult createGccRunners(const PluginSettings& settings, GccDialect dialect) noexcept {
  return guarded<CreateResult>(dialect == GccDialect::kC ? "polyrun_c" : "polyrun_cpp", [&] {
    GccLanguage language = languageOf(dialect);
    CreateResult result;
    const std::string compiler = findTool(settings, language.compiler, &result.error);
    if (compiler.empty()) return result;
    std::vector<std::string> flags =
        splitFlags(settingOr(settings, language.flags_setting, language.default_flags));
    result.runners.push_back(
        std::make_shared<GccRunner>(std::move(language), compiler, std::move(flags),
                                    splitFlags(settingOr(settings, "ldflags", kDefaultLinkFlags))));
    return result;
  });
}

}  // namespace polyrun::runners
