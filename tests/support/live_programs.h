// Interactive programs in Python, C and Java that ask twice and answer each time, for the tests
// that drive a live job line by line over each interface (native, WebSocket, CLI).
#pragma once

#include <string>
#include <vector>

namespace polyrun::test {

struct LiveProgram {
  std::string language;  // as a client names it
  std::string file;      // the main file's name
  std::string source;
  // The conversation: before each answer the output must end with that step's prompt; the
  // whole stdout once every answer was given.
  std::vector<std::pair<std::string, std::string>> steps;  // {prompt, answer line}
  std::string transcript;
};

// Python: input() with its prompt. C: printf prompts without a newline and no fflush (shown as
// on a terminal). Java: println prompts (print without a newline stays in Java's own buffer).
inline std::vector<LiveProgram> livePrograms() {
  return {
      {"python",
       "main.py",
       "name = input('name? ')\nprint('hello', name)\nage = input('age? ')\n"
       "print(name, 'is', age)\n",
       {{"name? ", "Ada\n"}, {"age? ", "36\n"}},
       "name? hello Ada\nage? Ada is 36\n"},
      {"c",
       "main.c",
       "#include <stdio.h>\n"
       "int main(void) {\n"
       "  int a, b;\n"
       "  printf(\"a? \");\n"
       "  if (scanf(\"%d\", &a) != 1) return 2;\n"
       "  printf(\"twice %d\\nb? \", 2 * a);\n"
       "  if (scanf(\"%d\", &b) != 1) return 2;\n"
       "  printf(\"sum %d\\n\", a + b);\n"
       "  return 0;\n"
       "}\n",
       {{"a? ", "40\n"}, {"b? ", "2\n"}},
       "a? twice 80\nb? sum 42\n"},
      {"java",
       "Main.java",
       "import java.util.Scanner;\n"
       "public class Main {\n"
       "  public static void main(String[] a) {\n"
       "    Scanner in = new Scanner(System.in);\n"
       "    System.out.println(\"word?\");\n"
       "    String w = in.nextLine();\n"
       "    System.out.println(\"upper: \" + w.toUpperCase());\n"
       "    System.out.println(\"again?\");\n"
       "    String v = in.nextLine();\n"
       "    System.out.println(\"lower: \" + v.toLowerCase());\n"
       "  }\n"
       "}\n",
       {{"word?\n", "polyrun\n"}, {"again?\n", "LIVE\n"}},
       "word?\nupper: POLYRUN\nagain?\nlower: live\n"},
  };
}

inline std::string liveProgramName(const LiveProgram& p) {
  return p.language == "python" ? "Python" : p.language == "c" ? "C" : "Java";
}

}  // namespace polyrun::test
