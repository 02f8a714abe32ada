// polyrun: the command-line client of a polyrun cluster. See docs/cli.md.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli_options.h"
#include "cli_util.h"
#include "commands.h"

#ifndef POLYRUN_VERSION
#define POLYRUN_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace polyrun::cli;
  const std::vector<std::string> args(argv + 1, argv + argc);
  Options options;
  std::string error;
  if (!parseCommandLine(args, &options, &error)) {
    std::fprintf(stderr, "polyrun: %s\n", error.c_str());
    return kExitUsage;
  }
  try {
    switch (options.command) {
      case Command::kHelp:
        std::fputs(helpText(options.help_topic).c_str(), stdout);
        return kExitOk;
      case Command::kVersion:
        std::printf("polyrun %s\n", POLYRUN_VERSION);
        return kExitOk;
      case Command::kRun:
        return runCommand(options);
      case Command::kTest:
        return testCommand(options);
      case Command::kSubmit:
        return submitCommand(options);
      case Command::kJob:
        return jobCommand(options);
      case Command::kCancel:
        return cancelCommand(options);
      case Command::kRuntimes:
        return runtimesCommand(options);
      case Command::kStatus:
        return statusCommand(options);
      case Command::kEvents:
        return eventsCommand(options);
      case Command::kNone:
        break;
    }
  } catch (const std::exception& e) {
    // Nothing below should throw; if something does, say so instead of aborting.
    std::fprintf(stderr, "polyrun: internal error: %s; please report it\n", e.what());
    return kExitInternal;
  }
  std::fputs(helpText("").c_str(), stderr);
  return kExitUsage;
}
