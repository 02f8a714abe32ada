#include "judge0.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "polyrun/plugin_loader.h"

namespace polyrun::master {
namespace {

constexpr Verdict kAllVerdicts[] = {
    Verdict::kOk,        Verdict::kCompileError, Verdict::kRuntimeError, Verdict::kSignaled,
    Verdict::kTimeLimit, Verdict::kMemoryLimit,  Verdict::kOutputLimit,  Verdict::kInternalError,
};

int statusFor(Verdict verdict, int signal = 0, bool wrong_answer = false) {
  return static_cast<int>(judge0StatusFor(verdict, signal, wrong_answer));
}

// Judge0 CE's `GET /statuses` (docs/api/statuses_and_languages/get_statuses.md, v1.13.1).
TEST(Judge0Test, StatusesAreJudge0sInIdOrder) {
  const std::vector<std::pair<int, std::string>> published = {
      {46, "Bash (5.0.0)"},
      {48, "C (GCC 7.4.0)"},
      {49, "C (GCC 8.3.0)"},
      {50, "C (GCC 9.2.0)"},
      {51, "C# (Mono 6.6.0.161)"},
      {52, "C++ (GCC 7.4.0)"},
      {53, "C++ (GCC 8.3.0)"},
      {54, "C++ (GCC 9.2.0)"},
      {55, "Common Lisp (SBCL 2.0.0)"},
      {56, "D (DMD 2.089.1)"},
      {57, "Elixir (1.9.4)"},
      {59, "Fortran (GFortran 9.2.0)"},
      {60, "Go (1.13.5)"},
      {61, "Haskell (GHC 8.8.1)"},
      {62, "Java (OpenJDK 13.0.1)"},
      {63, "JavaScript (Node.js 12.14.0)"},
      {64, "Lua (5.3.5)"},
      {65, "OCaml (4.09.0)"},
      {66, "Octave (5.1.0)"},
      {67, "Pascal (FPC 3.0.4)"},
      {68, "PHP (7.4.1)"},
      {71, "Python (3.8.1)"},
      {72, "Ruby (2.7.0)"},
      {73, "Rust (1.40.0)"},
      {74, "TypeScript (3.7.4)"},
      {75, "C (Clang 7.0.1)"},
      {76, "C++ (Clang 7.0.1)"},
      {78, "Kotlin (1.3.70)"},
      {80, "R (4.0.0)"},
      {81, "Scala (2.13.2)"},
      {82, "SQL (SQLite 3.27.2)"},
      {85, "Perl (5.28.1)"},
      {86, "Clojure (1.10.1)"},
      {88, "Groovy (3.0.3)"},
  };
  const std::vector<Judge0Language>& languages = judge0Languages();
  ASSERT_EQ(languages.size(), published.size());
  for (size_t i = 0; i < published.size(); ++i) {
    EXPECT_EQ(languages[i].id, published[i].first);
    EXPECT_EQ(languages[i].name, published[i].second);
  }
}

TEST(Judge0Test, MapsLanguageIdsToPolyrunLanguages) {
  EXPECT_EQ(polyrunLanguageForJudge0(50), "c");
  EXPECT_EQ(polyrunLanguageForJudge0(48), "c");
  EXPECT_EQ(polyrunLanguageForJudge0(75), "c");
  EXPECT_EQ(polyrunLanguageForJudge0(54), "c++");
  EXPECT_EQ(polyrunLanguageForJudge0(76), "c++");
  EXPECT_EQ(polyrunLanguageForJudge0(71), "python");
  EXPECT_EQ(polyrunLanguageForJudge0(62), "java");
  EXPECT_EQ(polyrunLanguageForJudge0(63), "javascript");
  for (const Judge0Language& language : judge0Languages())
    EXPECT_EQ(polyrunLanguageForJudge0(language.id), language.polyrun_language);
}

TEST(Judge0Test, LeavesOtherLanguagesUnmapped) {
  EXPECT_EQ(polyrunLanguageForJudge0(70), std::nullopt);  // Python 2.7.17
  EXPECT_EQ(polyrunLanguageForJudge0(58), std::nullopt);  // Erlang escripts
  EXPECT_EQ(polyrunLanguageForJudge0(69), std::nullopt);  // GNU Prolog
  EXPECT_EQ(polyrunLanguageForJudge0(77), std::nullopt);  // free-format COBOL
  EXPECT_EQ(polyrunLanguageForJudge0(34), std::nullopt);  // Python 3.6.0, archived
  EXPECT_EQ(polyrunLanguageForJudge0(83), std::nullopt);  // Swift
  EXPECT_EQ(polyrunLanguageForJudge0(0), std::nullopt);
  EXPECT_EQ(polyrunLanguageForJudge0(-1), std::nullopt);
  EXPECT_EQ(polyrunLanguageForJudge0(150000), std::nullopt);
}

TEST(Judge0Test, ListsIdsOfALanguageMostUsedFirst) {
  EXPECT_EQ(judge0IdsForLanguage("c"), (std::vector<int>{50, 48, 49, 75}));
  EXPECT_EQ(judge0IdsForLanguage("c++"), (std::vector<int>{54, 52, 53, 76}));
  EXPECT_EQ(judge0IdsForLanguage("python"), std::vector<int>{71});
  EXPECT_EQ(judge0IdsForLanguage("java"), std::vector<int>{62});
  EXPECT_EQ(judge0IdsForLanguage("javascript"), std::vector<int>{63});
  EXPECT_EQ(judge0IdsForLanguage("cpp"), std::vector<int>{});  // an alias, not a name
  EXPECT_EQ(judge0IdsForLanguage("go"), std::vector<int>{60});
  EXPECT_EQ(judge0IdsForLanguage("typescript"), std::vector<int>{74});
  EXPECT_EQ(judge0IdsForLanguage("erlang"), std::vector<int>{});
  EXPECT_EQ(judge0IdsForLanguage(""), std::vector<int>{});
}

TEST(Judge0Test, EveryIdIsListedForItsLanguageOnce) {
  std::set<int> seen;
  for (const Judge0Language& language : judge0Languages()) {
    const std::vector<int> ids = judge0IdsForLanguage(language.polyrun_language);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), language.id), 1) << language.id;
    EXPECT_TRUE(seen.insert(language.id).second) << "listed twice: " << language.id;
  }
}

// The table names languages as the shipped runners name themselves, so that the Judge0 routes
// find them among the runtimes the slaves offer.
TEST(Judge0Test, NamesTheLanguagesOfTheShippedRunners) {
  for (const char* library : {"c", "cpp", "python", "java"}) {
    const std::string path = std::string(POLYRUN_PLUGIN_DIR) + "/polyrun_" + library + ".so";
    PluginLoadResult loaded = loadPlugin(path, {});
    ASSERT_EQ(loaded.error, "") << path;
    ASSERT_EQ(loaded.runners.size(), 1u) << path;
    EXPECT_FALSE(judge0IdsForLanguage(loaded.runners.front().info.language).empty())
        << loaded.runners.front().info.language;
  }
}

TEST(Judge0Test, LanguageErrorsAreJudge0s) {
  EXPECT_EQ(judge0LanguageError(150000), "language with id 150000 doesn't exist");
  EXPECT_EQ(judge0LanguageError(60), "language with id 60 doesn't exist");
  EXPECT_EQ(judge0LanguageError(0), "language with id 0 doesn't exist");
  EXPECT_EQ(judge0LanguageError(4), "language with id 4 is archived and cannot be used anymore");
  EXPECT_EQ(judge0LanguageError(1), "language with id 1 is archived and cannot be used anymore");
  EXPECT_EQ(judge0LanguageError(42), "language with id 42 is archived and cannot be used anymore");
  EXPECT_EQ(judge0LanguageError(43), "language with id 43 doesn't exist");
}

}  // namespace
}  // namespace polyrun::master
