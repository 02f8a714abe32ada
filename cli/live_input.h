// What `polyrun run` sends a live job while it runs (docs/cli.md, "Interactive programs"): what
// the user types (an interactive job: its stdin, line by line from a terminal, as it comes from
// a pipe; end of file ends the program's input), and Ctrl-C as a signal to the program: the
// first sends SIGINT, the second cancels the job, the third leaves at once.
#pragma once

#include <string>
#include <thread>

#include "master_client.h"

namespace polyrun::cli {

class LiveInput {
 public:
  /// Installs the Ctrl-C handler (until destroyed). Nothing is sent before start().
  LiveInput();
  ~LiveInput();
  LiveInput(const LiveInput&) = delete;
  LiveInput& operator=(const LiveInput&) = delete;

  /// Starts passing on Ctrl-C (and, with `forward_stdin`, this process's stdin) to `job_id`
  /// through `client` (MasterClient::post), on a thread of its own.
  void start(MasterClient* client, const std::string& job_id, bool forward_stdin);

 private:
  void loop(MasterClient* client, std::string job_id, bool forward_stdin);

  int stop_fd_ = -1;  // eventfd: the thread ends when it is readable
  std::thread thread_;
  void (*previous_)(int) = nullptr;
};

}  // namespace polyrun::cli
