// Run with its header: polyrun run examples/multi/main.cpp examples/multi/greet.h -- Ada
#include <iostream>

#include "greet.h"

int main(int argc, char** argv) {
  std::cout << greet(argc > 1 ? argv[1] : "world") << "\n";
  return 0;
}
