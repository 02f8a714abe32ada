// What the Run page tells someone whose program reads stdin (docs/gui.md, "Live runs"): while
// an interactive run seems to wait for input, and after a run that read past the end of its
// input. Widget-free, so the wording and the detection are tested without a window.
#pragma once

#include <QString>

#include "client_types.h"

namespace polyrun::gui {

/// Shown when an interactive run has been idle, never sent input (RunSession::waitingForInput).
QString waitingForInputHint();

/// True when the run stage failed as a program does that reads past the end of its stdin:
/// Python's EOFError, Java's NoSuchElementException from a Scanner, "end of file" / "EOF" in a
/// RUNTIME_ERROR's stderr.
bool readPastEndOfInput(const RunOutcome& outcome);

/// The hint for a finished run: empty unless readPastEndOfInput(). `stdin_given` says the stdin
/// box had text (so the run was not interactive); `typed_input` that the user sent input.
QString endOfInputHint(const RunOutcome& outcome, bool stdin_given, bool typed_input);

}  // namespace polyrun::gui
