#include "live_input.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "polyrun/protocol.h"
#include "polyrun/wire_bytes.h"

namespace polyrun::cli {
namespace {

// Ctrl-C, as the handler saw it: a pipe the input thread polls (write() is async-signal-safe).
int g_interrupt_pipe[2] = {-1, -1};
volatile std::sig_atomic_t g_interrupts = 0;

void onInterrupt(int) {
  g_interrupts = g_interrupts + 1;
  if (g_interrupts >= 3) ::_exit(kExitCancelled);
  const char byte = 1;
  ssize_t ignored = ::write(g_interrupt_pipe[1], &byte, 1);
  (void)ignored;
}

}  // namespace

LiveInput::LiveInput() : stop_fd_(::eventfd(0, EFD_CLOEXEC)) {
  if (g_interrupt_pipe[0] < 0 && ::pipe2(g_interrupt_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    g_interrupt_pipe[0] = g_interrupt_pipe[1] = -1;
  g_interrupts = 0;
  previous_ = std::signal(SIGINT, onInterrupt);
}

LiveInput::~LiveInput() {
  const uint64_t one = 1;
  if (stop_fd_ >= 0) (void)!::write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void LiveInput::start(MasterClient* client, const std::string& job_id, bool forward_stdin) {
  if (thread_.joinable()) return;
  thread_ = std::thread([this, client, job_id, forward_stdin] { loop(client, job_id, forward_stdin); });
}

void LiveInput::loop(MasterClient* client, std::string job_id, bool forward_stdin) {
  using nlohmann::json;
  bool reading = forward_stdin;
  int handled = 0;
  for (;;) {
    pollfd fds[3];
    int count = 0;
    fds[count++] = {stop_fd_, POLLIN, 0};
    if (g_interrupt_pipe[0] >= 0) fds[count++] = {g_interrupt_pipe[0], POLLIN, 0};
    if (reading) fds[count++] = {STDIN_FILENO, POLLIN, 0};
    if (::poll(fds, static_cast<nfds_t>(count), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents) return;
    while (handled < g_interrupts) {
      char drained[16];
      while (::read(g_interrupt_pipe[0], drained, sizeof drained) > 0) {
      }
      ++handled;
      if (handled == 1) {
        client->post({{"type", msg::kSignal}, {"job_id", job_id}, {"signal", "SIGINT"}});
        std::fputs("\npolyrun: sent SIGINT to the program (Ctrl-C again cancels the job)\n",
                   stderr);
      } else {
        client->post({{"type", msg::kCancel}, {"id", "interrupt"}, {"job_id", job_id}});
      }
    }
    if (!reading || !(fds[count - 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[65536];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    json input = {{"type", msg::kInput}, {"job_id", job_id}};
    if (n > 0) {
      putBytes(input, "data", std::string(buf, static_cast<size_t>(n)));
    } else {  // end of file (Ctrl-D on a terminal), or unreadable: the program's input ends
      input["data"] = "";
      input["eof"] = true;
      reading = false;
    }
    if (!client->post(input)) return;
  }
}

}  // namespace polyrun::cli
