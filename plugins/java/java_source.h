// Reads just enough of a Java source file to name and run it: its package, its top-level types,
// which is public, which has main. javac insists that a public class Foo lives in Foo.java, and
// clients send whatever file name they like ("main.java", none at all).
#pragma once

#include <string>

namespace polyrun::runners {

struct JavaEntryPoint {
  std::string file_class;  // the file must be named <file_class>.java
  std::string run_class;   // what `java` starts, package included ("com.example.Main")
  std::string error;       // set when neither a public class nor a main method is found
};

// Comments, strings, text blocks and char literals are ignored; only top-level types count,
// and main only as a direct member. When no type is public the one with main names the file.
JavaEntryPoint findEntryPoint(const std::string& source);

}  // namespace polyrun::runners
