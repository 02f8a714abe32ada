#include "polyrun/language_definition.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace polyrun {
namespace {

::testing::AssertionResult hasSubstr(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << part << "\" not in \"" << text << "\"";
}

// A complete definition whose one tool is /bin/sh (present on every machine).
constexpr const char* kShell = R"(# a shell
language = "shell"
aliases = ["sh"]
extensions = [".sh"]
packages = ["dash"]

[tools]
sh = "/bin/sh"

[version]
command = ["{sh}", "-c", "echo sh 1.2.3"]
pattern = 'sh ([0-9.]+)'

[main]
name = "main.sh"

[compile]
command = ["{sh}", "-n", "{sources}"]
env = ["CHECKED_BY={sh}"]
artifacts = ["main.sh"]

[run]
command = ["{sh}", "{main}", "{args}"]
env = ["STEM={stem}", "BRACES={{x}}"]

[sandbox]
paths = ["/etc/shells"]

[self_test]
source = '''
read line; echo "$line" | rev
'''
)";

Status parse(const std::string& text, LanguageDefinition* out) {
  return parseLanguageDefinition(text, "shell.toml", out);
}

// The kShell definition with `from` replaced by `to` (once).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = kShell;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string errorOf(const std::string& text) {
  LanguageDefinition d;
  Status s = parse(text, &d);
  EXPECT_FALSE(s.isOk()) << "accepted:\n" << text;
  return s.message();
}

TEST(LanguageDefinition, ReadsEveryKey) {
  LanguageDefinition d;
  ASSERT_TRUE(parse(kShell, &d).isOk()) << parse(kShell, &d).message();
  EXPECT_EQ(d.info.language, "shell");
  EXPECT_EQ(d.info.aliases, std::vector<std::string>{"sh"});
  EXPECT_EQ(d.info.extensions, std::vector<std::string>{".sh"});
  EXPECT_TRUE(d.info.compiled);
  EXPECT_EQ(d.packages, std::vector<std::string>{"dash"});
  ASSERT_EQ(d.tools.size(), 1u);
  EXPECT_EQ(d.tools[0].second, "/bin/sh");
  EXPECT_EQ(d.main_name, "main.sh");
  EXPECT_EQ(d.artifacts, std::vector<std::string>{"main.sh"});
  EXPECT_EQ(d.sandbox_paths, std::vector<std::string>{"/etc/shells"});
  EXPECT_EQ(d.self_test.stdin_data, "polyrun\n");  // the defaults
  EXPECT_EQ(d.self_test.expected_stdout, "nurylop\n");
}

TEST(LanguageDefinition, ErrorsNameTheLineTheKeyAndWhy) {
  // A typo in a key: its line, what it may have meant.
  std::string e = errorOf(edited("[compile]\ncommand", "[compile]\ncomand"));
  EXPECT_TRUE(
      hasSubstr(e, "shell.toml:18: compile.comand: unknown key (did you mean \"command\"?)"));
  e = errorOf(edited("language = \"shell\"", "langauge = \"shell\""));
  EXPECT_TRUE(hasSubstr(e, "shell.toml:2: langauge: unknown key (did you mean \"language\"?)"));
  e = errorOf(edited("[run]\ncommand = [\"{sh}\"", "[run]\ncommand = [\"{bash}\""));
  EXPECT_TRUE(hasSubstr(e, "shell.toml:23: run.command: unknown placeholder {bash}; known: {sh}"));
  e = errorOf(edited("aliases = [\"sh\"]", "aliases = \"sh\""));
  EXPECT_TRUE(hasSubstr(e, "shell.toml:3: aliases: must be an array of strings"));
  e = errorOf(edited("extensions = [\".sh\"]", "extensions = [\"sh\"]"));
  EXPECT_TRUE(hasSubstr(e, "extensions: \"sh\" must start with a dot"));
  e = errorOf(edited("sh = \"/bin/sh\"", "sh = \"bin/sh\""));
  EXPECT_TRUE(hasSubstr(e, "shell.toml:8: tools.sh: must be an absolute path"));
  e = errorOf(edited("language = \"shell\"", "language = \"shell"));
  EXPECT_TRUE(hasSubstr(e, "shell.toml:2: not valid TOML"));
  e = errorOf(edited("pattern = 'sh ([0-9.]+)'", "pattern = 'sh [0-9.]+'"));
  EXPECT_TRUE(hasSubstr(e, "version.pattern: needs a group"));
  e = errorOf(edited("pattern = 'sh ([0-9.]+)'", "pattern = 'sh ([0-9.]+'"));
  EXPECT_TRUE(hasSubstr(e, "version.pattern: not a valid regular expression"));
  e = errorOf(edited("env = [\"STEM={stem}\"", "env = [\"STEM={args}\""));
  EXPECT_TRUE(hasSubstr(e, "run.env: {args} stands for whole arguments"));
  e = errorOf(edited("\"{sh}\", \"{main}\", \"{args}\"", "\"{sh}\", \"{main}\", \"-{args}\""));
  EXPECT_TRUE(hasSubstr(e, "run.command: {args} stands for whole arguments"));
  e = errorOf(edited("[run]\ncommand = [\"{sh}\"", "[run]\ncommand = [\"sh\""));
  EXPECT_TRUE(hasSubstr(e, "run.command: the program (first element) must be a tool"));
  e = errorOf(edited("paths = [\"/etc/shells\"]", "paths = [\"etc\"]"));
  EXPECT_TRUE(hasSubstr(e, "sandbox.paths: \"etc\" must be an absolute path"));
}

TEST(LanguageDefinition, MissingPartsAreNamed) {
  EXPECT_TRUE(hasSubstr(errorOf(edited("language = \"shell\"\n", "")), "language: missing"));
  EXPECT_TRUE(hasSubstr(errorOf(edited("name = \"main.sh\"", "")), "main.name: missing"));
  const std::string no_test =
      std::string(kShell).substr(0, std::string(kShell).find("[self_test]"));
  EXPECT_TRUE(hasSubstr(errorOf(no_test), "self_test.source: missing"));
  EXPECT_TRUE(hasSubstr(
      errorOf(edited("[compile]\ncommand = [\"{sh}\", \"-n\", \"{sources}\"]\n", "[compile]\n")),
      "compile.command: must name a program"));
}

TEST(LanguageDefinition, PreparesCommandsWithPlaceholdersFilledIn) {
  test::TempDir dir;
  const std::string path = dir.path() + "/shell.toml";
  std::ofstream(path) << kShell;
  PluginLoadResult loaded = loadDefinition(path, {});
  ASSERT_EQ(loaded.runners.size(), 1u) << loaded.error;
  const Runner& runner = *loaded.runners[0].runner;
  PrepareInput input;
  input.files = {{"", "echo hi"}, {"lib.sh", "f() { :; }"}, {"data.txt", "x"}};
  input.args = {"one", "two words"};
  const Prepared p = runner.prepare(input);
  ASSERT_TRUE(p.error.empty()) << p.error;
  const std::string sh = std::filesystem::canonical("/bin/sh").string();
  ASSERT_TRUE(p.compile.has_value());
  EXPECT_EQ(p.compile->argv, (std::vector<std::string>{sh, "-n", "main.sh", "lib.sh"}));
  EXPECT_EQ(p.compile->env, std::vector<std::string>{"CHECKED_BY=" + sh});
  EXPECT_EQ(p.run.argv, (std::vector<std::string>{sh, "main.sh", "one", "two words"}));
  EXPECT_EQ(p.run.env, (std::vector<std::string>{"STEM=main", "BRACES={x}"}));
  EXPECT_EQ(runner.parseVersion("sh 1.2.3\n"), "1.2.3");
  EXPECT_EQ(runner.versionCommand().argv, (std::vector<std::string>{sh, "-c", "echo sh 1.2.3"}));

  // The client's own file name is kept; a bad one is a compile error, not a crash.
  input.files[0].name = "hello.sh";
  EXPECT_EQ(runner.prepare(input).run.argv[1], "hello.sh");
  input.files[0].name = "../escape.sh";
  EXPECT_FALSE(runner.prepare(input).error.empty());
}

TEST(LanguageDefinition, NamesTheMainFileFromItsSourceOrAlwaysTheSame) {
  test::TempDir dir;
  const std::string path = dir.path() + "/shell.toml";
  std::ofstream(path) << edited("name = \"main.sh\"",
                                "name = \"main.sh\"\nfrom_source = '^# program ([A-Za-z]+)'");
  PluginLoadResult loaded = loadDefinition(path, {});
  ASSERT_EQ(loaded.runners.size(), 1u) << loaded.error;
  PrepareInput input;
  input.files = {{"x.sh", "# program Hello\necho hi"}};
  EXPECT_EQ(loaded.runners[0].runner->prepare(input).files[0].path, "Hello.sh");
  // A line too long to search is skipped, not matched with a recursion per character.
  input.files = {{"x.sh", "# program " + std::string(1 << 20, 'a')}};
  EXPECT_EQ(loaded.runners[0].runner->prepare(input).files[0].path, "x.sh");

  std::ofstream(path) << edited("name = \"main.sh\"", "name = \"main.sh\"\nfixed = true");
  loaded = loadDefinition(path, {});
  ASSERT_EQ(loaded.runners.size(), 1u) << loaded.error;
  input.files = {{"mine.sh", "echo hi"}};
  EXPECT_EQ(loaded.runners[0].runner->prepare(input).files[0].path, "main.sh");
}

TEST(LanguageDefinition, AMissingToolchainIsNamedWithItsLanguage) {
  test::TempDir dir;
  const std::string path = dir.path() + "/shell.toml";
  std::ofstream(path) << edited("sh = \"/bin/sh\"", "sh = \"/usr/bin/no-such-ghc\"");
  PluginLoadResult loaded = loadDefinition(path, {});
  EXPECT_TRUE(loaded.runners.empty());
  EXPECT_EQ(loaded.language, "shell");
  EXPECT_TRUE(hasSubstr(loaded.error,
                        "toolchain not found: /usr/bin/no-such-ghc (install dash, or set "
                        "slave.plugin.shell.sh)"));
  // The setting names another path.
  loaded = loadDefinition(path, {{"sh", "/bin/sh"}});
  ASSERT_EQ(loaded.runners.size(), 1u) << loaded.error;
  EXPECT_EQ(loaded.runners[0].runner->prepare({{{"", "x"}}, {}, ""}).run.argv[0], "/bin/sh");
}

TEST(LanguageDefinition, SandboxPathsOfAFolder) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/shell.toml") << kShell;
  std::ofstream(dir.path() + "/broken.toml") << "language = ";
  std::ofstream(dir.path() + "/.hidden.toml") << edited("/etc/shells", "/etc/hidden");
  EXPECT_EQ(definitionSandboxPaths(dir.path()), std::vector<std::string>{"/etc/shells"});
  EXPECT_TRUE(isDefinitionFile("/x/go.toml"));
  EXPECT_FALSE(isDefinitionFile("/x/polyrun_go.so"));
}

// Every definition polyrun ships parses, has its programs in tests/languages/ (language_test
// runs them) and is listed in docs/languages.md.
TEST(LanguageDefinition, ShippedDefinitionsAreWholeAndDocumented) {
  namespace fs = std::filesystem;
  const fs::path source(POLYRUN_SOURCE_DIR);
  std::ifstream doc(source / "docs" / "languages.md");
  const std::string languages_md((std::istreambuf_iterator<char>(doc)), {});
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(source / "plugins" / "languages")) {
    if (entry.path().extension() != ".toml") continue;
    ++count;
    LanguageDefinition d;
    const Status s = readLanguageDefinition(entry.path().string(), &d);
    ASSERT_TRUE(s.isOk()) << s.message();
    const std::string stem = entry.path().stem().string();
    EXPECT_TRUE(fs::exists(source / "tests" / "languages" / (stem + ".toml")))
        << "no programs for " << stem << " in tests/languages/";
    EXPECT_FALSE(d.packages.empty()) << stem << ": setup-deps.sh --languages needs its packages";
    EXPECT_TRUE(hasSubstr(languages_md, "| `" + d.info.language + "` | `" + stem + ".toml` |"))
        << "docs/languages.md does not list " << stem;
  }
  EXPECT_GE(count, 30u);
}

}  // namespace
}  // namespace polyrun
