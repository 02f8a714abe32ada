#include "java/java_source.h"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

namespace polyrun::runners {
namespace {

// A word or a single punctuation character, with the brace depth it sits at. A brace counts
// at the depth outside it, so a top-level type's own braces are at depth 0.
struct Token {
  std::string_view text;
  int depth = 0;
};

bool isWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  // Bytes of multi-byte UTF-8 characters count as letters: Java identifiers may be non-ASCII.
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
         u == '$' || u >= 0x80;
}

// The source with comments and the insides of string, text block and char literals turned into
// blanks, so that braces and words in them are not mistaken for code. Newlines are kept.
std::string blankCommentsAndLiterals(const std::string& src) {
  enum class State { kCode, kLineComment, kBlockComment, kString, kTextBlock, kChar };
  std::string out = src;
  auto blank = [&](size_t i) {
    if (i < out.size() && out[i] != '\n') out[i] = ' ';
  };
  auto at = [&](size_t i, std::string_view s) { return src.compare(i, s.size(), s) == 0; };
  State state = State::kCode;
  for (size_t i = 0; i < src.size(); ++i) {
    const char c = src[i];
    switch (state) {
      case State::kCode:
        if (at(i, "//") || at(i, "/*")) {
          state = src[i + 1] == '/' ? State::kLineComment : State::kBlockComment;
          blank(i);
          blank(++i);
        } else if (at(i, "\"\"\"")) {
          state = State::kTextBlock;
          i += 2;
        } else if (c == '"') {
          state = State::kString;
        } else if (c == '\'') {
          state = State::kChar;
        }
        break;
      case State::kLineComment:
        if (c == '\n') state = State::kCode;
        blank(i);
        break;
      case State::kBlockComment:
        if (at(i, "*/")) {
          state = State::kCode;
          blank(i++);
        }
        blank(i);
        break;
      case State::kTextBlock:
        if (at(i, "\"\"\"")) {
          state = State::kCode;
          i += 2;
          break;
        }
        [[fallthrough]];
      case State::kString:
      case State::kChar:
        if (c == '\\') {
          blank(i++);
        } else if ((state == State::kString && c == '"') || (state == State::kChar && c == '\'')) {
          state = State::kCode;
          break;
        } else if (c == '\n' && state != State::kTextBlock) {
          state = State::kCode;  // an unterminated literal: javac will say so, we go on
        }
        blank(i);
        break;
    }
  }
  return out;
}

std::vector<Token> tokenize(const std::string& code) {
  std::vector<Token> tokens;
  int depth = 0;
  for (size_t i = 0; i < code.size();) {
    const char c = code[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++i;
    } else if (isWordByte(c)) {
      size_t end = i;
      while (end < code.size() && isWordByte(code[end])) ++end;
      tokens.push_back({std::string_view(code).substr(i, end - i), depth});
      i = end;
    } else {
      if (c == '}') depth = std::max(0, depth - 1);
      tokens.push_back({std::string_view(code).substr(i, 1), depth});
      if (c == '{') ++depth;
      ++i;
    }
  }
  return tokens;
}

// The words between the declaration or member at `index` and the statement before it: its
// modifiers and annotations.
bool declaredWith(const std::vector<Token>& tokens, size_t index, std::string_view modifier) {
  const int depth = tokens[index].depth;
  for (size_t i = index; i-- > 0;) {
    const Token& t = tokens[i];
    if (t.depth == depth && (t.text == ";" || t.text == "{" || t.text == "}")) return false;
    if (t.depth < depth) return false;
    if (t.text == modifier) return true;
  }
  return false;
}

struct TopLevelType {
  std::string_view name;
  bool is_public = false;
  bool has_main = false;
};

// `public static void main(` among the direct members of the body that opens at `open`.
bool hasMainMethod(const std::vector<Token>& tokens, size_t open) {
  for (size_t i = open + 1; i + 2 < tokens.size() && tokens[i].depth > 0; ++i) {
    if (tokens[i].depth == 1 && tokens[i].text == "void" && tokens[i + 1].text == "main" &&
        tokens[i + 2].text == "(" && declaredWith(tokens, i, "public") &&
        declaredWith(tokens, i, "static"))
      return true;
  }
  return false;
}

std::string packageOf(const std::vector<Token>& tokens) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].depth != 0 || tokens[i].text != "package") continue;
    std::string name;
    for (size_t j = i + 1; j < tokens.size() && tokens[j].text != ";"; ++j) name += tokens[j].text;
    return name;
  }
  return {};
}

std::vector<TopLevelType> topLevelTypes(const std::vector<Token>& tokens) {
  std::vector<TopLevelType> types;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    const std::string_view word = tokens[i].text;
    if (tokens[i].depth != 0 ||
        (word != "class" && word != "interface" && word != "enum" && word != "record") ||
        !isWordByte(tokens[i + 1].text.front()))
      continue;
    TopLevelType type{tokens[i + 1].text, declaredWith(tokens, i, "public"), false};
    size_t open = i + 2;
    while (open < tokens.size() && tokens[open].text != "{") ++open;
    if (open < tokens.size()) type.has_main = hasMainMethod(tokens, open);
    types.push_back(type);
    i = open;
  }
  return types;
}

}  // namespace

JavaEntryPoint findEntryPoint(const std::string& source) {
  const std::string code = blankCommentsAndLiterals(source);
  const std::vector<Token> tokens = tokenize(code);
  const std::vector<TopLevelType> types = topLevelTypes(tokens);
  JavaEntryPoint entry;
  auto find = [&](auto predicate) {
    auto it = std::find_if(types.begin(), types.end(), predicate);
    return it == types.end() ? nullptr : &*it;
  };
  const TopLevelType* public_type = find([](const TopLevelType& t) { return t.is_public; });
  const TopLevelType* main_type = find([](const TopLevelType& t) { return t.has_main; });
  if (public_type && public_type->has_main) main_type = public_type;
  if (!public_type && !main_type) {
    entry.error = types.empty() ? "no class found in the main Java file"
                                : "no public class and no class with \"public static void main\" "
                                  "in the main Java file";
    return entry;
  }
  entry.file_class = std::string(public_type ? public_type->name : main_type->name);
  // Without a main we still run the public class: java's own message is the clearest one.
  std::string run = std::string(main_type ? main_type->name : public_type->name);
  const std::string package = packageOf(tokens);
  entry.run_class = package.empty() ? run : package + "." + run;
  return entry;
}

}  // namespace polyrun::runners
