#include "polyrun/language_definition.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

// toml++ compiled into this file alone, so nothing of it is exported or needed at run time.
#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#include "polyrun/runner_support.h"
#include "polyrun/spelling.h"

namespace polyrun {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxDefinitionBytes = 1 << 20;
// A pattern is only ever matched against one line of a program's source, and only lines this
// long: libstdc++'s regex matcher recurses per character, so a stranger's megabyte-long line
// must never reach it.
constexpr size_t kMaxPatternLine = 4096;
constexpr size_t kMaxVersionOutput = 64 * 1024;

// The placeholders every definition has besides its tools; {sources} and {args} stand for zero
// or more whole arguments.
const std::set<std::string> kBuiltins = {"main", "stem", "sources", "args"};
const std::set<std::string> kListPlaceholders = {"sources", "args"};

std::string joined(const std::vector<std::string>& items, const std::string& wrap_left = "",
                   const std::string& wrap_right = "") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + wrap_left + item + wrap_right;
  return out;
}

// Reads one definition's TOML tree into a LanguageDefinition, refusing anything it does not
// know with the line and key.
class DefinitionReader {
 public:
  explicit DefinitionReader(std::string source) : source_(std::move(source)) {}

  Status read(const toml::table& root, LanguageDefinition* out) {
    out_ = out;
    Status s = readTable(
        root, "",
        {
            {"language", [this](const toml::node& n,
                                const std::string& k) { return text(n, k, &out_->info.language); }},
            {"aliases", [this](const toml::node& n,
                               const std::string& k) { return texts(n, k, &out_->info.aliases); }},
            {"extensions",
             [this](const toml::node& n, const std::string& k) {
               return texts(n, k, &out_->info.extensions);
             }},
            {"packages", [this](const toml::node& n,
                                const std::string& k) { return texts(n, k, &out_->packages); }},
            {"npm_packages",
             [this](const toml::node& n, const std::string& k) {
               return texts(n, k, &out_->npm_packages);
             }},
            {"tools", [this](const toml::node& n, const std::string& k) { return tools(n, k); }},
            {"version",
             [this](const toml::node& n, const std::string& k) {
               return readTable(n, k,
                                {
                                    {"command",
                                     [this](const toml::node& m, const std::string& key) {
                                       return texts(m, key, &out_->version_command.argv);
                                     }},
                                    {"pattern",
                                     [this](const toml::node& m, const std::string& key) {
                                       return text(m, key, &out_->version_pattern);
                                     }},
                                });
             }},
            {"main",
             [this](const toml::node& n, const std::string& k) {
               return readTable(n, k,
                                {
                                    {"name",
                                     [this](const toml::node& m, const std::string& key) {
                                       return text(m, key, &out_->main_name);
                                     }},
                                    {"fixed",
                                     [this](const toml::node& m, const std::string& key) {
                                       return flag(m, key, &out_->main_fixed);
                                     }},
                                    {"from_source",
                                     [this](const toml::node& m, const std::string& key) {
                                       return text(m, key, &out_->main_from_source);
                                     }},
                                });
             }},
            {"compile",
             [this](const toml::node& n, const std::string& k) {
               out_->compile.emplace();
               return readTable(n, k,
                                {
                                    {"command",
                                     [this](const toml::node& m, const std::string& key) {
                                       return texts(m, key, &out_->compile->argv);
                                     }},
                                    {"env",
                                     [this](const toml::node& m, const std::string& key) {
                                       return texts(m, key, &out_->compile->env);
                                     }},
                                    {"artifacts",
                                     [this](const toml::node& m, const std::string& key) {
                                       return texts(m, key, &out_->artifacts);
                                     }},
                                });
             }},
            {"run",
             [this](const toml::node& n, const std::string& k) {
               return readTable(n, k,
                                {
                                    {"command",
                                     [this](const toml::node& m, const std::string& key) {
                                       return texts(m, key, &out_->run.argv);
                                     }},
                                    {"env",
                                     [this](const toml::node& m, const std::string& key) {
                                       return texts(m, key, &out_->run.env);
                                     }},
                                });
             }},
            {"sandbox",
             [this](const toml::node& n, const std::string& k) {
               return readTable(n, k,
                                {
                                    {"paths",
                                     [this](const toml::node& m, const std::string& key) {
                                       return texts(m, key, &out_->sandbox_paths);
                                     }},
                                });
             }},
            {"self_test",
             [this](const toml::node& n, const std::string& k) {
               out_->self_test.stdin_data = std::string(runners::kSelfTestInput);
               out_->self_test.expected_stdout = std::string(runners::kSelfTestOutput);
               out_->self_test.files.push_back({"", ""});
               return readTable(n, k,
                                {
                                    {"source",
                                     [this](const toml::node& m, const std::string& key) {
                                       return text(m, key, &out_->self_test.files[0].content);
                                     }},
                                    {"stdin",
                                     [this](const toml::node& m, const std::string& key) {
                                       return text(m, key, &out_->self_test.stdin_data, true);
                                     }},
                                    {"stdout",
                                     [this](const toml::node& m, const std::string& key) {
                                       return text(m, key, &out_->self_test.expected_stdout, true);
                                     }},
                                });
             }},
        });
    if (!s.isOk()) return s;
    return check(root);
  }

 private:
  using Handler = std::function<Status(const toml::node&, const std::string&)>;

  Status error(const toml::node& node, const std::string& key, const std::string& why) const {
    return errorAt(node.source().begin.line, key, why);
  }
  Status errorAt(size_t line, const std::string& key, const std::string& why) const {
    return Status::invalidArgument(source_ + ":" + std::to_string(line) + ": " + key + ": " + why);
  }

  Status readTable(const toml::node& node, const std::string& prefix,
                   const std::vector<std::pair<std::string, Handler>>& keys) {
    const toml::table* table = node.as_table();
    if (!table) return error(node, prefix, "must be a table ([" + prefix + "])");
    for (auto&& [key, value] : *table) {
      const std::string name(key.str());
      const std::string full = prefix.empty() ? name : prefix + "." + name;
      auto it =
          std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.first == name; });
      if (it == keys.end()) {
        std::vector<std::string> known;
        std::string closest;
        size_t best = 3;  // suggest only a near miss
        for (const auto& k : keys) {
          known.push_back(k.first);
          if (size_t d = editDistance(name, k.first); d < best) best = d, closest = k.first;
        }
        return errorAt(key.source().begin.line, full,
                       "unknown key" +
                           (closest.empty() ? "" : " (did you mean \"" + closest + "\"?)") + "; " +
                           (prefix.empty() ? "the top level" : "[" + prefix + "]") + " knows " +
                           joined(known));
      }
      lines_[full] = key.source().begin.line;
      if (Status s = it->second(value, full); !s.isOk()) return s;
    }
    return Status::ok();
  }

  Status text(const toml::node& node, const std::string& key, std::string* out,
              bool may_be_empty = false) {
    std::optional<std::string> value = node.value<std::string>();
    if (!node.is_string() || !value) return error(node, key, "must be a string");
    if (value->empty() && !may_be_empty) return error(node, key, "must not be empty");
    *out = std::move(*value);
    return Status::ok();
  }

  Status texts(const toml::node& node, const std::string& key, std::vector<std::string>* out) {
    const toml::array* array = node.as_array();
    if (!array) return error(node, key, "must be an array of strings ([\"...\", ...])");
    out->clear();
    for (const toml::node& item : *array) {
      std::optional<std::string> value = item.value<std::string>();
      if (!item.is_string() || !value)
        return error(item, key, "must be an array of strings; this element is not a string");
      out->push_back(std::move(*value));
    }
    return Status::ok();
  }

  Status flag(const toml::node& node, const std::string& key, bool* out) {
    if (!node.is_boolean()) return error(node, key, "must be true or false");
    *out = *node.value<bool>();
    return Status::ok();
  }

  Status tools(const toml::node& node, const std::string& prefix) {
    const toml::table* table = node.as_table();
    if (!table) return error(node, prefix, "must be a table ([tools], name = \"/usr/bin/tool\")");
    for (auto&& [key, value] : *table) {
      const std::string name(key.str());
      const std::string full = prefix + "." + name;
      const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
      if (!plain) return error(value, full, "a tool's name is lower-case letters, digits and _");
      if (kBuiltins.count(name))
        return error(value, full,
                     "\"" + name + "\" is a built-in placeholder; name the tool otherwise");
      std::string path;
      if (Status s = text(value, full, &path); !s.isOk()) return s;
      if (path.front() != '/')
        return error(value, full, "must be an absolute path (tools are never looked up in PATH)");
      lines_[full] = key.source().begin.line;
      out_->tools.emplace_back(name, path);
    }
    return Status::ok();
  }

  size_t lineOf(const std::string& key) const {
    auto it = lines_.find(key);
    return it == lines_.end() ? 1 : it->second;
  }

  // Every {name} in `value` is a tool or a built-in; {sources} and {args} stand alone.
  Status checkPlaceholders(const std::string& key, const std::string& value, bool whole_allowed) {
    std::vector<std::string> known;
    for (const auto& [name, path] : out_->tools) known.push_back(name);
    known.insert(known.end(), kBuiltins.begin(), kBuiltins.end());
    for (size_t i = 0; i < value.size(); ++i) {
      if (value.compare(i, 2, "{{") == 0 || value.compare(i, 2, "}}") == 0) {
        ++i;
        continue;
      }
      if (value[i] == '}')
        return errorAt(lineOf(key), key, "a lone } in \"" + value + "\" (write }} for a brace)");
      if (value[i] != '{') continue;
      const size_t end = value.find('}', i);
      if (end == std::string::npos)
        return errorAt(lineOf(key), key,
                       "an unclosed { in \"" + value + "\" (write {{ for a brace)");
      const std::string name = value.substr(i + 1, end - i - 1);
      if (std::find(known.begin(), known.end(), name) == known.end())
        return errorAt(lineOf(key), key,
                       "unknown placeholder {" + name + "}; known: " + joined(known, "{", "}"));
      if (kListPlaceholders.count(name) && (!whole_allowed || value != "{" + name + "}"))
        return errorAt(lineOf(key), key,
                       "{" + name +
                           "} stands for whole arguments: it must be an element of its own" +
                           std::string(whole_allowed ? "" : " of a command, never in env"));
      i = end;
    }
    return Status::ok();
  }

  Status checkCommand(const std::string& key, const CommandTemplate& command) {
    if (command.argv.empty())
      return errorAt(lineOf(key + ".command"), key + ".command", "must name a program");
    for (const auto& arg : command.argv)
      if (Status s = checkPlaceholders(key + ".command", arg, true); !s.isOk()) return s;
    const std::string& program = command.argv.front();
    const bool tool = std::any_of(out_->tools.begin(), out_->tools.end(),
                                  [&](const auto& t) { return program == "{" + t.first + "}"; });
    if (!tool && program.rfind("./", 0) != 0)
      return errorAt(lineOf(key + ".command"), key + ".command",
                     "the program (first element) must be a tool, \"{name}\", or a program the "
                     "compile made, \"./name\"; not \"" +
                         program + "\"");
    for (const auto& entry : command.env) {
      const size_t eq = entry.find('=');
      if (eq == 0 || eq == std::string::npos)
        return errorAt(lineOf(key + ".env"), key + ".env", "\"" + entry + "\" is not KEY=VALUE");
      if (Status s = checkPlaceholders(key + ".env", entry, false); !s.isOk()) return s;
    }
    return Status::ok();
  }

  Status checkPattern(const std::string& key, const std::string& pattern) {
    try {
      std::regex re(pattern, std::regex::ECMAScript);
      if (re.mark_count() < 1)
        return errorAt(lineOf(key), key, "needs a group, ( ), around the part it picks out");
    } catch (const std::regex_error& e) {
      return errorAt(lineOf(key), key, std::string("not a valid regular expression: ") + e.what());
    }
    return Status::ok();
  }

  // What the file must say, and how its parts must fit, once every key was read.
  Status check(const toml::table& root) {
    LanguageDefinition& d = *out_;
    const size_t end = root.source().end.line;
    if (d.info.language.empty())
      return errorAt(1, "language",
                     "missing: every definition names its language (language = \"go\")");
    if (d.info.language.find_first_of(" \t/") != std::string::npos)
      return errorAt(lineOf("language"), "language", "no blanks or slashes in a language's name");
    for (const auto& ext : d.info.extensions)
      if (ext.size() < 2 || ext.front() != '.')
        return errorAt(lineOf("extensions"), "extensions",
                       "\"" + ext + "\" must start with a dot (\".go\")");
    if (d.tools.empty())
      return errorAt(end, "tools",
                     "missing: a [tools] table names at least one tool (go = \"/usr/bin/go\")");
    if (d.main_name.empty())
      return errorAt(end, "main.name", "missing: [main] name = \"main.go\" names the main file");
    if (std::string why = runners::checkFileName(d.main_name); !why.empty())
      return errorAt(lineOf("main.name"), "main.name", why);
    if (!d.main_from_source.empty()) {
      if (Status s = checkPattern("main.from_source", d.main_from_source); !s.isOk()) return s;
      if (d.info.extensions.empty())
        return errorAt(lineOf("main.from_source"), "main.from_source",
                       "needs extensions: the name is the stem plus the first");
    }
    if (d.version_command.argv.empty())
      d.version_command.argv = {"{" + d.tools.front().first + "}", "--version"};
    if (Status s = checkCommand("version", d.version_command); !s.isOk()) return s;
    if (!d.version_pattern.empty())
      if (Status s = checkPattern("version.pattern", d.version_pattern); !s.isOk()) return s;
    if (d.compile) {
      if (Status s = checkCommand("compile", *d.compile); !s.isOk()) return s;
      d.info.compiled = true;
    } else if (!d.artifacts.empty()) {
      return errorAt(lineOf("compile.artifacts"), "compile.artifacts",
                     "only a compile makes artifacts");
    }
    if (d.run.argv.empty())
      return errorAt(end, "run.command",
                     "missing: [run] command = [\"{tool}\", \"{main}\", \"{args}\"]");
    if (Status s = checkCommand("run", d.run); !s.isOk()) return s;
    for (const auto& path : d.sandbox_paths)
      if (path.empty() || path.front() != '/' || path.find("..") != std::string::npos)
        return errorAt(lineOf("sandbox.paths"), "sandbox.paths",
                       "\"" + path + "\" must be an absolute path without ..");
    if (d.self_test.files.empty() || d.self_test.files[0].content.empty())
      return errorAt(end, "self_test.source",
                     "missing: [self_test] source = '''...''' proves the language works (it reads "
                     "a line and prints it reversed)");
    if (d.self_test.expected_stdout.empty())
      return errorAt(lineOf("self_test.stdout"), "self_test.stdout",
                     "must not be empty: a self-test proves output works");
    return Status::ok();
  }

  const std::string source_;
  LanguageDefinition* out_ = nullptr;
  std::map<std::string, size_t> lines_;  // key -> line, for checks made after reading
};

// The first group of `pattern` in `text`, looked for line by line (lines longer than
// kMaxPatternLine skipped); empty when nothing matches.
std::string findByLine(const std::regex& pattern, const std::string& text, size_t max_lines) {
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; n < max_lines && std::getline(in, line); ++n) {
    if (line.size() > kMaxPatternLine) continue;
    std::smatch m;
    if (std::regex_search(line, m, pattern) && m.size() > 1 && m[1].matched) return m[1].str();
  }
  return {};
}

class DefinedRunner final : public Runner {
 public:
  DefinedRunner(LanguageDefinition definition, std::map<std::string, std::string> tools)
      : d_(std::move(definition)), tools_(std::move(tools)) {
    if (!d_.main_from_source.empty())
      from_source_.emplace(d_.main_from_source, std::regex::ECMAScript);
    if (!d_.version_pattern.empty()) version_.emplace(d_.version_pattern, std::regex::ECMAScript);
  }

  RunnerInfo info() const override { return d_.info; }

  Prepared prepare(const PrepareInput& input) const override {
    return runners::guarded<Prepared>(d_.info.language + " definition", [&] {
      Prepared prepared;
      prepared.error = runners::layOutFiles(input, mainName(input), &prepared.files);
      if (!prepared.error.empty()) return prepared;
      const std::string& main = prepared.files.front().path;
      std::vector<std::string> sources = {main};
      for (size_t i = 1; i < prepared.files.size(); ++i)
        if (runners::hasExtension(prepared.files[i].path, d_.info.extensions))
          sources.push_back(prepared.files[i].path);
      const Values values{main, fs::path(main).stem().string(), &sources, &input.args};
      if (d_.compile) {
        prepared.compile = expand(*d_.compile, values);
        prepared.artifacts = d_.artifacts;
      }
      prepared.run = expand(d_.run, values);
      return prepared;
    });
  }

  SelfTest selfTest() const override { return d_.self_test; }

  Command versionCommand() const override {
    const std::vector<std::string> none;
    return expand(d_.version_command, {"", "", &none, &none});
  }

  std::string parseVersion(const std::string& output) const override {
    const std::string head = output.substr(0, kMaxVersionOutput);
    if (version_) return findByLine(*version_, head, 1000);
    static const std::regex dotted(R"(([0-9]+(\.[0-9]+)+))");
    return findByLine(dotted, head, 1000);
  }

 private:
  struct Values {
    std::string main;
    std::string stem;
    const std::vector<std::string>* sources;
    const std::vector<std::string>* args;
  };

  // The main file's name: named after what its source declares (Java-like), fixed, or the
  // client's own.
  std::string mainName(const PrepareInput& input) const {
    if (from_source_ && !input.files.empty()) {
      std::string stem = findByLine(*from_source_, input.files.front().content, 100000);
      const bool plain =
          !stem.empty() && stem.size() <= 200 && std::all_of(stem.begin(), stem.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
          });
      if (plain) return stem + d_.info.extensions.front();
    }
    if (d_.main_fixed) return d_.main_name;
    return runners::mainFileName(input, d_.main_name);
  }

  std::string fill(const std::string& value, const Values& values) const {
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value.compare(i, 2, "{{") == 0 || value.compare(i, 2, "}}") == 0) {
        out += value[i++];
        continue;
      }
      if (value[i] != '{') {
        out += value[i];
        continue;
      }
      const size_t end = value.find('}', i);  // the parser made sure it is there
      const std::string name = value.substr(i + 1, end - i - 1);
      if (name == "main")
        out += values.main;
      else if (name == "stem")
        out += values.stem;
      else
        out += tools_.at(name);
      i = end;
    }
    return out;
  }

  Command expand(const CommandTemplate& command, const Values& values) const {
    Command out;
    for (const auto& arg : command.argv) {
      if (arg == "{sources}")
        out.argv.insert(out.argv.end(), values.sources->begin(), values.sources->end());
      else if (arg == "{args}")
        out.argv.insert(out.argv.end(), values.args->begin(), values.args->end());
      else
        out.argv.push_back(fill(arg, values));
    }
    for (const auto& entry : command.env) out.env.push_back(fill(entry, values));
    return out;
  }

  const LanguageDefinition d_;
  const std::map<std::string, std::string> tools_;  // name -> absolute path
  std::optional<std::regex> from_source_;
  std::optional<std::regex> version_;
};

// The settings prefix of a definition: its file's stem ("go.toml" -> "go").
std::string settingsName(const std::string& path) { return fs::path(path).stem().string(); }

}  // namespace

Status parseLanguageDefinition(const std::string& text, const std::string& source_name,
                               LanguageDefinition* out) {
  *out = {};
  try {
    const toml::table root = toml::parse(text, source_name);
    return DefinitionReader(source_name).read(root, out);
  } catch (const toml::parse_error& e) {
    return Status::invalidArgument(source_name + ":" + std::to_string(e.source().begin.line) +
                                   ": not valid TOML: " + std::string(e.description()));
  } catch (const std::exception& e) {
    return Status::invalidArgument(source_name + ": cannot read it: " + e.what());
  }
}

Status readLanguageDefinition(const std::string& path, LanguageDefinition* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::notFound(path + ": cannot open it");
  std::string text;
  text.resize(kMaxDefinitionBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxDefinitionBytes)
    return Status::invalidArgument(path + ": larger than 1 MiB; a definition is a small text file");
  return parseLanguageDefinition(text, path, out);
}

bool isDefinitionFile(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".toml") == 0;
}

PluginLoadResult loadDefinition(const std::string& path, const PluginSettings& settings) try {
  PluginLoadResult result;
  LanguageDefinition definition;
  if (Status s = readLanguageDefinition(path, &definition); !s.isOk()) {
    result.error = "definition refused: " + s.message();
    return result;
  }
  result.language = definition.info.language;
  const std::string stem = settingsName(path);
  std::map<std::string, std::string> tools;
  for (const auto& [name, fallback] : definition.tools) {
    auto configured = settings.find(name);
    const bool is_configured = configured != settings.end() && !configured->second.empty();
    const std::string path_to_check = is_configured ? configured->second : fallback;
    const std::string setting = "slave.plugin." + stem + "." + name;
    if (path_to_check.front() != '/') {
      result.error = setting + " = " + path_to_check + " must be an absolute path";
      return result;
    }
    std::error_code ec;
    if (!fs::is_regular_file(path_to_check, ec) || ::access(path_to_check.c_str(), X_OK) != 0) {
      result.toolchain_missing = true;
      result.error =
          "toolchain not found: " + path_to_check + " (" +
          (definition.packages.empty() ? std::string("install it")
                                       : "install " + joined(definition.packages, "", "")) +
          ", or set " + setting + ")";
      return result;
    }
    // A configured path is kept as written (a wrapper, a virtualenv); a default is resolved
    // once, so that no alternatives link is followed at every run.
    tools[name] = is_configured ? path_to_check : fs::canonical(path_to_check).string();
  }
  auto runner = std::make_shared<const DefinedRunner>(definition, std::move(tools));
  result.runners.push_back({runner, definition.info, path});
  return result;
} catch (const std::exception& e) {
  PluginLoadResult result;
  result.error = path + ": cannot load it: " + e.what();
  return result;
}

std::vector<std::string> definitionSandboxPaths(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string path = entry.path().string();
    if (!isDefinitionFile(path) || entry.path().filename().string().front() == '.') continue;
    LanguageDefinition definition;
    if (!readLanguageDefinition(path, &definition).isOk()) continue;
    for (const auto& p : definition.sandbox_paths)
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace polyrun
