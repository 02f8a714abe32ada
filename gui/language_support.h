// What the editor knows about a language beyond the master's runtimes list: which highlighting
// rules fit it and the program a new file starts with. Keyed by the master's canonical name or an
// alias; a language it does not know (a plugin added later) gets plain text and an empty file.
#pragma once

#include <QString>

namespace polyrun::gui {

enum class SyntaxFamily { kPlain, kPython, kC, kCpp, kJava };

/// "python", "py", "python3" -> kPython; "c", "gcc" -> kC; "c++", "cpp", "g++" -> kCpp;
/// "java" -> kJava; anything else kPlain. Case-insensitive.
SyntaxFamily syntaxFamily(const QString& language);

/// The family a file extension ("py", ".cpp") suggests, for highlighting before the master's
/// runtimes say which language a file is; kPlain when unknown.
SyntaxFamily syntaxFamilyForExtension(QString suffix);

/// A small program that reads a line and greets it, so Run works on a new file at once; empty
/// for kPlain.
QString starterTemplate(SyntaxFamily family);

/// "main.py", "main.c", "main.cpp", "Main.java" (the runner names a Java file after its public
/// class; the template's class is Main); `fallback_extension` (".rb") for other languages.
QString suggestedFileName(SyntaxFamily family, const QString& fallback_extension);

}  // namespace polyrun::gui
