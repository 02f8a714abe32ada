// Dies of SIGSEGV: polyrun reports SIGNALED and exits with 128 + 11 = 139.
#include <cstdio>

int main() {
  volatile int* p = nullptr;
  std::printf("about to crash\n");
  std::fflush(stdout);
  return *p;
}
