#include "language_support.h"

namespace polyrun::gui {
namespace {

using Cat = SyntaxCategory;

// "a b c" -> {"a", "b", "c"}: keeps the word lists of the table readable.
QStringList words(const char* list) {
  return QString::fromLatin1(list).split(' ', Qt::SkipEmptyParts);
}

const QString kCPreprocessor = QStringLiteral("^\\s*#\\s*\\w+.*$");
const QString kAnnotation = QStringLiteral("@\\w+");
// A character literal in languages where a lone ' is no quote (Rust lifetimes, Haskell primes).
const QString kCharLiteral = QStringLiteral("'(?:\\\\.|[^\\\\'])'");

const char* const kCKeywords =
    "auto break case const continue default do else enum extern for goto if inline register "
    "restrict return sizeof static struct switch typedef union volatile while NULL _Static_assert";
const char* const kCTypes =
    "void char short int long float double signed unsigned _Bool bool size_t ssize_t int8_t "
    "int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t FILE ptrdiff_t";
const char* const kJsKeywords =
    "async await break case catch class const continue debugger default delete do else export "
    "extends false finally for function if import in instanceof let new null of return static "
    "super switch this throw true try typeof undefined var void while with yield";
const char* const kJsTypes =
    "Array Boolean Date Error JSON Map Math Number Object Promise RegExp Set String Symbol "
    "console process require";

QList<LanguageSyntax> buildTable() {
  const SyntaxSpan c_block{"/*", "*/", Cat::kComment};
  QList<LanguageSyntax> t;

  LanguageSyntax python;
  python.family = SyntaxFamily::kPython;
  python.names = words("python py python3 python2 cpython pypy pypy3");
  python.extensions = words("py pyw");
  python.keywords = words(
      "False None True and as assert async await break class continue def del elif else except "
      "finally for from global if import in is lambda match case nonlocal not or pass raise "
      "return try while with yield");
  python.types = words(
      "int float str bytes bool list dict set tuple object type range print input len open self "
      "super Exception ValueError KeyError IndexError");
  python.line_comments = words("#");
  python.spans = {{"\"\"\"", "\"\"\"", Cat::kString}, {"'''", "'''", Cat::kString}};
  python.quotes = "\"'";
  python.patterns = {{"^\\s*@[\\w.]+", Cat::kDecorator}};
  python.starter =
      "import sys\n"
      "\n"
      "\n"
      "def main():\n"
      "    name = sys.stdin.readline().strip() or \"world\"\n"
      "    print(f\"Hello, {name}!\")\n"
      "\n"
      "\n"
      "if __name__ == \"__main__\":\n"
      "    main()\n";
  t << python;

  LanguageSyntax c;
  c.family = SyntaxFamily::kC;
  c.names = words("c gcc clang c89 c99 c11 c17 c23 gnu11 gnu17");
  c.extensions = words("c h");
  c.keywords = words(kCKeywords);
  c.types = words(kCTypes);
  c.line_comments = words("//");
  c.spans = {c_block};
  c.quotes = "\"'";
  c.patterns = {{kCPreprocessor, Cat::kPreprocessor}};
  c.starter =
      "#include <stdio.h>\n"
      "#include <string.h>\n"
      "\n"
      "int main(int argc, char *argv[]) {\n"
      "    char name[256] = \"world\";\n"
      "    if (fgets(name, sizeof name, stdin)) name[strcspn(name, \"\\n\")] = '\\0';\n"
      "    printf(\"Hello, %s!\\n\", name);\n"
      "    return 0;\n"
      "}\n";
  t << c;

  LanguageSyntax cpp = c;
  cpp.family = SyntaxFamily::kCpp;
  cpp.names = words(
      "c++ cpp g++ cxx clang++ c++11 c++14 c++17 c++20 c++23 c++26 gnu++17 gnu++20 gnu++23 "
      "cpp17 cpp20 cpp23");
  cpp.extensions = words("cpp cc cxx c++ hpp hh hxx");
  cpp.keywords << words(
      "alignas alignof catch class concept consteval constexpr constinit co_await co_return "
      "co_yield decltype delete explicit export false friend mutable namespace new noexcept "
      "nullptr operator override final private protected public requires static_assert template "
      "this throw true try typename using virtual");
  cpp.types << words(
      "auto wchar_t char8_t char16_t char32_t std string vector map unordered_map set pair "
      "optional unique_ptr shared_ptr string_view");
  cpp.starter =
      "#include <iostream>\n"
      "#include <string>\n"
      "\n"
      "int main(int argc, char* argv[]) {\n"
      "    std::string name;\n"
      "    if (!std::getline(std::cin, name) || name.empty()) name = \"world\";\n"
      "    std::cout << \"Hello, \" << name << \"!\\n\";\n"
      "    return 0;\n"
      "}\n";
  t << cpp;

  LanguageSyntax java;
  java.family = SyntaxFamily::kJava;
  java.names = words("java jdk openjdk");
  java.extensions = words("java");
  java.keywords = words(
      "abstract assert break case catch class const continue default do else enum extends final "
      "finally for goto if implements import instanceof interface native new package private "
      "protected public record return static strictfp super switch synchronized this throw "
      "throws transient try var void volatile while yield true false null");
  java.types = words(
      "boolean byte char short int long float double String Object Integer Long Double Scanner "
      "System List ArrayList Map HashMap StringBuilder");
  java.line_comments = words("//");
  java.spans = {c_block, {"\"\"\"", "\"\"\"", Cat::kString}};
  java.quotes = "\"'";
  java.patterns = {{kAnnotation, Cat::kDecorator}};
  java.file_stem = "Main";
  java.starter =
      "import java.util.Scanner;\n"
      "\n"
      "public class Main {\n"
      "    public static void main(String[] args) {\n"
      "        Scanner in = new Scanner(System.in);\n"
      "        String name = in.hasNextLine() ? in.nextLine().trim() : \"\";\n"
      "        System.out.println(\"Hello, \" + (name.isEmpty() ? \"world\" : name) + \"!\");\n"
      "    }\n"
      "}\n";
  t << java;

  LanguageSyntax js;
  js.family = SyntaxFamily::kJavaScript;
  js.names = words("javascript js node nodejs node.js ecmascript");
  js.extensions = words("js mjs cjs");
  js.keywords = words(kJsKeywords);
  js.types = words(kJsTypes);
  js.line_comments = words("//");
  js.spans = {c_block, {"`", "`", Cat::kString}};
  js.quotes = "\"'";
  js.starter =
      "const input = require(\"fs\").readFileSync(0, \"utf8\");\n"
      "const name = input.split(\"\\n\")[0].trim() || \"world\";\n"
      "console.log(`Hello, ${name}!`);\n";
  t << js;

  LanguageSyntax ts = js;
  ts.family = SyntaxFamily::kTypeScript;
  ts.names = words("typescript ts tsc ts-node");
  ts.extensions = words("ts mts cts");
  ts.keywords << words(
      "abstract as declare enum implements interface keyof namespace private protected public "
      "readonly satisfies type");
  ts.types << words("any boolean never number string unknown void");
  ts.patterns = {{kAnnotation, Cat::kDecorator}};
  // No Node.js typings needed: the compiler may run without @types/node.
  ts.starter =
      "const proc = (globalThis as any).process;\n"
      "let input = \"\";\n"
      "proc.stdin.on(\"data\", (chunk: unknown) => (input += String(chunk)));\n"
      "proc.stdin.on(\"end\", () => {\n"
      "  const name: string = input.split(\"\\n\")[0].trim() || \"world\";\n"
      "  console.log(`Hello, ${name}!`);\n"
      "});\n";
  t << ts;

  LanguageSyntax go;
  go.family = SyntaxFamily::kGo;
  go.names = words("go golang");
  go.extensions = words("go");
  go.keywords = words(
      "break case chan const continue default defer else fallthrough for func go goto if import "
      "interface map package range return select struct switch type var true false nil iota");
  go.types = words(
      "bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune "
      "string uint uint8 uint16 uint32 uint64 uintptr any append cap len make new panic");
  go.line_comments = words("//");
  go.spans = {c_block, {"`", "`", Cat::kString}};
  go.quotes = "\"'";
  go.starter =
      "package main\n"
      "\n"
      "import (\n"
      "\t\"bufio\"\n"
      "\t\"fmt\"\n"
      "\t\"os\"\n"
      "\t\"strings\"\n"
      ")\n"
      "\n"
      "func main() {\n"
      "\tline, _ := bufio.NewReader(os.Stdin).ReadString('\\n')\n"
      "\tname := strings.TrimSpace(line)\n"
      "\tif name == \"\" {\n"
      "\t\tname = \"world\"\n"
      "\t}\n"
      "\tfmt.Printf(\"Hello, %s!\\n\", name)\n"
      "}\n";
  t << go;

  LanguageSyntax rust;
  rust.family = SyntaxFamily::kRust;
  rust.names = words("rust rs rustc");
  rust.extensions = words("rs");
  rust.keywords = words(
      "as async await break const continue crate dyn else enum extern false fn for if impl in "
      "let loop match mod move mut pub ref return self Self static struct super trait true type "
      "unsafe use where while");
  rust.types = words(
      "bool char f32 f64 i8 i16 i32 i64 i128 isize str u8 u16 u32 u64 u128 usize String Vec "
      "Option Result Box Some None Ok Err");
  rust.line_comments = words("//");
  rust.spans = {c_block};
  rust.quotes = "\"";  // a lone ' is a lifetime
  rust.patterns = {{kCharLiteral, Cat::kString},
                   {"#!?\\[[^\\]]*\\]", Cat::kPreprocessor},
                   {"\\b[a-z_]\\w*!(?!=)", Cat::kDecorator}};  // macros: println!
  rust.starter =
      "use std::io;\n"
      "\n"
      "fn main() {\n"
      "    let mut line = String::new();\n"
      "    io::stdin().read_line(&mut line).expect(\"read stdin\");\n"
      "    let name = match line.trim() {\n"
      "        \"\" => \"world\",\n"
      "        s => s,\n"
      "    };\n"
      "    println!(\"Hello, {}!\", name);\n"
      "}\n";
  t << rust;

  LanguageSyntax cs;
  cs.family = SyntaxFamily::kCSharp;
  cs.names = words("csharp c# cs dotnet mono mcs");
  cs.extensions = words("cs");
  cs.keywords = words(
      "abstract as base break case catch class const continue default delegate do else enum "
      "event explicit extern false finally fixed for foreach goto if implicit in interface "
      "internal is lock namespace new null operator out override params private protected public "
      "readonly record ref return sealed sizeof static struct switch this throw true try typeof "
      "using var virtual void volatile while async await");
  cs.types = words(
      "bool byte char decimal double float int long object sbyte short string uint ulong ushort "
      "Console String List Dictionary Math");
  cs.line_comments = words("//");
  cs.spans = {c_block};
  cs.quotes = "\"'";
  cs.patterns = {{kCPreprocessor, Cat::kPreprocessor}};
  cs.starter =
      "using System;\n"
      "\n"
      "class Program {\n"
      "    static void Main() {\n"
      "        string name = (Console.ReadLine() ?? \"\").Trim();\n"
      "        Console.WriteLine(\"Hello, \" + (name == \"\" ? \"world\" : name) + \"!\");\n"
      "    }\n"
      "}\n";
  t << cs;

  LanguageSyntax php;
  php.family = SyntaxFamily::kPhp;
  php.names = words("php php8 php7");
  php.extensions = words("php phtml");
  php.keywords = words(
      "abstract and array as break case catch class clone const continue declare default do echo "
      "else elseif empty enum extends false final finally fn for foreach function global if "
      "implements include interface isset list match namespace new null or print private "
      "protected public readonly require require_once return static switch throw trait true try "
      "unset use var while yield");
  php.types = words("bool float int string mixed void object self parent STDIN STDOUT STDERR");
  php.line_comments = words("// #");
  php.spans = {c_block};
  php.quotes = "\"'";
  php.patterns = {{"<\\?php|\\?>", Cat::kPreprocessor}};
  php.starter =
      "<?php\n"
      "$name = trim((string) fgets(STDIN));\n"
      "if ($name === '') $name = 'world';\n"
      "echo \"Hello, $name!\\n\";\n";
  t << php;

  LanguageSyntax ruby;
  ruby.family = SyntaxFamily::kRuby;
  ruby.names = words("ruby rb");
  ruby.extensions = words("rb");
  ruby.keywords = words(
      "BEGIN END alias and begin break case class def defined do else elsif end ensure false for "
      "if in module next nil not or redo rescue retry return self super then true undef unless "
      "until when while yield require puts");
  ruby.types = words("Array Hash Integer Float String Symbol Kernel STDIN STDOUT");
  ruby.line_comments = words("#");
  ruby.quotes = "\"'`";
  ruby.patterns = {{"(?<![:\\w]):\\w+", Cat::kDecorator}};  // symbols
  ruby.starter =
      "name = ($stdin.gets || \"\").strip\n"
      "name = \"world\" if name.empty?\n"
      "puts \"Hello, #{name}!\"\n";
  t << ruby;

  LanguageSyntax kotlin;
  kotlin.family = SyntaxFamily::kKotlin;
  kotlin.names = words("kotlin kt kotlinc");
  kotlin.extensions = words("kt kts");
  kotlin.keywords = words(
      "as break class continue do else false for fun if in interface is null object package "
      "return super this throw true try typealias typeof val var when while by catch companion "
      "constructor data enum finally import init internal lateinit open override private "
      "protected public sealed suspend");
  kotlin.types = words(
      "Any Boolean Byte Char Double Float Int Long Nothing Short String Unit List MutableList "
      "Map Array println readLine");
  kotlin.line_comments = words("//");
  kotlin.spans = {c_block, {"\"\"\"", "\"\"\"", Cat::kString}};
  kotlin.quotes = "\"'";
  kotlin.patterns = {{kAnnotation, Cat::kDecorator}};
  kotlin.starter =
      "fun main() {\n"
      "    val name = readLine()?.trim().orEmpty().ifEmpty { \"world\" }\n"
      "    println(\"Hello, $name!\")\n"
      "}\n";
  t << kotlin;

  LanguageSyntax bash;
  bash.family = SyntaxFamily::kBash;
  bash.names = words("bash sh shell dash zsh ksh");
  bash.extensions = words("sh bash");
  bash.keywords = words(
      "if then else elif fi case esac for select while until do done in function time return "
      "exit local declare export readonly break continue");
  bash.types = words("echo printf read cd test set unset shift source eval exec trap");
  bash.line_comments = words("#");
  bash.comment_after_space = true;  // $# and ${#x} are no comments
  bash.quotes = "\"'";
  bash.patterns = {{"\\$\\{?[\\w@#?*!$-]", Cat::kDecorator}};  // parameter expansions
  bash.starter =
      "#!/bin/bash\n"
      "read -r name\n"
      "echo \"Hello, ${name:-world}!\"\n";
  t << bash;

  LanguageSyntax lua;
  lua.family = SyntaxFamily::kLua;
  lua.names = words("lua luajit lua5.1 lua5.3 lua5.4");
  lua.extensions = words("lua");
  lua.keywords = words(
      "and break do else elseif end false for function goto if in local nil not or repeat return "
      "then true until while");
  lua.types = words("print io string table math os pairs ipairs tostring tonumber require");
  lua.line_comments = words("--");
  lua.spans = {{"--[[", "]]", Cat::kComment}, {"[[", "]]", Cat::kString}};
  lua.quotes = "\"'";
  lua.starter =
      "local name = (io.read(\"*l\") or \"\"):match(\"^%s*(.-)%s*$\")\n"
      "if name == \"\" then name = \"world\" end\n"
      "print(\"Hello, \" .. name .. \"!\")\n";
  t << lua;

  LanguageSyntax haskell;
  haskell.family = SyntaxFamily::kHaskell;
  haskell.names = words("haskell hs ghc runghc runhaskell");
  haskell.extensions = words("hs lhs");
  haskell.keywords = words(
      "case class data default deriving do else forall if import in infix infixl infixr instance "
      "let module newtype of qualified then type where");
  haskell.types = words(
      "Bool Char Double Either Float IO Int Integer Maybe String Just Nothing Left Right True "
      "False");
  haskell.line_comments = words("--");
  haskell.spans = {{"{-", "-}", Cat::kComment}};
  haskell.quotes = "\"";  // a lone ' is a prime (x')
  haskell.patterns = {{kCharLiteral, Cat::kString}};
  haskell.starter =
      "main :: IO ()\n"
      "main = do\n"
      "  input <- getContents\n"
      "  let name = case lines input of\n"
      "        (l : _) | not (null (words l)) -> unwords (words l)\n"
      "        _ -> \"world\"\n"
      "  putStrLn (\"Hello, \" ++ name ++ \"!\")\n";
  t << haskell;

  LanguageSyntax perl;
  perl.family = SyntaxFamily::kPerl;
  perl.names = words("perl perl5");
  perl.extensions = words("pl pm");
  perl.keywords = words(
      "my our local sub if elsif else unless while until for foreach last next redo return use "
      "no package require do eq ne lt gt le ge and or not");
  perl.types = words("print printf chomp split join push pop shift keys values defined STDIN");
  perl.line_comments = words("#");
  perl.comment_after_space = true;  // $#array is no comment
  perl.quotes = "\"'";
  perl.patterns = {{"[$@%]\\{?\\w+", Cat::kDecorator}};  // variables
  perl.starter =
      "use strict;\n"
      "use warnings;\n"
      "\n"
      "my $name = <STDIN> // '';\n"
      "chomp $name;\n"
      "$name = 'world' if $name eq '';\n"
      "print \"Hello, $name!\\n\";\n";
  t << perl;

  for (LanguageSyntax& row : t)
    if (row.file_stem.isEmpty()) row.file_stem = QStringLiteral("main");
  return t;
}

}  // namespace

const QList<LanguageSyntax>& languageSyntaxes() {
  static const QList<LanguageSyntax> table = buildTable();
  return table;
}

const LanguageSyntax* languageSyntax(SyntaxFamily family) {
  for (const LanguageSyntax& row : languageSyntaxes())
    if (row.family == family) return &row;
  return nullptr;
}

SyntaxFamily syntaxFamily(const QString& language) {
  const QString l = language.trimmed().toLower();
  for (const LanguageSyntax& row : languageSyntaxes())
    if (row.names.contains(l)) return row.family;
  return SyntaxFamily::kPlain;
}

SyntaxFamily syntaxFamilyForExtension(QString suffix) {
  suffix = suffix.trimmed().toLower();
  if (suffix.startsWith('.')) suffix.remove(0, 1);
  for (const LanguageSyntax& row : languageSyntaxes())
    if (row.extensions.contains(suffix)) return row.family;
  return SyntaxFamily::kPlain;
}

SyntaxFamily syntaxFamilyOf(const Runtime& runtime) {
  // Not by extension: languages share some (".pl" is Perl's and Prolog's, ".m" Octave's and
  // Objective-C's), and wrong colours are worse than none.
  SyntaxFamily family = syntaxFamily(runtime.language);
  for (int i = 0; family == SyntaxFamily::kPlain && i < runtime.aliases.size(); ++i)
    family = syntaxFamily(runtime.aliases[i]);
  return family;
}

QString starterTemplate(SyntaxFamily family) {
  const LanguageSyntax* row = languageSyntax(family);
  return row ? row->starter : QString();
}

QString suggestedFileName(SyntaxFamily family, const QString& fallback_extension) {
  const LanguageSyntax* row = languageSyntax(family);
  const QString stem = row ? row->file_stem : QStringLiteral("main");
  if (!fallback_extension.isEmpty() || !row || row->extensions.isEmpty())
    return stem + fallback_extension;
  return stem + '.' + row->extensions.first();
}

}  // namespace polyrun::gui
