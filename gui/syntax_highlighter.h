// Highlighting for the editor: keywords, types, numbers, strings, comments and (per language)
// preprocessor lines, decorators, annotations or macros. One class driven by the language's row
// of the table in language_support.h; no language has code of its own here. Strings and comments
// are found by a left-to-right scan, so "#" in a Python string or "//" in a C string is not a
// comment, and the row's spans (C block comments, Python triple-quoted strings, JavaScript
// template literals...) carry over to the next lines.
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
  using Category = SyntaxCategory;

  SyntaxHighlighter(SyntaxFamily family, QTextDocument* document);

  SyntaxFamily family() const { return family_; }
  /// Switches the rules and highlights the whole document again.
  void setFamily(SyntaxFamily family);
  /// The format used for a category (tests compare against it).
  static QTextCharFormat format(Category category);

 protected:
  void highlightBlock(const QString& text) override;

 private:
  // The block state carried to the next line: kNormal, or 1 + the index of the row's span that
  // is still open.
  static constexpr int kNormal = 0;
  struct Rule {
    QRegularExpression pattern;
    Category category;
  };

  void buildRules();
  /// Colours strings and comments from `from`; returns the state the line ends in.
  int scanStringsAndComments(const QString& text, int from);

  SyntaxFamily family_;
  const LanguageSyntax* syntax_ = nullptr;  // the table's row (static); nullptr for plain text
  QList<Rule> rules_;
};

}  // namespace polyrun::gui
