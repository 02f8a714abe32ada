#pragma once
// Marks what a polyrun shared library (libpolyrun_protocol, _runtime, _service) exports;
// everything else is built with hidden visibility.
#define POLYRUN_API __attribute__((visibility("default")))
