// The editor's language table: every row reachable by its names and extensions, the runtimes a
// many-language cluster advertises mapped to their highlighting (by name or alias, unknown ones
// to plain text), and a starter program for each language it knows.
#include "language_support.h"

#include <QSet>
#include <QtTest>

#include "canned_replies.h"
#include "client_types.h"

using namespace polyrun::gui;

class LanguageSupportTest : public QObject {
  Q_OBJECT

 private slots:
  void everyFamilyHasOneRowFoundByItsNames();
  void advertisedRuntimesGetTheirHighlighting();
  void unknownLanguagesArePlain();
  void templatesAndFileNames();
};

namespace {

const QList<SyntaxFamily> kAllFamilies = {
    SyntaxFamily::kPython, SyntaxFamily::kC,          SyntaxFamily::kCpp,
    SyntaxFamily::kJava,   SyntaxFamily::kJavaScript, SyntaxFamily::kTypeScript,
    SyntaxFamily::kGo,     SyntaxFamily::kRust,       SyntaxFamily::kCSharp,
    SyntaxFamily::kPhp,    SyntaxFamily::kRuby,       SyntaxFamily::kKotlin,
    SyntaxFamily::kBash,   SyntaxFamily::kLua,        SyntaxFamily::kHaskell,
    SyntaxFamily::kPerl};

}  // namespace

void LanguageSupportTest::everyFamilyHasOneRowFoundByItsNames() {
  QCOMPARE(languageSyntaxes().size(), kAllFamilies.size());
  QVERIFY(languageSyntax(SyntaxFamily::kPlain) == nullptr);
  for (SyntaxFamily family : kAllFamilies) {
    const LanguageSyntax* row = languageSyntax(family);
    QVERIFY(row != nullptr);
    const QString name = row->names.value(0);
    QVERIFY2(!row->keywords.isEmpty(), qPrintable(name));
    QVERIFY2(!row->line_comments.isEmpty() || !row->spans.isEmpty(), qPrintable(name));
    QVERIFY2(!row->quotes.isEmpty(), qPrintable(name));
    // A name or extension in two rows would be found in the first only.
    for (const QString& n : row->names) {
      QVERIFY2(syntaxFamily(n) == family, qPrintable(name + ": name " + n));
      QVERIFY2(syntaxFamily(n.toUpper()) == family, qPrintable(name + ": name " + n));
    }
    for (const QString& e : row->extensions)
      QVERIFY2(syntaxFamilyForExtension('.' + e) == family, qPrintable(name + ": ." + e));
  }
}

void LanguageSupportTest::advertisedRuntimesGetTheirHighlighting() {
  const QList<Runtime> runtimes = runtimesFromJson(test::manyRuntimesReply({{"id", 1}}));
  QCOMPARE(runtimes.size(), 39);
  const QHash<QString, SyntaxFamily> expected = {
      {"bash", SyntaxFamily::kBash},     {"c", SyntaxFamily::kC},
      {"c++", SyntaxFamily::kCpp},       {"c++20", SyntaxFamily::kCpp},
      {"c++23", SyntaxFamily::kCpp},     {"csharp", SyntaxFamily::kCSharp},
      {"go", SyntaxFamily::kGo},         {"haskell", SyntaxFamily::kHaskell},
      {"java", SyntaxFamily::kJava},     {"kotlin", SyntaxFamily::kKotlin},
      {"lua", SyntaxFamily::kLua},       {"nodejs", SyntaxFamily::kJavaScript},  // by alias
      {"perl", SyntaxFamily::kPerl},     {"php", SyntaxFamily::kPhp},
      {"python", SyntaxFamily::kPython}, {"ruby", SyntaxFamily::kRuby},
      {"rust", SyntaxFamily::kRust},     {"typescript", SyntaxFamily::kTypeScript},
  };
  QSet<SyntaxFamily> seen;
  for (const Runtime& r : runtimes) {
    const SyntaxFamily family = syntaxFamilyOf(r);
    QVERIFY2(family == expected.value(r.language, SyntaxFamily::kPlain), qPrintable(r.language));
    seen.insert(family);
  }
  // Every row of the table is used by some language of such a cluster.
  for (SyntaxFamily family : kAllFamilies) QVERIFY(seen.contains(family));
}

void LanguageSupportTest::unknownLanguagesArePlain() {
  QCOMPARE(syntaxFamily("cobol"), SyntaxFamily::kPlain);
  QCOMPARE(syntaxFamily(""), SyntaxFamily::kPlain);
  QCOMPARE(syntaxFamilyForExtension("cob"), SyntaxFamily::kPlain);
  QCOMPARE(syntaxFamilyForExtension(""), SyntaxFamily::kPlain);
  // Not by extension once the runtime is known: Prolog's .pl is no Perl.
  QCOMPARE(syntaxFamilyOf(Runtime{"prolog", "9.0", {"swipl"}, {".pl"}, false, 1}),
           SyntaxFamily::kPlain);
  QCOMPARE(syntaxFamilyForExtension(".pl"), SyntaxFamily::kPerl);  // the guess before that
  QVERIFY(starterTemplate(SyntaxFamily::kPlain).isEmpty());
}

void LanguageSupportTest::templatesAndFileNames() {
  QSet<QString> templates;
  for (SyntaxFamily family : kAllFamilies) templates.insert(starterTemplate(family));
  QCOMPARE(templates.size(), kAllFamilies.size());  // each its own, none empty
  QVERIFY(!templates.contains(QString()));
  QVERIFY(starterTemplate(SyntaxFamily::kGo).contains("package main"));
  QVERIFY(starterTemplate(SyntaxFamily::kRust).contains("fn main()"));
  QVERIFY(starterTemplate(SyntaxFamily::kPhp).startsWith("<?php"));
  QCOMPARE(suggestedFileName(SyntaxFamily::kGo, QString()), QString("main.go"));
  QCOMPARE(suggestedFileName(SyntaxFamily::kJava, QString()), QString("Main.java"));
  QCOMPARE(suggestedFileName(SyntaxFamily::kKotlin, ".kt"), QString("main.kt"));
  QCOMPARE(suggestedFileName(SyntaxFamily::kPlain, ".cob"), QString("main.cob"));
}

QTEST_GUILESS_MAIN(LanguageSupportTest)
#include "language_support_test.moc"
