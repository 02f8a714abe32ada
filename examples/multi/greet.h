// A header sent along with main.cpp: extra files land next to the main file.
#pragma once

#include <string>

inline std::string greet(const std::string& name) { return "Hello, " + name + "!"; }
