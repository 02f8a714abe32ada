#include "syntax_highlighter.h"

#include <QColor>
#include <QStringList>

namespace polyrun::gui {
namespace {

QString wordsPattern(const QStringList& words) {
  return QStringLiteral("\\b(?:%1)\\b").arg(words.join('|'));
}

const QStringList& cKeywords() {
  static const QStringList k = {
      "auto",   "break",  "case",          "const",  "continue", "default", "do",       "else",
      "enum",   "extern", "for",           "goto",   "if",       "inline",  "register", "restrict",
      "return", "sizeof", "static",        "struct", "switch",   "typedef", "union",    "volatile",
      "while",  "NULL",   "_Static_assert"};
  return k;
}

const QStringList& cTypes() {
  static const QStringList t = {
      "void",     "char",    "short",    "int",      "long",     "float",  "double",   "signed",
      "unsigned", "_Bool",   "bool",     "size_t",   "ssize_t",  "int8_t", "int16_t",  "int32_t",
      "int64_t",  "uint8_t", "uint16_t", "uint32_t", "uint64_t", "FILE",   "ptrdiff_t"};
  return t;
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
  const auto add = [this](const QString& pattern, Category category) {
    rules_.append({QRegularExpression(pattern), category});
  };
  const QString number = QStringLiteral(
      "\\b(?:0[xX][0-9a-fA-F']+|0[bB][01']+|\\d[\\d']*(?:\\.\\d*)?(?:[eE][+-]?\\d+)?)"
      "[uUlLfFjJ]*\\b");
  switch (family_) {
    case SyntaxFamily::kPlain:
      return;
    case SyntaxFamily::kPython:
      add(wordsPattern({"False",  "None",   "True",    "and",      "as",     "assert", "async",
                        "await",  "break",  "class",   "continue", "def",    "del",    "elif",
                        "else",   "except", "finally", "for",      "from",   "global", "if",
                        "import", "in",     "is",      "lambda",   "match",  "case",   "nonlocal",
                        "not",    "or",     "pass",    "raise",    "return", "try",    "while",
                        "with",   "yield"}),
          Category::kKeyword);
      add(wordsPattern({"int",       "float",      "str",      "bytes",     "bool", "list",
                        "dict",      "set",        "tuple",    "object",    "type", "range",
                        "print",     "input",      "len",      "open",      "self", "super",
                        "Exception", "ValueError", "KeyError", "IndexError"}),
          Category::kType);
      add(number, Category::kNumber);
      add(QStringLiteral("^\\s*@[\\w.]+"), Category::kDecorator);
      break;
    case SyntaxFamily::kC:
    case SyntaxFamily::kCpp: {
      QStringList keywords = cKeywords();
      QStringList types = cTypes();
      if (family_ == SyntaxFamily::kCpp) {
        keywords << "alignas"
                 << "alignof"
                 << "catch"
                 << "class"
                 << "concept"
                 << "consteval"
                 << "constexpr"
                 << "constinit"
                 << "co_await"
                 << "co_return"
                 << "co_yield"
                 << "decltype"
                 << "delete"
                 << "explicit"
                 << "export"
                 << "false"
                 << "friend"
                 << "mutable"
                 << "namespace"
                 << "new"
                 << "noexcept"
                 << "nullptr"
                 << "operator"
                 << "override"
                 << "final"
                 << "private"
                 << "protected"
                 << "public"
                 << "requires"
                 << "static_assert"
                 << "template"
                 << "this"
                 << "throw"
                 << "true"
                 << "try"
                 << "typename"
                 << "using"
                 << "virtual";
        types << "auto"
              << "wchar_t"
              << "char8_t"
              << "char16_t"
              << "char32_t"
              << "std"
              << "string"
              << "vector"
              << "map"
              << "unordered_map"
              << "set"
              << "pair"
              << "optional"
              << "unique_ptr"
              << "shared_ptr"
              << "string_view";
      }
      add(wordsPattern(keywords), Category::kKeyword);
      add(wordsPattern(types), Category::kType);
      add(number, Category::kNumber);
      add(QStringLiteral("^\\s*#\\s*\\w+.*$"), Category::kPreprocessor);
      break;
    }
    case SyntaxFamily::kJava:
      add(wordsPattern(
              {"abstract",   "assert",   "break",      "case",      "catch",        "class",
               "const",      "continue", "default",    "do",        "else",         "enum",
               "extends",    "final",    "finally",    "for",       "goto",         "if",
               "implements", "import",   "instanceof", "interface", "native",       "new",
               "package",    "private",  "protected",  "public",    "record",       "return",
               "static",     "strictfp", "super",      "switch",    "synchronized", "this",
               "throw",      "throws",   "transient",  "try",       "var",          "void",
               "volatile",   "while",    "yield",      "true",      "false",        "null"}),
          Category::kKeyword);
      add(wordsPattern({"boolean", "byte",      "char",   "short",   "int",
                        "long",    "float",     "double", "String",  "Object",
                        "Integer", "Long",      "Double", "Scanner", "System",
                        "List",    "ArrayList", "Map",    "HashMap", "StringBuilder"}),
          Category::kType);
      add(number, Category::kNumber);
      add(QStringLiteral("@\\w+"), Category::kDecorator);
      break;
  }
}

void SyntaxHighlighter::highlightBlock(const QString& text) {
  if (family_ == SyntaxFamily::kPlain) {
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
  const bool python = family_ == SyntaxFamily::kPython;
  const int n = int(text.size());
  const QTextCharFormat comment = format(Category::kComment);
  const QTextCharFormat string = format(Category::kString);
  int i = from;

  // Finish what the previous line left open.
  const int carried = previousBlockState() < 0 ? kNormal : previousBlockState();
  if (carried == kInBlockComment) {
    const int end = int(text.indexOf(QLatin1String("*/"), i));
    if (end < 0) {
      setFormat(i, n - i, comment);
      return kInBlockComment;
    }
    setFormat(i, end + 2 - i, comment);
    i = end + 2;
  } else if (carried == kInTripleDouble || carried == kInTripleSingle) {
    const QLatin1String close(carried == kInTripleDouble ? "\"\"\"" : "'''");
    const int end = int(text.indexOf(close, i));
    if (end < 0) {
      setFormat(i, n - i, string);
      return carried;
    }
    setFormat(i, end + 3 - i, string);
    i = end + 3;
  }

  while (i < n) {
    const QChar c = text[i];
    if ((python && c == '#') || (!python && c == '/' && i + 1 < n && text[i + 1] == '/')) {
      setFormat(i, n - i, comment);
      return kNormal;
    }
    if (!python && c == '/' && i + 1 < n && text[i + 1] == '*') {
      const int end = int(text.indexOf(QLatin1String("*/"), i + 2));
      if (end < 0) {
        setFormat(i, n - i, comment);
        return kInBlockComment;
      }
      setFormat(i, end + 2 - i, comment);
      i = end + 2;
      continue;
    }
    if (c == '"' || c == '\'') {
      if (python && text.mid(i, 3) == QString(3, c)) {
        const QString close(3, c);
        const int end = int(text.indexOf(close, i + 3));
        if (end < 0) {
          setFormat(i, n - i, string);
          return c == '"' ? kInTripleDouble : kInTripleSingle;
        }
        setFormat(i, end + 3 - i, string);
        i = end + 3;
        continue;
      }
      // A one-line string or character literal; an unclosed one ends with the line.
      int j = i + 1;
      while (j < n && text[j] != c) j += text[j] == '\\' ? 2 : 1;
      const int end = std::min(j + 1, n);
      setFormat(i, end - i, string);
      i = end;
      continue;
    }
    ++i;
  }
  return kNormal;
}

}  // namespace polyrun::gui
