# Writes to both streams, then exits with code 3: polyrun exits with 3 too.
import sys

print("some output")
print("something went wrong", file=sys.stderr)
sys.exit(3)
