// The `polyrun` subcommands. Each talks to the master, prints for people (or JSON with --json)
// and returns the process exit code (cli_util.h).
#pragma once

#include "cli_options.h"

namespace polyrun::cli {

int runCommand(const Options& options);
int testCommand(const Options& options);
int submitCommand(const Options& options);
int jobCommand(const Options& options);
int cancelCommand(const Options& options);
int runtimesCommand(const Options& options);
int statusCommand(const Options& options);
int eventsCommand(const Options& options);

}  // namespace polyrun::cli
