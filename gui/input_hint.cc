#include "input_hint.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace polyrun::gui {
namespace {

QString tr(const char* text) {
  return QCoreApplication::translate("polyrun::gui::InputHint", text);
}

}  // namespace

QString waitingForInputHint() {
  return tr(
      "The program may be waiting for input: type below and press Enter; End input "
      "(Ctrl-D) closes its stdin.");
}

bool readPastEndOfInput(const RunOutcome& outcome) {
  if (!outcome.run || outcome.run->verdict != QLatin1String("RUNTIME_ERROR")) return false;
  // What the usual runtimes print when a read finds no more input. Deliberately narrow: a hint
  // that shows for unrelated failures would teach people to ignore it.
  static const QRegularExpression kEndOfInput(
      QStringLiteral("\\bEOFError\\b|NoSuchElementException|\\bEOF when reading\\b|"
                     "\\bend of file\\b|\\bunexpected EOF\\b"),
      QRegularExpression::CaseInsensitiveOption);
  return kEndOfInput.match(outcome.run->stderr_text).hasMatch();
}

QString endOfInputHint(const RunOutcome& outcome, bool stdin_given, bool typed_input) {
  if (!readPastEndOfInput(outcome)) return {};
  if (stdin_given) {
    return tr(
        "The program read past the end of its input: the stdin box has fewer lines than "
        "it reads. Add them, or empty the box to type the input while it runs.");
  }
  if (typed_input) {
    return tr(
        "The program read past the end of its input: it asked for more after End input "
        "(Ctrl-D) or after the input you typed.");
  }
  return tr(
      "The program reads input and got none: type it in the line under the output while "
      "it runs and press Enter (End input, Ctrl-D, closes its stdin), or fill the stdin "
      "box before Run.");
}

}  // namespace polyrun::gui
