/* Does not compile (missing semicolon): polyrun prints the compiler's message and exits 1. */
#include <stdio.h>

int main(void) {
  printf("never printed\n")
  return 0;
}
