// Side by side, in one run: a job's compile with and without its runner's toolchain (C++
// precompiled headers, the javac class-data archive), and a compile-cache hit against a miss,
// through the real plugins, executor and sandbox (the namespace sandbox when root, as a slave).
// Rounds interleave the variants, so that the machine's noise falls on all of them alike.
//
//   build/bin/toolchain_bench [--rounds=N]      (docs/performance.md, "Compile cache and
//   toolchains")
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "polyrun/compile_cache.h"
#include "polyrun/job_executor.h"
#include "polyrun/plugin_loader.h"
#include "polyrun/sandbox.h"

namespace {
namespace fs = std::filesystem;
using namespace polyrun;

std::shared_ptr<const Runner> load(const std::string& name) {
  PluginLoadResult r = loadPlugin(std::string(POLYRUN_PLUGIN_DIR) + "/polyrun_" + name + ".so", {});
  if (r.runners.size() != 1) {
    std::fprintf(stderr, "cannot load %s: %s\n", name.c_str(), r.error.c_str());
    std::exit(1);
  }
  return r.runners.front().runner;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Variant {
  std::string row;  // what is measured
  std::string language;
  std::string file;
  std::string source;  // %d is replaced by a per-round number (a new source: a cache miss)
  bool toolchain;
  bool cache;  // the same source every round, stored beforehand: a hit
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 7;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).rfind("--rounds=", 0) == 0)
      rounds = std::max(1, std::atoi(argv[i] + 9));

  // Under /var/tmp: a stage's private /tmp would hide the toolchains from it.
  const fs::path root =
      fs::path("/var/tmp") / ("polyrun-toolchain-bench-" + std::to_string(::getpid()));
  const std::string toolchains = (root / "toolchains").string();
  fs::create_directories(toolchains);
  std::unique_ptr<Sandbox> sandbox;
  std::string error = "not root";
  if (::geteuid() == 0) {
    SandboxOptions so;
    so.state_dir = (root / ".sandbox").string();
    so.readonly_paths = {toolchains};
    error = makeNamespaceSandbox(so, &sandbox).message();
  }
  if (!sandbox) {
    std::fprintf(stderr, "namespace sandbox unavailable (%s): plain processes\n", error.c_str());
    sandbox = makeProcessSandbox();
  }
  std::unique_ptr<CompileCache> cache;
  if (Status opened = CompileCache::open({(root / "cache").string(), 1ll << 30}, &cache);
      !opened.isOk()) {
    std::fprintf(stderr, "%s\n", opened.message().c_str());
    return 1;
  }
  std::map<std::string, std::shared_ptr<const Runner>> runners = {
      {"c", load("c")}, {"c++", load("cpp")}, {"java", load("java")}};
  ExecutorOptions base{(root / "work").string(), defaultLimits()};
  base.fallback.compile = {120000, 120000, 2ll << 30};  // a loaded machine must not fail a row
  std::map<std::string, std::string> toolchain_dirs;
  for (const char* lang : {"c++", "java"}) {
    ExecutorOptions prep = base;
    prep.fallback.compile = {300000, 300000, 2ll << 30};
    const auto t0 = std::chrono::steady_clock::now();
    const Status prepared = prepareToolchain(*runners[lang], "bench", *sandbox, prep, toolchains,
                                             &toolchain_dirs[lang]);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (toolchain_dirs[lang].empty()) {
      std::fprintf(stderr, "%s toolchain failed: %s\n", lang, prepared.message().c_str());
      return 1;
    }
    std::printf("%s toolchain prepared in %.1f s (%s)\n", lang, s, toolchain_dirs[lang].c_str());
  }

  // Proof that the tools take the toolchains in the sandbox: g++ -H marks a used precompiled
  // header with "!"; the JVM's class loading log names the archive as the source of classes.
  auto check = [&](const std::string& lang, const std::string& file, const std::string& source,
                   const std::string& flag, const std::string& mark) {
    PrepareInput input;
    input.files = {{file, source}};
    input.toolchain_dir = toolchain_dirs[lang];
    const Prepared p = runners[lang]->prepare(input);
    const fs::path dir = root / "check";
    fs::create_directories(dir);
    std::FILE* f = std::fopen((dir / p.files[0].path).c_str(), "w");
    std::fputs(source.c_str(), f);
    std::fclose(f);
    ProcessSpec spec;
    spec.argv = p.compile->argv;
    spec.argv.insert(spec.argv.begin() + 1, flag);
    spec.cwd = dir.string();
    spec.env = cleanEnvironment(dir.string());
    spec.limits.wall_ms = spec.limits.cpu_ms = 60000;
    const ProcessResult r = sandbox->run(spec);
    const std::string out = r.stderr_data + r.stdout_data;
    std::printf("%s toolchain check: %s\n", lang.c_str(),
                out.find(mark) != std::string::npos
                    ? "used"
                    : ("NOT used:\n" + out.substr(0, 1500)).c_str());
    fs::remove_all(dir);
  };
  check("c++", "main.cpp", "#include <iostream>\nint main() {}\n", "-H",
        "! " + toolchain_dirs["c++"]);
  check("java", "Main.java", "public class Main { public static void main(String[] a) {} }\n",
        "-J-Xlog:class+load=info", "shared objects file (top)");
  const std::string iostream =
      "#include <iostream>\nint main() { std::cout << \"hello %d\" << std::endl; }\n";
  const std::string stdcpp =
      "#include <bits/stdc++.h>\nint main() { std::vector<int> v{%d, 1}; std::sort(v.begin(), "
      "v.end()); "
      "std::cout << v[0] << std::endl; }\n";
  const std::string java =
      "public class Main { public static void main(String[] a) { System.out.println(\"hello %d\"); "
      "} }\n";
  const std::string c =
      "#include <stdio.h>\nint main(void) { printf(\"hello %d\\n\"); return 0; }\n";
  const std::vector<Variant> variants = {
      {"C++ <iostream> hello, compile without toolchain", "c++", "main.cpp", iostream, false,
       false},
      {"C++ <iostream> hello, compile with precompiled header", "c++", "main.cpp", iostream, true,
       false},
      {"C++ <bits/stdc++.h> hello, compile without toolchain", "c++", "main.cpp", stdcpp, false,
       false},
      {"C++ <bits/stdc++.h> hello, compile with precompiled header", "c++", "main.cpp", stdcpp,
       true, false},
      {"Java hello, javac without toolchain", "java", "Main.java", java, false, false},
      {"Java hello, javac with class-data archive", "java", "Main.java", java, true, false},
      {"C hello, cache miss (compile)", "c", "main.c", c, false, false},
      {"C hello, cache hit", "c", "main.c", c, false, true},
      {"C++ <iostream> hello, cache hit", "c++", "main.cpp", iostream, true, true},
      {"Java hello, cache hit", "java", "Main.java", java, true, true},
  };
  auto sourceFor = [](const std::string& pattern, int n) {
    std::string s = pattern;
    const auto at = s.find("%d");
    return s.replace(at, 2, std::to_string(n));
  };
  std::map<std::string, std::vector<double>> compile_ms, job_ms;
  for (int round = -1; round < rounds; ++round) {  // round -1 warms up and fills the cache
    for (const auto& v : variants) {
      Job job;
      job.id = "bench";
      job.language = v.language;
      job.files = {{v.file, sourceFor(v.source, v.cache ? 0 : 1000 + round), Encoding::kUtf8}};
      ExecutorOptions o = base;
      if (v.toolchain) o.toolchain_dir = toolchain_dirs[v.language];
      if (v.cache || v.row.find("cache miss") != std::string::npos) o.cache = cache.get();
      const auto t0 = std::chrono::steady_clock::now();
      const JobResult r = executeJob(*runners[v.language], *sandbox, job, o);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      // The warm-up round is a miss by design for the cache rows: it fills the cache.
      if (r.verdict != Verdict::kOk || !r.compile || (round >= 0 && r.compile->cached != v.cache)) {
        std::fprintf(stderr, "%s: %s %s (cached %d)\n", v.row.c_str(),
                     std::string(verdictName(r.verdict)).c_str(), r.message.c_str(),
                     r.compile ? int(r.compile->cached) : -1);
        if (round >= 0) return 1;
      }
      if (round < 0) continue;
      compile_ms[v.row].push_back(static_cast<double>(r.compile->wall_ms));
      job_ms[v.row].push_back(ms);
    }
  }
  std::printf("\n%-62s %12s %12s\n", ("median of " + std::to_string(rounds) + " rounds").c_str(),
              "compile ms", "job ms");
  for (const auto& v : variants)
    std::printf("%-62s %12.0f %12.0f\n", v.row.c_str(), median(compile_ms[v.row]),
                median(job_ms[v.row]));
  sandbox.reset();
  fs::remove_all(root);
  return 0;
}
