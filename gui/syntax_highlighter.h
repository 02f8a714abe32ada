// Highlighting for the editor: keywords, types, numbers, strings, comments and (per language)
// preprocessor lines, decorators or annotations. One class driven by a per-language rule table
// (language_support.h's SyntaxFamily); strings and comments are found by a left-to-right scan,
// so "#" in a Python string or "//" in a C string is not a comment, and C block comments and
// Python triple-quoted strings carry over to the next lines.
#pragma once

#include <QList>
#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

#include "language_support.h"

namespace polyrun::gui {

class SyntaxHighlighter : public QSyntaxHighlighter {
  Q_OBJECT

 public:
  enum class Category { kKeyword, kType, kNumber, kString, kComment, kPreprocessor, kDecorator };

  SyntaxHighlighter(SyntaxFamily family, QTextDocument* document);

  SyntaxFamily family() const { return family_; }
  /// Switches the rules and highlights the whole document again.
  void setFamily(SyntaxFamily family);
  /// The format used for a category (tests compare against it).
  static QTextCharFormat format(Category category);

 protected:
  void highlightBlock(const QString& text) override;

 private:
  // Block states carried to the next line.
  enum State { kNormal = 0, kInBlockComment = 1, kInTripleDouble = 2, kInTripleSingle = 3 };
  struct Rule {
    QRegularExpression pattern;
    Category category;
  };

  void buildRules();
  /// Colours strings and comments from `from`; returns the state the line ends in.
  int scanStringsAndComments(const QString& text, int from);

  SyntaxFamily family_;
  QList<Rule> rules_;
};

}  // namespace polyrun::gui
