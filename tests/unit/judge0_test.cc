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
      {1, "In Queue"},
      {2, "Processing"},
      {3, "Accepted"},
      {4, "Wrong Answer"},
      {5, "Time Limit Exceeded"},
      {6, "Compilation Error"},
      {7, "Runtime Error (SIGSEGV)"},
      {8, "Runtime Error (SIGXFSZ)"},
      {9, "Runtime Error (SIGFPE)"},
      {10, "Runtime Error (SIGABRT)"},
      {11, "Runtime Error (NZEC)"},
      {12, "Runtime Error (Other)"},
      {13, "Internal Error"},
      {14, "Exec Format Error"},
  };
  const std::vector<Judge0Status>& statuses = judge0Statuses();
  ASSERT_EQ(statuses.size(), published.size());
  for (size_t i = 0; i < published.size(); ++i) {
    EXPECT_EQ(static_cast<int>(statuses[i].id), published[i].first);
    EXPECT_EQ(statuses[i].description, published[i].second);
    EXPECT_EQ(judge0StatusDescription(published[i].first), published[i].second);
  }
}

TEST(Judge0Test, UnknownStatusIdsHaveNoDescription) {
  EXPECT_EQ(judge0StatusDescription(0), std::nullopt);
  EXPECT_EQ(judge0StatusDescription(15), std::nullopt);
  EXPECT_EQ(judge0StatusDescription(-3), std::nullopt);
}

TEST(Judge0Test, MapsEachVerdict) {
  EXPECT_EQ(statusFor(Verdict::kOk), 3);
  EXPECT_EQ(statusFor(Verdict::kTimeLimit), 5);
  EXPECT_EQ(statusFor(Verdict::kCompileError), 6);
  EXPECT_EQ(statusFor(Verdict::kRuntimeError), 11);
  EXPECT_EQ(statusFor(Verdict::kMemoryLimit), 12);
  EXPECT_EQ(statusFor(Verdict::kMemoryLimit, SIGKILL), 12);
  EXPECT_EQ(statusFor(Verdict::kOutputLimit), 8);
  EXPECT_EQ(statusFor(Verdict::kInternalError), 13);
  EXPECT_EQ(statusFor(Verdict::kCheckerError), 13) << "a checker program failed: not the program";
}

TEST(Judge0Test, MapsSignalsAsJudge0Does) {
  EXPECT_EQ(statusFor(Verdict::kSignaled, SIGSEGV), 7);
  EXPECT_EQ(statusFor(Verdict::kSignaled, SIGXFSZ), 8);
  EXPECT_EQ(statusFor(Verdict::kSignaled, SIGFPE), 9);
  EXPECT_EQ(statusFor(Verdict::kSignaled, SIGABRT), 10);
  EXPECT_EQ(statusFor(Verdict::kSignaled, SIGKILL), 12);
  EXPECT_EQ(statusFor(Verdict::kSignaled, SIGBUS), 12);
  EXPECT_EQ(statusFor(Verdict::kSignaled, SIGSYS), 12);
  EXPECT_EQ(statusFor(Verdict::kSignaled, 0), 12);
  // Judge0 reads the signal by its Linux number (Status.find_runtime_error_by_status_code).
  EXPECT_EQ(SIGSEGV, 11);
  EXPECT_EQ(SIGXFSZ, 25);
  EXPECT_EQ(SIGFPE, 8);
  EXPECT_EQ(SIGABRT, 6);
}

TEST(Judge0Test, ASignalDecidesOnlyASignaledVerdict) {
  for (int signal : {SIGSEGV, SIGXFSZ, SIGFPE, SIGABRT}) {
    EXPECT_EQ(statusFor(Verdict::kOk, signal), 3);
    EXPECT_EQ(statusFor(Verdict::kCompileError, signal), 6);
    EXPECT_EQ(statusFor(Verdict::kTimeLimit, signal), 5);
    EXPECT_EQ(statusFor(Verdict::kRuntimeError, signal), 11);
  }
}

TEST(Judge0Test, AWrongAnswerIsOnlyARunThatEndedWell) {
  EXPECT_EQ(statusFor(Verdict::kOk, 0, true), 4);
  // As in Judge0's determine_status: time, signal, exit code and internal errors come first.
  EXPECT_EQ(statusFor(Verdict::kTimeLimit, 0, true), 5);
  EXPECT_EQ(statusFor(Verdict::kRuntimeError, 0, true), 11);
  EXPECT_EQ(statusFor(Verdict::kSignaled, SIGSEGV, true), 7);
  EXPECT_EQ(statusFor(Verdict::kCompileError, 0, true), 6);
  EXPECT_EQ(statusFor(Verdict::kInternalError, 0, true), 13);
}

TEST(Judge0Test, EveryVerdictMapsToAFinishedStatus) {
  for (Verdict verdict : kAllVerdicts) {
    for (bool wrong_answer : {false, true}) {
      const int id = statusFor(verdict, SIGTERM, wrong_answer);
      EXPECT_TRUE(judge0StatusDescription(id).has_value()) << verdictName(verdict);
      EXPECT_GE(id, 3) << verdictName(verdict);   // never In Queue or Processing
      EXPECT_LE(id, 13) << verdictName(verdict);  // never Exec Format Error
    }
  }
}

// Judge0 CE v1.13.1 db/languages/active.rb, for the languages polyrun runs.
TEST(Judge0Test, LanguageIdsAreJudge0CesWithTheirNames) {
  const std::vector<std::pair<int, std::string>> published = {
      {48, "C (GCC 7.4.0)"},         {49, "C (GCC 8.3.0)"},
      {50, "C (GCC 9.2.0)"},         {52, "C++ (GCC 7.4.0)"},
      {53, "C++ (GCC 8.3.0)"},       {54, "C++ (GCC 9.2.0)"},
      {62, "Java (OpenJDK 13.0.1)"}, {63, "JavaScript (Node.js 12.14.0)"},
      {71, "Python (3.8.1)"},        {75, "C (Clang 7.0.1)"},
      {76, "C++ (Clang 7.0.1)"},
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
  EXPECT_EQ(polyrunLanguageForJudge0(74), std::nullopt);  // TypeScript
  EXPECT_EQ(polyrunLanguageForJudge0(34), std::nullopt);  // Python 3.6.0, archived
  EXPECT_EQ(polyrunLanguageForJudge0(60), std::nullopt);  // Go
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
  EXPECT_EQ(judge0IdsForLanguage("go"), std::vector<int>{});
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
