// What the editor knows about a language beyond the master's runtimes list: how to highlight it
// and the program a new file starts with. One row per language in a table (language_support.cc);
// a row is found by the master's canonical name or an alias, so a master that spells a name
// differently ("nodejs", "golang") still gets colours; by extension only for a file before the
// runtimes are known. A language without a row (a
// plugin added later) gets plain text and an empty file, and still runs.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include "client_types.h"

namespace polyrun::gui {

enum class SyntaxFamily {
  kPlain,
  kPython,
  kC,
  kCpp,
  kJava,
  kJavaScript,
  kTypeScript,
  kGo,
  kRust,
  kCSharp,
  kPhp,
  kRuby,
  kKotlin,
  kBash,
  kLua,
  kHaskell,
  kPerl,
};

/// What a highlighted stretch of text is; each has its own colour (SyntaxHighlighter::format).
enum class SyntaxCategory {
  kKeyword,
  kType,
  kNumber,
  kString,
  kComment,
  kPreprocessor,
  kDecorator
};

/// A construct that may run over lines: a block comment or a multi-line string.
struct SyntaxSpan {
  QString open;
  QString close;
  SyntaxCategory category;
};

/// A regular expression coloured before strings and comments (which win over it).
struct SyntaxPattern {
  QString regex;
  SyntaxCategory category;
};

/// One language's row: everything the editor needs, and nothing in code paths of its own.
struct LanguageSyntax {
  SyntaxFamily family = SyntaxFamily::kPlain;
  QStringList names;       // lower case; canonical name first, then the aliases masters use
  QStringList extensions;  // lower case, without the dot
  QStringList keywords;
  QStringList types;          // built-in types and the best-known library names
  QStringList line_comments;  // "//", "#", "--"
  /// A line comment starts only at the line's start or after white space (shell's `$#`).
  bool comment_after_space = false;
  /// Block comments and multi-line strings, tried in order before line comments and quotes
  /// (so Lua's "--[[" comes before "--", Python's '"""' before '"').
  QList<SyntaxSpan> spans;
  QString quotes;  // one-line string delimiters; a backslash escapes the next character
  QList<SyntaxPattern> patterns;  // numbers are common to all; these are the language's extras
  QString file_stem;              // "main"; "Main" for Java (the runner names it after the class)
  QString starter;                // reads a line, greets it
};

/// The table, one row per language the editor knows.
const QList<LanguageSyntax>& languageSyntaxes();
/// The row of `family`; nullptr for kPlain.
const LanguageSyntax* languageSyntax(SyntaxFamily family);

/// The family a language name or alias ("python", "Py", "c++20", "golang") names; kPlain when
/// unknown. Case-insensitive.
SyntaxFamily syntaxFamily(const QString& language);

/// The family a file extension ("py", ".cpp") suggests, for highlighting before the master's
/// runtimes say which language a file is; kPlain when unknown.
SyntaxFamily syntaxFamilyForExtension(QString suffix);

/// The family of a runtime the master advertises: by its name, else by one of its aliases
/// ("node-js" with alias "nodejs" is JavaScript); kPlain when none is known.
SyntaxFamily syntaxFamilyOf(const Runtime& runtime);

/// A small program that reads a line and greets it, so Run works on a new file at once; empty
/// for kPlain.
QString starterTemplate(SyntaxFamily family);

/// "main.py", "Main.java" (the runner names a Java file after its public class; the template's
/// class is Main): the family's stem with `fallback_extension` (".rb", the selected runtime's)
/// or, without one, the family's first extension.
QString suggestedFileName(SyntaxFamily family, const QString& fallback_extension);

}  // namespace polyrun::gui
