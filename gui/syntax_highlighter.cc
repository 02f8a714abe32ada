#include "syntax_highlighter.h"

#include <QColor>
#include <QStringList>
#include <algorithm>

namespace polyrun::gui {
namespace {

QString wordsPattern(const QStringList& words) {
  QStringList escaped;
  for (const QString& w : words) escaped << QRegularExpression::escape(w);
  return QStringLiteral("\\b(?:%1)\\b").arg(escaped.join('|'));
}

}  // namespace

SyntaxHighlighter::SyntaxHighlighter(SyntaxFamily family, QTextDocument* document)
    : QSyntaxHighlighter(document), family_(family) {
  buildRules();
}

void SyntaxHighlighter::setFamily(SyntaxFamily family) {
  if (family == family_) return;
  family_ = family;
  buildRules();
  rehighlight();
}

QTextCharFormat SyntaxHighlighter::format(Category category) {
  QTextCharFormat f;
  switch (category) {
    case Category::kKeyword:
      f.setForeground(QColor(0x1a, 0x3e, 0x9c));
      f.setFontWeight(QFont::Bold);
      break;
    case Category::kType:
      f.setForeground(QColor(0x7b, 0x1f, 0xa2));
      break;
    case Category::kNumber:
      f.setForeground(QColor(0x00, 0x79, 0x6b));
      break;
    case Category::kString:
      f.setForeground(QColor(0x2e, 0x7d, 0x32));
      break;
    case Category::kComment:
      f.setForeground(QColor(0x75, 0x75, 0x75));
      f.setFontItalic(true);
      break;
    case Category::kPreprocessor:
      f.setForeground(QColor(0x8d, 0x4e, 0x00));
      break;
    case Category::kDecorator:
      f.setForeground(QColor(0xad, 0x14, 0x57));
      break;
  }
  return f;
}

void SyntaxHighlighter::buildRules() {
  rules_.clear();
  syntax_ = languageSyntax(family_);
  if (!syntax_) return;
  const auto add = [this](const QString& pattern, Category category) {
    rules_.append({QRegularExpression(pattern), category});
  };
  if (!syntax_->keywords.isEmpty()) add(wordsPattern(syntax_->keywords), Category::kKeyword);
  if (!syntax_->types.isEmpty()) add(wordsPattern(syntax_->types), Category::kType);
  add(QStringLiteral("\\b(?:0[xX][0-9a-fA-F'_]+|0[bB][01'_]+|\\d[\\d'_]*(?:\\.\\d*)?"
                     "(?:[eE][+-]?\\d+)?)[uUlLfFjJ]*\\b"),
      Category::kNumber);
  for (const SyntaxPattern& p : syntax_->patterns) add(p.regex, p.category);
}

void SyntaxHighlighter::highlightBlock(const QString& text) {
  if (!syntax_) {
    setCurrentBlockState(kNormal);
    return;
  }
  for (const Rule& rule : rules_) {
    for (auto it = rule.pattern.globalMatch(text); it.hasNext();) {
      const auto match = it.next();
      setFormat(int(match.capturedStart()), int(match.capturedLength()), format(rule.category));
    }
  }
  // Strings and comments last: they win over any word inside them.
  setCurrentBlockState(scanStringsAndComments(text, 0));
}

int SyntaxHighlighter::scanStringsAndComments(const QString& text, int from) {
  const LanguageSyntax& syntax = *syntax_;
  const QStringView line(text);
  const int n = int(text.size());
  int i = from;

  // Colours the span `index` from `start` (past its opening) to its close; returns the state the
  // line ends in and moves i past the close.
  const auto closeSpan = [&](int index, int start) {
    const SyntaxSpan& span = syntax.spans[index];
    const int end = int(text.indexOf(span.close, start));
    if (end < 0) {
      setFormat(i, n - i, format(span.category));
      i = n;
      return index + 1;
    }
    setFormat(i, end + int(span.close.size()) - i, format(span.category));
    i = end + int(span.close.size());
    return kNormal;
  };

  // Finish what the previous line left open.
  const int carried = previousBlockState() < 0 ? kNormal : previousBlockState();
  if (carried > kNormal && carried <= syntax.spans.size()) {
    if (const int state = closeSpan(carried - 1, i); state != kNormal) return state;
  }

  while (i < n) {
    bool matched = false;
    for (int k = 0; k < syntax.spans.size() && !matched; ++k) {
      const QString& open = syntax.spans[k].open;
      if (!line.mid(i).startsWith(open)) continue;
      if (const int state = closeSpan(k, i + int(open.size())); state != kNormal) return state;
      matched = true;
    }
    if (matched) continue;
    for (const QString& prefix : syntax.line_comments) {
      if (!line.mid(i).startsWith(prefix)) continue;
      if (syntax.comment_after_space && i > 0 && !text[i - 1].isSpace()) continue;
      setFormat(i, n - i, format(Category::kComment));
      return kNormal;
    }
    const QChar c = text[i];
    if (syntax.quotes.contains(c)) {
      // A one-line string or character literal; an unclosed one ends with the line.
      int j = i + 1;
      while (j < n && text[j] != c) j += text[j] == '\\' ? 2 : 1;
      const int end = std::min(j + 1, n);
      setFormat(i, end - i, format(Category::kString));
      i = end;
      continue;
    }
    ++i;
  }
  return kNormal;
}

}  // namespace polyrun::gui
