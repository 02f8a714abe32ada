#include "sandbox/adversarial_cases.h"

#include <unistd.h>

namespace polyrun::test {
namespace {

Limits limits(int64_t wall_ms, int64_t cpu_ms, int64_t memory_bytes = 0, int64_t output_bytes = 0) {
  Limits l;
  l.run = {wall_ms, cpu_ms, memory_bytes};
  l.compile = {15000, 15000, 512ll << 20};
  l.output_bytes = output_bytes;
  l.processes = 32;
  return l;
}

std::string runStdout(const JobResult& r) { return r.run ? r.run->stdout_data : ""; }

// Checks that stdout is exactly `want`.
std::function<std::string(const JobResult&)> printsExactly(const std::string& want) {
  return [want](const JobResult& r) {
    const std::string got = runStdout(r);
    return got == want ? "" : "stdout was \"" + got + "\", expected \"" + want + "\"";
  };
}

std::function<std::string(const JobResult&)> messageMentions(const std::string& word) {
  return [word](const JobResult& r) {
    return r.message.find(word) != std::string::npos
               ? ""
               : "message \"" + r.message + "\" does not mention " + word;
  };
}

// Checks that the message names the limit (`word`) and that the run stage, though killed,
// reports at least the CPU time and memory its processes are known to have used.
std::function<std::string(const JobResult&)> limitedAndMeasured(const std::string& word,
                                                                int64_t min_cpu_ms,
                                                                int64_t min_memory_bytes) {
  return [=](const JobResult& r) {
    if (!r.run) return std::string("no run stage");
    if (r.message.find(word) == std::string::npos)
      return "message \"" + r.message + "\" does not mention " + word;
    if (r.run->cpu_ms < min_cpu_ms)
      return "cpu_ms " + std::to_string(r.run->cpu_ms) + " is under the " +
             std::to_string(min_cpu_ms) + " used";
    if (r.run->memory_bytes < min_memory_bytes)
      return "memory_bytes " + std::to_string(r.run->memory_bytes) + " is under the " +
             std::to_string(min_memory_bytes) + " touched";
    return std::string();
  };
}

}  // namespace

std::vector<std::string> daemonMarks() {
  const long base = 10000000L + 2L * ::getpid();
  return {std::to_string(base), std::to_string(base + 1)};
}

std::vector<AdversarialCase> adversarialCases(const std::string& secret_path, int loopback_port) {
  const std::string port = std::to_string(loopback_port);
  const Limits quick = limits(3000, 1000);
  return {
      // A wall limit ten times the CPU limit, so the CPU limit decides even on a busy machine.
      {"infinite_loop", "python", "loop.py", "while True:\n    pass\n", limits(10000, 1000),
       Verdict::kTimeLimit, messageMentions("CPU"), 12000},
      {"sleep_forever", "python", "sleep.py", "import time\ntime.sleep(1000)\n", limits(1000, 1000),
       Verdict::kTimeLimit, messageMentions("wall"), 4000},
      {"memory_hog", "python", "hog.py",
       "chunks = []\nwhile True:\n    chunks.append(b'x' * (64 << 20))\n",
       limits(10000, 10000, 128ll << 20), Verdict::kMemoryLimit, nullptr, 12000},
      {"memory_hog_c", "c", "hog.c",
       "#include <stdlib.h>\n#include <string.h>\nint main(void) {\n"
       "  for (long i = 0; i < 32; ++i) { char* p = malloc(64L << 20); if (!p) return 3; memset(p, "
       "1, 64L << 20); }\n"
       "  return 0;\n}\n",
       limits(10000, 10000, 128ll << 20), Verdict::kMemoryLimit, nullptr, 12000},
      {"fork_bomb", "python", "bomb.py",
       "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
       limits(2000, 2000), Verdict::kTimeLimit, nullptr, 6000},
      {"print_forever", "python", "flood.py", "while True:\n    print('y' * 1000)\n",
       limits(5000, 5000, 0, 64 * 1024), Verdict::kOutputLimit,
       [](const JobResult& r) {
         if (!r.run || !r.run->stdout_truncated) return std::string("stdout not marked truncated");
         if (r.run->stdout_data.size() != 64 * 1024)
           return "kept " + std::to_string(r.run->stdout_data.size()) +
                  " bytes, expected exactly 65536";
         return std::string();
       },
       7000},
      {"network_outside", "python", "net.py",
       // 192.0.2.1 is TEST-NET-1, never routed; nothing leaves an empty namespace anyway.
       "import socket\n"
       "for host, port in (('192.0.2.1', 80), ('127.0.0.1', " +
           port +
           ")):\n"
           "    s = socket.socket()\n    s.settimeout(2)\n"
           "    try:\n        s.connect((host, port))\n        print(host, 'connected')\n"
           "    except OSError as e:\n        print(host, 'refused')\n",
       quick, Verdict::kOk, printsExactly("192.0.2.1 refused\n127.0.0.1 refused\n"), 5000},
      {"read_shadow_and_secret", "python", "peek.py",
       "for path in ('/etc/shadow', '" + secret_path +
           "'):\n"
           "    try:\n        open(path).read()\n        print(path, 'READ')\n"
           "    except OSError:\n        print('denied')\n",
       quick, Verdict::kOk, printsExactly("denied\ndenied\n"), 5000},
      {"write_outside_work_dir", "python", "scribble.py",
       "import os\n"
       "for path in ('/usr/polyrun-was-here', '/etc/polyrun-was-here', '/polyrun-was-here', "
       "'/bin/x'):\n"
       "    try:\n        open(path, 'w').write('x')\n        print(path, 'WRITTEN')\n"
       "    except OSError:\n        print('denied')\n"
       "open('/tmp/private', 'w').write('ok')\nopen('mine', 'w').write('ok')\nprint('own files "
       "ok')\n",
       quick, Verdict::kOk, printsExactly("denied\ndenied\ndenied\ndenied\nown files ok\n"), 5000},
      {"symlink_escape", "python", "link.py",
       "import os\nos.symlink('" + secret_path +
           "', 'escape')\nos.symlink('/etc/shadow', 'shadow')\n"
           "for name in ('escape', 'shadow'):\n"
           "    try:\n        print(open(name).read())\n    except OSError:\n        "
           "print('denied')\n",
       quick, Verdict::kOk, printsExactly("denied\ndenied\n"), 5000},
      {"setsid_daemon", "python", "daemon.py",
       "import os, subprocess\n"
       "subprocess.Popen(['/bin/sh', '-c', 'exec sleep " +
           daemonMarks()[0] +
           "'], start_new_session=True,\n"
           "                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, "
           "stderr=subprocess.DEVNULL)\n"
           "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
           "        os.execv('/bin/sleep', ['sleep', '" +
           daemonMarks()[1] +
           "'])\n    os._exit(0)\n"
           "print('detached')\n",
       quick, Verdict::kOk, printsExactly("detached\n"), 5000},
      {"environment", "python", "env.py",
       "import os\nprint(' '.join(k for k in sorted(os.environ) if not k.startswith('PYTHON')))\n",
       quick, Verdict::kOk, printsExactly("HOME LANG LC_ALL PATH TMPDIR\n"), 5000},
      {"identity", "python", "who.py",
       "import os\nprint(os.getuid(), os.getgid())\n"
       "caps = [l for l in open('/proc/self/status') if "
       "l.startswith('CapEff')]\nprint(caps[0].split()[1])\n",
       quick, Verdict::kOk, printsExactly("1000 1000\n0000000000000000\n"), 5000},
      {"forbidden_syscall", "python", "unshare.py",
       "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('trying', flush=True)\n"
       "libc.unshare(0x10000000)\nprint('unshared')\n",
       quick, Verdict::kSignaled,
       [](const JobResult& r) {
         if (!r.run || r.run->signal != 31) return std::string("not killed by SIGSYS");
         if (r.message.find("forbids") == std::string::npos)
           return "message does not explain: " + r.message;
         return std::string();
       },
       5000},
      {"file_size_limit", "c", "big.c",
       "#include <stdio.h>\n#include <string.h>\nint main(void) {\n  static char block[1 << 20];\n"
       "  memset(block, 'x', sizeof block);\n  FILE* f = fopen(\"big\", \"wb\");\n"
       "  for (int i = 0; i < 1024; ++i) fwrite(block, 1, sizeof block, f);\n  return fclose(f) != "
       "0;\n}\n",
       limits(10000, 10000), Verdict::kSignaled, messageMentions("SIGXFSZ"), 12000},
      // io_uring makes system calls from kernel workers that the seccomp filter never sees.
      {"io_uring", "c", "ring.c",
       "#include <errno.h>\n#include <stdio.h>\n#include <string.h>\n#include <sys/syscall.h>\n"
       "#include <unistd.h>\nint main(void) {\n  char params[120];\n  memset(params, 0, sizeof "
       "params);\n"
       "  long fd = syscall(SYS_io_uring_setup, 4, params);\n"
       "  puts(fd >= 0 ? \"ring\" : errno == ENOSYS ? \"no ring\" : \"other error\");\n  return "
       "0;\n}\n",
       quick, Verdict::kOk, printsExactly("no ring\n"), 5000},
      // Deeper than any descriptor limit: the slave must still remove it all (the suites check
      // that nothing is left of a job). The work directory's inode quota may stop it first.
      {"deep_directories", "python", "deep.py",
       "import os\nn = 0\ntry:\n    while n < 30000:\n        os.mkdir('d')\n        "
       "os.chdir('d')\n"
       "        n += 1\nexcept OSError:\n    pass\nprint('deep' if n > 10000 else n)\n",
       limits(30000, 20000), Verdict::kOk, printsExactly("deep\n"), 32000},
      // Many files that each pass the per-file cap: the job's total is capped (by a root slave).
      {"disk_quota", "c", "fill.c",
       "#include <stdio.h>\n#include <string.h>\nint main(void) {\n  static char block[1 << 20];\n"
       "  memset(block, 'x', sizeof block);\n  for (int f = 0; f < 4; ++f) {\n    char name[16];\n"
       "    snprintf(name, sizeof name, \"fill%d\", f);\n    FILE* out = fopen(name, \"wb\");\n"
       "    if (!out) return 1;\n    for (int i = 0; i < 100; ++i)\n"
       "      if (fwrite(block, 1, sizeof block, out) != sizeof block) return 1;\n"
       "    if (fclose(out) != 0) return 1;\n  }\n  puts(\"wrote 400 MiB\");\n  return 0;\n}\n",
       limits(20000, 20000), Verdict::kRuntimeError, messageMentions("disk quota"), 22000},
      {"compile_reads_urandom", "c", "urandom.c",
       "#include \"/dev/urandom\"\nint main(void) { return 0; }\n",
       [] {
         Limits l = limits(3000, 3000);
         l.compile = {3000, 3000, 256ll << 20};
         return l;
       }(),
       Verdict::kCompileError, nullptr, 6000},
      // Children that are never waited for, each under the per-process CPU rlimit: the stage's
      // CPU limit counts them all, kills the stage at it, and reports what it used.
      {"cpu_in_unwaited_children", "c", "unwaited.c",
       "#include <time.h>\n#include <unistd.h>\n"
       "static void spin(void) { clock_t end = clock() + CLOCKS_PER_SEC * 9 / 10; while (clock() < "
       "end) {} }\n"
       "int main(void) {\n  for (int i = 0; i < 8; ++i)\n    if (fork() == 0) { spin(); pause(); "
       "}\n"
       "  sleep(5);\n  return 0;\n}\n",
       limits(8000, 1000), Verdict::kTimeLimit, limitedAndMeasured("CPU", 1000, 1), 10000},
      // Killed at the wall-clock limit: the stage still reports the CPU time and memory it used.
      {"wall_limit_reports_usage", "c", "hold.c",
       "#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n#include <unistd.h>\n"
       "int main(int argc, char** argv) {\n  char* p = malloc(48 << 20);\n  memset(p, argc, 48 << "
       "20);\n"
       "  long sum = 0;\n  for (long i = 0; i < (48 << 20); i += 4096) sum += p[i];\n"
       "  clock_t end = clock() + CLOCKS_PER_SEC * 3 / 10;\n  while (clock() < end) {}\n"
       "  while (sum > 0) pause();\n  return 1;\n}\n",
       limits(2000, 2000), Verdict::kTimeLimit, limitedAndMeasured("wall", 250, 48ll << 20), 6000},
  };
}

}  // namespace polyrun::test
