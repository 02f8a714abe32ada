#include "language_support.h"

namespace polyrun::gui {

SyntaxFamily syntaxFamily(const QString& language) {
  const QString l = language.trimmed().toLower();
  if (l == QLatin1String("python") || l == QLatin1String("py") || l == QLatin1String("python3"))
    return SyntaxFamily::kPython;
  if (l == QLatin1String("c") || l == QLatin1String("gcc")) return SyntaxFamily::kC;
  if (l == QLatin1String("c++") || l == QLatin1String("cpp") || l == QLatin1String("g++") ||
      l == QLatin1String("cxx"))
    return SyntaxFamily::kCpp;
  if (l == QLatin1String("java")) return SyntaxFamily::kJava;
  return SyntaxFamily::kPlain;
}

SyntaxFamily syntaxFamilyForExtension(QString suffix) {
  suffix = suffix.toLower();
  if (suffix.startsWith('.')) suffix.remove(0, 1);
  if (suffix == QLatin1String("py")) return SyntaxFamily::kPython;
  if (suffix == QLatin1String("c") || suffix == QLatin1String("h")) return SyntaxFamily::kC;
  if (suffix == QLatin1String("cpp") || suffix == QLatin1String("cc") ||
      suffix == QLatin1String("cxx") || suffix == QLatin1String("hpp") ||
      suffix == QLatin1String("hh"))
    return SyntaxFamily::kCpp;
  if (suffix == QLatin1String("java")) return SyntaxFamily::kJava;
  return SyntaxFamily::kPlain;
}

QString starterTemplate(SyntaxFamily family) {
  switch (family) {
    case SyntaxFamily::kPython:
      return QStringLiteral(
          "import sys\n"
          "\n"
          "\n"
          "def main():\n"
          "    name = sys.stdin.readline().strip() or \"world\"\n"
          "    print(f\"Hello, {name}!\")\n"
          "\n"
          "\n"
          "if __name__ == \"__main__\":\n"
          "    main()\n");
    case SyntaxFamily::kC:
      return QStringLiteral(
          "#include <stdio.h>\n"
          "#include <string.h>\n"
          "\n"
          "int main(int argc, char *argv[]) {\n"
          "    char name[256] = \"world\";\n"
          "    if (fgets(name, sizeof name, stdin)) name[strcspn(name, \"\\n\")] = '\\0';\n"
          "    printf(\"Hello, %s!\\n\", name);\n"
          "    return 0;\n"
          "}\n");
    case SyntaxFamily::kCpp:
      return QStringLiteral(
          "#include <iostream>\n"
          "#include <string>\n"
          "\n"
          "int main(int argc, char* argv[]) {\n"
          "    std::string name;\n"
          "    if (!std::getline(std::cin, name) || name.empty()) name = \"world\";\n"
          "    std::cout << \"Hello, \" << name << \"!\\n\";\n"
          "    return 0;\n"
          "}\n");
    case SyntaxFamily::kJava:
      return QStringLiteral(
          "import java.util.Scanner;\n"
          "\n"
          "public class Main {\n"
          "    public static void main(String[] args) {\n"
          "        Scanner in = new Scanner(System.in);\n"
          "        String name = in.hasNextLine() ? in.nextLine().trim() : \"\";\n"
          "        System.out.println(\"Hello, \" + (name.isEmpty() ? \"world\" : name) + \"!\");\n"
          "    }\n"
          "}\n");
    case SyntaxFamily::kPlain:
      break;
  }
  return {};
}

QString suggestedFileName(SyntaxFamily family, const QString& fallback_extension) {
  switch (family) {
    case SyntaxFamily::kPython:
      return QStringLiteral("main.py");
    case SyntaxFamily::kC:
      return QStringLiteral("main.c");
    case SyntaxFamily::kCpp:
      return QStringLiteral("main.cpp");
    case SyntaxFamily::kJava:
      return QStringLiteral("Main.java");
    case SyntaxFamily::kPlain:
      break;
  }
  return QStringLiteral("main") + fallback_extension;
}

}  // namespace polyrun::gui
