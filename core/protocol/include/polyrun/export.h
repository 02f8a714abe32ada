#pragma once
// Marks what libpolyrun_core exports; everything else is built with hidden visibility.
#define POLYRUN_API __attribute__((visibility("default")))
