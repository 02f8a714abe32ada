# Prints each command-line argument on its own line, numbered.
import sys

for i, arg in enumerate(sys.argv[1:], start=1):
    print(f"{i}: {arg}")
print(f"{len(sys.argv) - 1} argument(s)")
