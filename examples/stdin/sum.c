/* Reads whole numbers from stdin until end of input and prints their count and sum. */
#include <stdio.h>

int main(void) {
  long long value, sum = 0;
  long count = 0;
  while (scanf("%lld", &value) == 1) {
    sum += value;
    ++count;
  }
  printf("%ld numbers, sum %lld\n", count, sum);
  return 0;
}
