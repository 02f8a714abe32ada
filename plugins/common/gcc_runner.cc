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

constexpr const char* kCppSelfTest = R"(#include <algorithm>
#include <iostream>
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
            "-std=c17 -O2 -pipe",
            kCSelfTest};
  }
  return {{"c++", "12", {"cpp", "g++", "cxx"}, {".cpp", ".cc", ".cxx", ".c++"}, true},
          "c++",
          "main.cpp",
          {"g++", "polyrun_cpp", "gxx", "/usr/bin/g++", "g++"},
          "cxxflags",
          "-std=c++17 -O2 -pipe",
          kCppSelfTest};
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
