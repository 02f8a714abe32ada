// The editor: highlighting per language (keywords, types, numbers, strings, comments, and what
// carries over lines), templates per language, the line-number gutter and the tab width.
#include "code_editor.h"

#include <QTextBlock>
#include <QTextLayout>
#include <QtTest>
#include <optional>

#include "language_support.h"
#include "syntax_highlighter.h"

using namespace polyrun::gui;
using Category = SyntaxHighlighter::Category;

namespace {

// The category the highlighter gave to character `column` of line `line`; nullopt when plain.
std::optional<Category> categoryAt(const CodeEditor& editor, int line, int column) {
  const QTextBlock block = editor.document()->findBlockByNumber(line);
  for (const QTextLayout::FormatRange& r : block.layout()->formats()) {
    if (column < r.start || column >= r.start + r.length) continue;
    for (Category c : {Category::kKeyword, Category::kType, Category::kNumber, Category::kString,
                       Category::kComment, Category::kPreprocessor, Category::kDecorator}) {
      if (SyntaxHighlighter::format(c).foreground() == r.format.foreground()) return c;
    }
  }
  return std::nullopt;
}

// Column of the `nth` occurrence of `what` on line `line`.
int col(const CodeEditor& editor, int line, const QString& what, int nth = 0) {
  const QString text = editor.document()->findBlockByNumber(line).text();
  int at = -1;
  for (int i = 0; i <= nth; ++i) at = int(text.indexOf(what, at + 1));
  return at;
}

}  // namespace

class CodeEditorTest : public QObject {
  Q_OBJECT

 private slots:
  void familiesFromLanguageNames();
  void highlightsPython();
  void highlightsCAndCarriesBlockComments();
  void highlightsJavaAndCpp();
  void everyFamilyHighlightsItsWords_data();
  void everyFamilyHighlightsItsWords();
  void spansCarryOverLinesPerLanguage();
  void quotesAndCommentsFollowTheLanguage();
  void plainTextHasNoColours();
  void templatesAreRunnablePrograms();
  void lineNumberGutterGrowsWithTheLines();
  void tabWidthFollowsTheSetting();
};

void CodeEditorTest::familiesFromLanguageNames() {
  QCOMPARE(syntaxFamily("python"), SyntaxFamily::kPython);
  QCOMPARE(syntaxFamily("Py"), SyntaxFamily::kPython);
  QCOMPARE(syntaxFamily("gcc"), SyntaxFamily::kC);
  QCOMPARE(syntaxFamily("c++"), SyntaxFamily::kCpp);
  QCOMPARE(syntaxFamily("cpp"), SyntaxFamily::kCpp);
  QCOMPARE(syntaxFamily("java"), SyntaxFamily::kJava);
  QCOMPARE(syntaxFamily("cobol"), SyntaxFamily::kPlain);
  QCOMPARE(syntaxFamily("c++20"), SyntaxFamily::kCpp);
  QCOMPARE(syntaxFamily("golang"), SyntaxFamily::kGo);
  QCOMPARE(syntaxFamilyForExtension("PY"), SyntaxFamily::kPython);
  QCOMPARE(syntaxFamilyForExtension(".hpp"), SyntaxFamily::kCpp);
  QCOMPARE(syntaxFamilyForExtension("h"), SyntaxFamily::kC);
  QCOMPARE(syntaxFamilyForExtension("rb"), SyntaxFamily::kRuby);
  QCOMPARE(syntaxFamilyForExtension("cob"), SyntaxFamily::kPlain);
  QCOMPARE(suggestedFileName(SyntaxFamily::kJava, ".java"), QString("Main.java"));
  QCOMPARE(suggestedFileName(SyntaxFamily::kPlain, ".rb"), QString("main.rb"));
}

void CodeEditorTest::highlightsPython() {
  CodeEditor e;
  e.setSyntax(SyntaxFamily::kPython);
  e.setPlainText(
      "def f(x):  # a comment with 'quotes'\n"
      "    s = \"# not a comment\" + str(42)\n"
      "    doc = \"\"\"starts here\n"
      "def still inside\n"
      "ends\"\"\" if x else None\n"
      "@decorator\n");
  QCOMPARE(categoryAt(e, 0, col(e, 0, "def")), Category::kKeyword);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "f(")), std::nullopt);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "#")), Category::kComment);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "quotes")), Category::kComment);
  QCOMPARE(categoryAt(e, 1, col(e, 1, "# not")), Category::kString);
  QCOMPARE(categoryAt(e, 1, col(e, 1, "str")), Category::kType);
  QCOMPARE(categoryAt(e, 1, col(e, 1, "42")), Category::kNumber);
  QCOMPARE(categoryAt(e, 3, col(e, 3, "def")), Category::kString);  // inside """ ... """
  QCOMPARE(categoryAt(e, 4, col(e, 4, "ends")), Category::kString);
  QCOMPARE(categoryAt(e, 4, col(e, 4, "if")), Category::kKeyword);  // after the closing """
  QCOMPARE(categoryAt(e, 4, col(e, 4, "None")), Category::kKeyword);
  QCOMPARE(categoryAt(e, 5, 1), Category::kDecorator);
}

void CodeEditorTest::highlightsCAndCarriesBlockComments() {
  CodeEditor e;
  e.setSyntax(SyntaxFamily::kC);
  e.setPlainText(
      "#include <stdio.h>\n"
      "/* a comment\n"
      "   int inside */ int x = 0x1F;\n"
      "char *s = \"// no comment\"; // comment\n"
      "char c = '\\'';  return 3.5e2;\n");
  QCOMPARE(categoryAt(e, 0, 0), Category::kPreprocessor);
  QCOMPARE(categoryAt(e, 1, 0), Category::kComment);
  QCOMPARE(categoryAt(e, 2, col(e, 2, "int")), Category::kComment);
  QCOMPARE(categoryAt(e, 2, col(e, 2, "int", 1)), Category::kType);
  QCOMPARE(categoryAt(e, 2, col(e, 2, "0x1F")), Category::kNumber);
  QCOMPARE(categoryAt(e, 3, col(e, 3, "// no")), Category::kString);
  QCOMPARE(categoryAt(e, 3, col(e, 3, "// comment")), Category::kComment);
  QCOMPARE(categoryAt(e, 4, col(e, 4, "return")), Category::kKeyword);  // the '\'' was closed
  QCOMPARE(categoryAt(e, 4, col(e, 4, "3.5e2")), Category::kNumber);

  // Opening a comment on line 3 re-colours the next line; closing it again restores it.
  QTextCursor cursor(e.document()->findBlockByNumber(3));
  cursor.insertText("/* ");
  QCOMPARE(categoryAt(e, 3, col(e, 3, "char")), Category::kComment);
  QCOMPARE(categoryAt(e, 4, col(e, 4, "return")), Category::kComment);
  cursor.insertText("*/");  // line 3 now starts with "/* */"
  QCOMPARE(categoryAt(e, 3, 1), Category::kComment);
  QCOMPARE(categoryAt(e, 3, col(e, 3, "char")), Category::kType);
  QCOMPARE(categoryAt(e, 4, col(e, 4, "return")), Category::kKeyword);
}

void CodeEditorTest::highlightsJavaAndCpp() {
  CodeEditor e;
  e.setSyntax(SyntaxFamily::kJava);
  e.setPlainText("@Override public String name() { return \"x\"; }\n");
  QCOMPARE(categoryAt(e, 0, 0), Category::kDecorator);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "public")), Category::kKeyword);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "String")), Category::kType);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "\"x\"")), Category::kString);

  e.setSyntax(SyntaxFamily::kCpp);  // switching re-highlights the document
  QCOMPARE(categoryAt(e, 0, col(e, 0, "public")), Category::kKeyword);
  e.setPlainText("template <typename T> constexpr auto v = nullptr;\n");
  QCOMPARE(categoryAt(e, 0, 0), Category::kKeyword);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "constexpr")), Category::kKeyword);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "nullptr")), Category::kKeyword);
  e.setSyntax(SyntaxFamily::kC);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "constexpr")), std::nullopt);  // not C
}

void CodeEditorTest::everyFamilyHighlightsItsWords_data() {
  QTest::addColumn<SyntaxFamily>("family");
  QTest::addColumn<QString>("line");
  QTest::addColumn<QString>("keyword");
  QTest::addColumn<QString>("comment");
  // Each line has its keyword, the string "a", the number 42 and the comment, in that order.
  const auto row = [](const char* name, SyntaxFamily family, const char* line, const char* keyword,
                      const char* comment) {
    QTest::newRow(name) << family << QString(line) << QString(keyword) << QString(comment);
  };
  row("python", SyntaxFamily::kPython, "if s == \"a\": n = 42  # done", "if", "# done");
  row("c", SyntaxFamily::kC, "static char *s = \"a\"; int n = 42; // done", "static", "// done");
  row("c++", SyntaxFamily::kCpp, "constexpr auto s = \"a\"; int n = 42; /* done */", "constexpr",
      "/* done */");
  row("java", SyntaxFamily::kJava, "final String s = \"a\"; int n = 42; // done", "final",
      "// done");
  row("javascript", SyntaxFamily::kJavaScript, "const s = \"a\"; let n = 42; // done", "const",
      "// done");
  row("typescript", SyntaxFamily::kTypeScript, "interface P { s: \"a\"; n: 42 } // done",
      "interface", "// done");
  row("go", SyntaxFamily::kGo, "func main() { s := \"a\"; n := 42 } // done", "func", "// done");
  row("rust", SyntaxFamily::kRust, "fn main() { let s = \"a\"; let n = 42; } // done", "fn",
      "// done");
  row("csharp", SyntaxFamily::kCSharp, "static void M() { var s = \"a\"; int n = 42; } // done",
      "static", "// done");
  row("php", SyntaxFamily::kPhp, "function f() { $s = \"a\"; return 42; } # done", "function",
      "# done");
  row("ruby", SyntaxFamily::kRuby, "def f; s = \"a\"; 42; end # done", "def", "# done");
  row("kotlin", SyntaxFamily::kKotlin, "fun main() { val s = \"a\"; val n = 42 } // done", "fun",
      "// done");
  row("bash", SyntaxFamily::kBash, "if [ \"a\" = 42 ]; then exit; fi # done", "if", "# done");
  row("lua", SyntaxFamily::kLua, "local s = \"a\" .. 42 -- done", "local", "-- done");
  row("haskell", SyntaxFamily::kHaskell, "main = do let s = \"a\" in print 42 -- done", "do",
      "-- done");
  row("perl", SyntaxFamily::kPerl, "my $s = \"a\"; print 42; # done", "my", "# done");
}

void CodeEditorTest::everyFamilyHighlightsItsWords() {
  QFETCH(SyntaxFamily, family);
  QFETCH(QString, line);
  QFETCH(QString, keyword);
  QFETCH(QString, comment);
  CodeEditor e;
  e.setSyntax(family);
  e.setPlainText(line);
  QCOMPARE(categoryAt(e, 0, col(e, 0, keyword)), Category::kKeyword);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "\"a\"")), Category::kString);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "42")), Category::kNumber);
  QCOMPARE(categoryAt(e, 0, col(e, 0, comment)), Category::kComment);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "done")), Category::kComment);
  QCOMPARE(categoryAt(e, 0, int(line.size()) - 1), Category::kComment);

  // The same line means nothing to a language the editor does not know.
  e.setSyntax(syntaxFamily("cobol"));
  for (int c = 0; c < line.size(); ++c) QCOMPARE(categoryAt(e, 0, c), std::nullopt);
}

void CodeEditorTest::spansCarryOverLinesPerLanguage() {
  CodeEditor e;
  e.setSyntax(SyntaxFamily::kLua);
  e.setPlainText(
      "--[[ a comment\n"
      "local inside ]] local x = [[ a long\n"
      "string ]] -- end\n");
  QCOMPARE(categoryAt(e, 1, col(e, 1, "local")), Category::kComment);
  QCOMPARE(categoryAt(e, 1, col(e, 1, "local", 1)), Category::kKeyword);
  QCOMPARE(categoryAt(e, 2, col(e, 2, "string")), Category::kString);
  QCOMPARE(categoryAt(e, 2, col(e, 2, "end")), Category::kComment);

  e.setSyntax(SyntaxFamily::kJavaScript);  // a template literal runs over lines
  e.setPlainText(
      "const s = `first\n"
      "if second` ; if (x) {}\n");
  QCOMPARE(categoryAt(e, 1, col(e, 1, "if")), Category::kString);
  QCOMPARE(categoryAt(e, 1, col(e, 1, "if", 1)), Category::kKeyword);

  e.setSyntax(SyntaxFamily::kHaskell);
  e.setPlainText(
      "{- where\n"
      "where -} where\n");
  QCOMPARE(categoryAt(e, 1, 0), Category::kComment);
  QCOMPARE(categoryAt(e, 1, col(e, 1, "where", 1)), Category::kKeyword);
}

void CodeEditorTest::quotesAndCommentsFollowTheLanguage() {
  CodeEditor e;
  // A Rust lifetime is no quote: the rest of the line is still code.
  e.setSyntax(SyntaxFamily::kRust);
  e.setPlainText("fn f<'a>(x: &'a str) -> char { 'x' } // c\n");
  QCOMPARE(categoryAt(e, 0, col(e, 0, "str")), Category::kType);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "'x'")), Category::kString);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "// c")), Category::kComment);

  // In a shell, $# is the argument count, not a comment.
  e.setSyntax(SyntaxFamily::kBash);
  e.setPlainText("echo $# 42 # count\n");
  QCOMPARE(categoryAt(e, 0, col(e, 0, "42")), Category::kNumber);
  QCOMPARE(categoryAt(e, 0, col(e, 0, "# count")), Category::kComment);

  // A Python comment marker means nothing in Go, and Go's raw string spans lines.
  e.setSyntax(SyntaxFamily::kGo);
  e.setPlainText(
      "x := `raw # not\n"
      "func` # func\n");
  QCOMPARE(categoryAt(e, 1, 0), Category::kString);
  QCOMPARE(categoryAt(e, 1, col(e, 1, "func", 1)), Category::kKeyword);
}

void CodeEditorTest::plainTextHasNoColours() {
  CodeEditor e;
  e.setPlainText("def int return // # \"x\"\n");
  QCOMPARE(e.syntax(), SyntaxFamily::kPlain);
  for (int c = 0; c < 20; ++c) QCOMPARE(categoryAt(e, 0, c), std::nullopt);
}

void CodeEditorTest::templatesAreRunnablePrograms() {
  QVERIFY(starterTemplate(SyntaxFamily::kPython).contains("print("));
  QVERIFY(starterTemplate(SyntaxFamily::kC).contains("int main("));
  QVERIFY(starterTemplate(SyntaxFamily::kCpp).contains("std::cout"));
  // The runner names a Java file after its public class; the template's is Main.
  QVERIFY(starterTemplate(SyntaxFamily::kJava).contains("public class Main"));
  QVERIFY(starterTemplate(SyntaxFamily::kPlain).isEmpty());
}

void CodeEditorTest::lineNumberGutterGrowsWithTheLines() {
  CodeEditor e;
  e.resize(400, 300);
  e.show();
  QVERIFY(QTest::qWaitForWindowExposed(&e));
  e.setPlainText("a\nb\nc\n");
  const int narrow = e.lineNumberAreaWidth();
  QVERIFY(narrow > 0);
  QTRY_COMPARE(e.lineNumberArea()->width(), narrow);
  QString many;
  for (int i = 0; i < 12000; ++i) many += "x\n";
  e.setPlainText(many);
  QVERIFY(e.lineNumberAreaWidth() > narrow);  // five digits instead of two
  QTRY_VERIFY(e.viewport()->geometry().left() >= e.lineNumberAreaWidth());
}

void CodeEditorTest::tabWidthFollowsTheSetting() {
  CodeEditor e;
  const qreal space = QFontMetricsF(e.font()).horizontalAdvance(' ');
  e.setTabWidth(8);
  QCOMPARE(e.tabWidth(), 8);
  QCOMPARE(e.tabStopDistance(), space * 8);
  e.setTabWidth(2);
  QCOMPARE(e.tabStopDistance(), space * 2);
  e.setTabWidth(100);
  QCOMPARE(e.tabWidth(), 16);
  QVERIFY(e.font().fixedPitch() || QFontInfo(e.font()).fixedPitch());
}

QTEST_MAIN(CodeEditorTest)
#include "code_editor_test.moc"
