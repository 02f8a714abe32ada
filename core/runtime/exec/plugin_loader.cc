#include "polyrun/plugin_loader.h"

// clang-format off
#include <vector>  // boost/dll/library_info.hpp uses std::vector without including it (1.74)
// clang-format on

#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/dll/import.hpp>
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>

#include "runner_call.h"

namespace polyrun {
namespace fs = std::filesystem;
namespace {

constexpr const char* kAbiAlias = "polyrun_abi_version";
constexpr const char* kFactoryAlias = "polyrun_create_runners";
constexpr char kElfMagic[] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3};

// Keeps the library loaded until the runner made from it is destroyed, in that order.
struct RunnerHolder {
  std::shared_ptr<boost::dll::shared_library> library;
  std::shared_ptr<Runner> runner;
  ~RunnerHolder() { runner.reset(); }
};

// The ELF headers of `in` (of `size` bytes) describe a shared object whose program headers,
// loaded segments and section headers all lie inside the file. dlopen() maps segments without
// checking the file's length, and touching a page past its end is SIGBUS: a file still being
// copied must be refused here, before it is mapped.
template <typename Ehdr, typename Phdr>
std::string checkElfLayout(std::ifstream& in, uint64_t size, bool* incomplete) {
  const auto beyond = [size](uint64_t offset, uint64_t length) {
    return offset > size || length > size - offset;
  };
  const std::string cut_short = "cut short (still being copied?)";
  Ehdr header{};
  if (size < sizeof header || !in.seekg(0).read(reinterpret_cast<char*>(&header), sizeof header)) {
    *incomplete = true;
    return cut_short + ": shorter than an ELF header";
  }
  if (header.e_type != ET_DYN)
    return "not a shared library (ELF type " + std::to_string(header.e_type) +
           ": an executable or an object file)";
  if (header.e_phentsize != sizeof(Phdr)) return "not a valid ELF file (bad program header size)";
  if (beyond(header.e_phoff, uint64_t{header.e_phnum} * header.e_phentsize) ||
      beyond(header.e_shoff, uint64_t{header.e_shnum} * header.e_shentsize)) {
    *incomplete = true;
    return cut_short + ": its headers lie past its end";
  }
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Phdr segment{};
    if (!in.seekg(static_cast<std::streamoff>(header.e_phoff + uint64_t{i} * sizeof segment))
             .read(reinterpret_cast<char*>(&segment), sizeof segment))
      return "cannot read its program headers";
    if (segment.p_type == PT_LOAD && beyond(segment.p_offset, segment.p_filesz)) {
      *incomplete = true;
      return cut_short + ": a segment lies past its end";
    }
  }
  return {};
}

// Empty when `file` is a whole ELF shared object; otherwise why not.
std::string checkSharedObject(const std::string& file, bool* incomplete) {
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (ec) return "cannot read it: " + ec.message();
  std::ifstream in(file, std::ios::binary);
  char ident[EI_NIDENT] = {};
  in.read(ident, sizeof ident);
  const auto got = static_cast<size_t>(in.gcount());
  if (!std::equal(ident, ident + std::min(got, sizeof kElfMagic), kElfMagic))
    return "not a shared library (no ELF header)";
  in.clear();
  if (got < sizeof ident) {
    *incomplete = true;
    return "cut short (still being copied?): " + std::to_string(size) + " bytes";
  }
  if (ident[EI_CLASS] == ELFCLASS64)
    return checkElfLayout<Elf64_Ehdr, Elf64_Phdr>(in, size, incomplete);
  if (ident[EI_CLASS] == ELFCLASS32)
    return checkElfLayout<Elf32_Ehdr, Elf32_Phdr>(in, size, incomplete);
  return "not a valid ELF file (unknown class)";
}

// Empty when the exported symbols (read from the file, no code run) include both aliases.
std::string checkAliases(const std::string& file, bool* incomplete) {
  try {
    boost::dll::library_info info(fs::path(file), false);
    const std::vector<std::string> symbols = info.symbols();
    for (const char* alias : {kAbiAlias, kFactoryAlias}) {
      if (std::find(symbols.begin(), symbols.end(), alias) == symbols.end())
        return std::string("not a polyrun plugin (it does not export \"") + alias +
               "\"; declare it with POLYRUN_DECLARE_PLUGIN)";
    }
    return {};
  } catch (const std::exception& e) {
    *incomplete = true;  // a symbol table that cannot be read may still be arriving
    return std::string("cannot read its symbols: ") + e.what();
  }
}

// Empty when what a runner says about itself can be offered to clients.
std::string checkInfo(const RunnerInfo& info) {
  if (info.language.empty()) return "a runner's info() names no language";
  for (const auto& ext : info.extensions) {
    if (ext.size() < 2 || ext.front() != '.')
      return "runner " + info.language + ": extension \"" + ext + "\" must start with a dot";
  }
  for (const auto& alias : info.aliases) {
    if (alias.empty()) return "runner " + info.language + ": an alias is empty";
  }
  return {};
}

// A private copy of `path` (see PluginLoadOptions::copy_dir), removed when this goes away. The
// library stays mapped after its file is unlinked.
class PrivateCopy {
 public:
  PrivateCopy(const std::string& path, const std::string& dir, std::string* error) {
    static std::atomic<uint64_t> counter{0};
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path copy =
        fs::path(dir) / (fs::path(path).stem().string() + "." + std::to_string(::getpid()) + "." +
                         std::to_string(counter.fetch_add(1)) + ".so");
    if (!fs::copy_file(path, copy, fs::copy_options::overwrite_existing, ec)) {
      *error = "cannot copy it into " + dir + ": " + ec.message();
      return;
    }
    path_ = copy.string();
  }
  ~PrivateCopy() {
    std::error_code ec;
    if (!path_.empty()) fs::remove(path_, ec);
  }
  PrivateCopy(const PrivateCopy&) = delete;
  PrivateCopy& operator=(const PrivateCopy&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Loads `file` and makes its runners; messages are left without the library's name.
void loadRunners(const std::string& file, const std::string& path, const PluginSettings& settings,
                 PluginLoadResult* out) {
  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    library->load(fs::path(file),
                  boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    out->error = std::string("cannot load: ") + e.what();
    return;
  }
  // Reading the value runs no code of the library's (its static constructors have run).
  const int abi = *library->get<const int*>(kAbiAlias);
  if (abi != kPluginAbiVersion) {
    out->error = "plugin ABI version " + std::to_string(abi) +
                 " does not match this slave's ABI version " + std::to_string(kPluginAbiVersion) +
                 "; rebuild the plugin against this polyrun";
    return;
  }
  CreateResult created;
  // An alias is a variable holding the address of what it names.
  CreateRunnersFn* factory = library->get<CreateRunnersFn*>(kFactoryAlias);
  if (Status s = detail::callRunner("its factory", [&] { created = factory(settings); });
      !s.isOk()) {
    out->error = s.message();
    return;
  }
  std::vector<std::string> refused;
  for (auto& runner : created.runners) {
    if (!runner) continue;
    RunnerInfo info;
    std::string why =
        detail::callRunner("a runner's info()", [&] { info = runner->info(); }).message();
    if (!why.empty() || !(why = checkInfo(info)).empty()) {
      refused.push_back(why);
      continue;
    }
    auto holder = std::make_shared<RunnerHolder>();
    holder->library = library;
    holder->runner = std::move(runner);
    LoadedRunner loaded;
    loaded.info = std::move(info);
    loaded.runner = std::shared_ptr<const Runner>(holder, holder->runner.get());
    loaded.library_path = path;
    out->runners.push_back(std::move(loaded));
  }
  if (!created.error.empty()) refused.insert(refused.begin(), created.error);
  for (const auto& why : refused) out->error += (out->error.empty() ? "" : "; ") + why;
  if (out->runners.empty())
    out->error = "plugin offers no runner" + (out->error.empty() ? "" : ": " + out->error);
  else if (!out->error.empty())
    out->error = "some runners refused: " + out->error;
}

}  // namespace

std::string pluginSettingsName(const std::string& path) {
  std::string stem = fs::path(path).stem().string();
  if (stem.rfind("lib", 0) == 0) stem.erase(0, 3);
  return stem;
}

PluginLoadResult loadPlugin(const std::string& path, const PluginSettings& settings,
                            const PluginLoadOptions& options) {
  PluginLoadResult out;
  try {
    std::optional<PrivateCopy> copy;
    if (!options.copy_dir.empty() && fs::exists(path))
      copy.emplace(path, options.copy_dir, &out.error);
    const std::string file = copy ? copy->path() : path;
    if (out.error.empty()) out.error = checkSharedObject(file, &out.incomplete);
    if (out.error.empty()) out.error = checkAliases(file, &out.incomplete);
    if (out.error.empty() && options.before_load) out.error = options.before_load(file).message();
    if (out.error.empty()) loadRunners(file, path, settings, &out);
  } catch (const std::exception& e) {
    out.runners.clear();
    out.error = e.what();
  }
  if (!out.error.empty()) out.error = path + ": " + out.error;
  return out;
}

}  // namespace polyrun
