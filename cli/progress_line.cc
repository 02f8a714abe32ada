#include "progress_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace polyrun::cli {
namespace {

constexpr char kErase[] = "\r\033[K";

// Read by the signal handler: whether a line is on the screen now.
volatile std::sig_atomic_t g_line_shown = 0;

void eraseAndDie(int signal) {
  if (g_line_shown) {
    ssize_t ignored = ::write(STDERR_FILENO, kErase, sizeof kErase - 1);
    (void)ignored;
  }
  // Die of the same signal so the shell sees an interrupted command, not an exit code.
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

size_t terminalColumns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// At most `columns` code points of `text`, never splitting a UTF-8 sequence.
std::string cut(const std::string& text, size_t columns) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (count++ == columns) return text.substr(0, i);
  }
  return text;
}

}  // namespace

ProgressLine::ProgressLine(bool wanted) : enabled_(wanted && ::isatty(STDERR_FILENO) == 1) {
  if (enabled_) {
    std::signal(SIGINT, eraseAndDie);
    std::signal(SIGTERM, eraseAndDie);
  }
}

ProgressLine::~ProgressLine() {
  clear();
  if (enabled_) {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
}

void ProgressLine::show(const std::string& text) {
  if (!enabled_) return;
  const size_t columns = terminalColumns();
  const std::string line = cut("polyrun: " + text, columns > 1 ? columns - 1 : columns);
  std::fputs(kErase, stderr);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  g_line_shown = 1;
}

void ProgressLine::clear() {
  if (!enabled_ || !g_line_shown) return;
  std::fputs(kErase, stderr);
  std::fflush(stderr);
  g_line_shown = 0;
}

}  // namespace polyrun::cli
