#!/usr/bin/python3
"""Clang's thread-safety analysis over the sources that use polyrun/thread_annotations.h.

polyrun builds with g++, which ignores the annotations; this compiles each annotated source
once more with clang++ -fsyntax-only -Wthread-safety -Werror=thread-safety, with the flags of
its compile command in BUILD_DIR/compile_commands.json. Prints clang's diagnostics and exits 1
when the analysis finds a field read or written without its mutex, or a `*Locked` function
called without it. Run by ctest (`thread_safety`, label unit) and by hand:

    scripts/check-thread-safety.py BUILD_DIR
"""
import json
import os
import shlex
import shutil
import subprocess
import sys

ANNOTATIONS = "polyrun/thread_annotations.h"
# g++ options clang does not know; dropped from the copied command lines.
GCC_ONLY = ("-fno-fat-lto-objects", "-fconcepts-diagnostics-depth")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 64
    build = sys.argv[1]
    database = os.path.join(build, "compile_commands.json")
    if not os.path.exists(database):
        print(f"check-thread-safety: {database} not found; configure the build first "
              "(cmake -S . -B BUILD_DIR)", file=sys.stderr)
        return 1
    clang = shutil.which("clang++-14") or shutil.which("clang++")
    if not clang:
        print("check-thread-safety: clang++ not found; install it with ./scripts/setup-deps.sh",
              file=sys.stderr)
        return 1
    with open(database) as f:
        entries = json.load(f)
    # Headers that declare annotated state, by the name a source includes them with
    # ("polyrun/compile_cache.h", "scheduler.h"): a source including one is checked too.
    source_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    annotated_headers = set()
    for folder, _, names in os.walk(source_dir):
        if os.path.basename(folder).startswith("build") or "/build" in folder[len(source_dir):]:
            continue
        for name in names:
            if name.endswith(".h") and name != "thread_annotations.h":
                with open(os.path.join(folder, name), errors="replace") as f:
                    if ANNOTATIONS in f.read():
                        included_as = "polyrun/" + name if folder.endswith("/polyrun") else name
                        annotated_headers.add('"' + included_as + '"')
    checked, failed = 0, []
    seen = set()
    for entry in entries:
        source = entry["file"]
        if source in seen or not source.endswith((".cc", ".cpp")) or "/tests/" in source:
            continue
        seen.add(source)
        with open(source, errors="replace") as f:
            text = f.read()
        if not (ANNOTATIONS in text or any(h in text for h in annotated_headers)):
            continue
        argv = entry.get("arguments") or shlex.split(entry["command"])
        # Drop the launcher (ccache) and the compiler, the output and dependency-file options.
        while argv and not argv[0].endswith(("c++", "g++", "clang++")):
            argv = argv[1:]
        args, skip = [], False
        for a in argv[1:]:
            if skip:
                skip = False
                continue
            if a in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
                continue
            if a in ("-c", "-MD", "-MMD") or a.startswith(GCC_ONLY) or a == source:
                continue
            args.append(a)
        command = [clang, *args, "-fsyntax-only", "-Wno-everything", "-Wthread-safety",
                   "-Werror=thread-safety", source]
        done = subprocess.run(command, cwd=entry["directory"], capture_output=True, text=True)
        checked += 1
        if done.returncode != 0:
            failed.append(source)
            sys.stdout.write(done.stderr)
    if checked == 0:
        print("check-thread-safety: no source uses " + ANNOTATIONS, file=sys.stderr)
        return 1
    if failed:
        print(f"check-thread-safety: {len(failed)} of {checked} annotated sources break their "
              "locking annotations (above)", file=sys.stderr)
        return 1
    print(f"check-thread-safety: {checked} annotated sources pass clang's -Wthread-safety")
    return 0


if __name__ == "__main__":
    sys.exit(main())
