#include "polyrun/runner_support.h"

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

namespace polyrun::runners {
namespace fs = std::filesystem;
namespace {

// Longest name one directory entry may have on Linux file systems.
constexpr size_t kMaxSegmentBytes = 255;
// Longest path a client may give: with the work directory's own path in front it stays well
// under PATH_MAX (4096).
constexpr size_t kMaxNameBytes = 1024;

// The name as it can be shown in a message: control bytes (NUL above all) escaped.
std::string printable(const std::string& name) {
  std::string out = "\"";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string checkFileName(const std::string& name) {
  const std::string shown = "file name " + printable(name);
  if (name.empty()) return "a file name is empty";
  if (name.find('\0') != std::string::npos) return shown + " contains a NUL byte";
  if (name.size() > kMaxNameBytes)
    return "a file name is " + std::to_string(name.size()) + " bytes long, over the limit of " +
           std::to_string(kMaxNameBytes);
  if (name.front() == '/') return shown + " is absolute; names are relative to the work directory";
  if (name.front() == '-') return shown + " starts with '-' and would be taken for an option";
  // gcc, g++ and javac read an argument "@file" as a file of more arguments (options included).
  if (name.front() == '@')
    return shown + " starts with '@' and would be read as a file of options; rename it";
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    const std::string_view segment(name.data() + start, end - start);
    if (segment == "..") return shown + " leaves the work directory (\"..\")";
    if (segment.empty() || segment == ".") return shown + " has an empty or \".\" path segment";
    if (segment.size() > kMaxSegmentBytes) return shown + " has a segment longer than 255 bytes";
    start = end + 1;
  }
  return {};
}

std::string mainFileName(const PrepareInput& input, const std::string& fallback) {
  if (input.files.empty() || input.files.front().name.empty()) return fallback;
  return input.files.front().name;
}

std::string layOutFiles(const PrepareInput& input, const std::string& main_name,
                        std::vector<WorkFile>* out) {
  if (input.files.empty()) return "the job has no files";
  for (const auto& file : input.files) {
    if (file.name.empty()) continue;
    if (std::string why = checkFileName(file.name); !why.empty()) return why;
  }
  if (std::string why = checkFileName(main_name); !why.empty()) return why;
  std::set<std::string> seen;
  out->clear();
  for (size_t i = 0; i < input.files.size(); ++i) {
    std::string name = i == 0 ? main_name : input.files[i].name;
    // Piston names unnamed files file<i>.code; clients written for it may rely on that.
    if (name.empty()) name = "file" + std::to_string(i) + ".code";
    if (!seen.insert(name).second) return "two files are named \"" + name + "\"";
    out->push_back({std::move(name), input.files[i].content, false});
  }
  return {};
}

bool hasExtension(const std::string& name, const std::vector<std::string>& extensions) {
  for (const auto& ext : extensions) {
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
      return true;
  }
  return false;
}

std::string settingOr(const PluginSettings& settings, const std::string& key,
                      const std::string& fallback) {
  auto it = settings.find(key);
  return it == settings.end() || it->second.empty() ? fallback : it->second;
}

std::vector<std::string> splitFlags(const std::string& flags) {
  std::istringstream in(flags);
  std::vector<std::string> out;
  for (std::string flag; in >> flag;) out.push_back(flag);
  return out;
}

std::string checkExecutable(const std::string& path, const std::string& tool,
                            const std::string& remedy) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return tool + " not found at " + path + ": " + remedy;
  if (::access(path.c_str(), X_OK) != 0)
    return tool + " at " + path + " is not executable: " + remedy;
  return {};
}

std::string findTool(const PluginSettings& settings, const ToolSpec& spec, std::string* error) {
  const std::string remedy =
      "install " + spec.package + " or set slave.plugin." + spec.plugin + "." + spec.setting;
  auto configured = settings.find(spec.setting);
  const bool is_configured = configured != settings.end() && !configured->second.empty();
  std::string path = is_configured ? configured->second : spec.fallback;
  if (path.empty() || path.front() != '/') {
    *error = "slave.plugin." + spec.plugin + "." + spec.setting + " = " + path +
             " must be an absolute path (tools are never looked up in PATH)";
    return {};
  }
  if (*error = checkExecutable(path, spec.tool, remedy); !error->empty()) return {};
  if (is_configured) return path;
  std::error_code ec;
  fs::path canonical = fs::canonical(path, ec);
  if (ec) {
    *error = spec.tool + " at " + path + " cannot be resolved: " + ec.message();
    return {};
  }
  return canonical.string();
}

std::string versionAfter(const std::string& output, std::string_view prefix) noexcept try {
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, prefix.size(), prefix) != 0) continue;
    size_t end = prefix.size();
    while (end < line.size() &&
           (std::isdigit(static_cast<unsigned char>(line[end])) || line[end] == '.'))
      ++end;
    std::string version = line.substr(prefix.size(), end - prefix.size());
    while (!version.empty() && version.back() == '.') version.pop_back();
    if (version.empty() || version.front() == '.' || version.find("..") != std::string::npos)
      continue;
    return version;
  }
  return {};
} catch (...) {
  return {};
}

}  // namespace polyrun::runners
