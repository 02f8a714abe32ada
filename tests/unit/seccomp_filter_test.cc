// The sandbox's system-call filter: what it decides for every system call number (by running
// the exported BPF program here, as the kernel would), and that the kernel enforces it in a
// child that installs it.
#include "seccomp_filter.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>
#include <set>
#include <string>

namespace polyrun::detail {
namespace {

// Classic BPF as seccomp runs it: the accumulator, the index register, scratch memory, and loads
// from struct seccomp_data only. Nullopt when the program does something seccomp would refuse
// (a load outside the data, a jump past the end) or never returns.
std::optional<uint32_t> runFilter(const std::vector<sock_filter>& program,
                                  const seccomp_data& data) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  auto word = [&](uint32_t offset) -> std::optional<uint32_t> {
    if (offset % 4 != 0 || offset + 4 > sizeof data) return std::nullopt;
    uint32_t v;
    std::memcpy(&v, reinterpret_cast<const char*>(&data) + offset, 4);
    return v;
  };
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& i = program[pc];
    const uint32_t src = BPF_SRC(i.code) == BPF_X ? x : i.k;
    switch (BPF_CLASS(i.code)) {
      case BPF_LD:
        if (BPF_MODE(i.code) == BPF_ABS) {
          const auto v = word(i.k);
          if (!v) return std::nullopt;
          a = *v;
        } else if (BPF_MODE(i.code) == BPF_IMM) {
          a = i.k;
        } else if (BPF_MODE(i.code) == BPF_MEM && i.k < BPF_MEMWORDS) {
          a = mem[i.k];
        } else {
          return std::nullopt;
        }
        break;
      case BPF_LDX:
        if (BPF_MODE(i.code) == BPF_IMM)
          x = i.k;
        else if (BPF_MODE(i.code) == BPF_MEM && i.k < BPF_MEMWORDS)
          x = mem[i.k];
        else
          return std::nullopt;
        break;
      case BPF_ST:
        if (i.k >= BPF_MEMWORDS) return std::nullopt;
        mem[i.k] = a;
        break;
      case BPF_STX:
        if (i.k >= BPF_MEMWORDS) return std::nullopt;
        mem[i.k] = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(i.code)) {
          case BPF_ADD:
            a += src;
            break;
          case BPF_SUB:
            a -= src;
            break;
          case BPF_AND:
            a &= src;
            break;
          case BPF_OR:
            a |= src;
            break;
          case BPF_LSH:
            a <<= src;
            break;
          case BPF_RSH:
            a >>= src;
            break;
          case BPF_NEG:
            a = -a;
            break;
          default:
            return std::nullopt;
        }
        break;
      case BPF_JMP: {
        bool taken;
        switch (BPF_OP(i.code)) {
          case BPF_JA:
            pc += i.k;
            continue;
          case BPF_JEQ:
            taken = a == src;
            break;
          case BPF_JGT:
            taken = a > src;
            break;
          case BPF_JGE:
            taken = a >= src;
            break;
          case BPF_JSET:
            taken = (a & src) != 0;
            break;
          default:
            return std::nullopt;
        }
        pc += taken ? i.jt : i.jf;
        break;
      }
      case BPF_RET:
        return BPF_RVAL(i.code) == BPF_A ? a : i.k;
      case BPF_MISC:
        if (BPF_MISCOP(i.code) == BPF_TAX)
          x = a;
        else
          a = x;
        break;
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

class SeccompFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(buildSeccompFilter(&program_).message(), "");
    for (const char* name : forbiddenSyscalls()) {
      const int nr = seccomp_syscall_resolve_name(name);
      if (nr != __NR_SCMP_ERROR) forbidden_.insert(nr);
    }
    for (const char* name : unavailableSyscalls()) {
      const int nr = seccomp_syscall_resolve_name(name);
      if (nr != __NR_SCMP_ERROR) unavailable_.insert(nr);
    }
  }

  uint32_t decide(int nr, uint64_t arg0 = 0, uint32_t arch = AUDIT_ARCH_X86_64) const {
    seccomp_data data{};
    data.nr = nr;
    data.arch = arch;
    data.args[0] = arg0;
    const auto action = runFilter(program_, data);
    EXPECT_TRUE(action.has_value()) << "the filter does not return for system call " << nr;
    return action.value_or(0xdeadbeef);
  }

  std::vector<sock_filter> program_;
  std::set<int> forbidden_;
  std::set<int> unavailable_;
};

// The decisions per number, whatever shape libseccomp gives the program (list or tree).
TEST_F(SeccompFilterTest, ForbidsExactlyTheListedSystemCalls) {
  ASSERT_GE(forbidden_.size(), 40u);
  ASSERT_TRUE(forbidden_.count(SYS_ptrace) && forbidden_.count(SYS_mount) &&
              forbidden_.count(SYS_unshare));
  // io_uring makes system calls from kernel workers the filter never sees.
  ASSERT_TRUE(unavailable_.count(SYS_clone3) && unavailable_.count(SYS_io_uring_setup) &&
              unavailable_.count(SYS_io_uring_enter) && unavailable_.count(SYS_io_uring_register));
  for (int nr = 0; nr < 512; ++nr) {
    if (unavailable_.count(nr)) {
      EXPECT_EQ(decide(nr), SECCOMP_RET_ERRNO | ENOSYS)
          << "system call " << nr << " must fail with ENOSYS";
    } else if (forbidden_.count(nr)) {
      EXPECT_EQ(decide(nr), SECCOMP_RET_KILL_PROCESS)
          << "system call " << nr << " must be forbidden";
    } else {
      EXPECT_EQ(decide(nr), SECCOMP_RET_ALLOW) << "system call " << nr << " must be allowed";
    }
  }
}

TEST_F(SeccompFilterTest, TreeAndListDecideAlike) {
  std::vector<sock_filter> list;
  ASSERT_EQ(buildSeccompFilter(&list, /*tree=*/false).message(), "");
  ASSERT_NE(list.size(), program_.size()) << "the tree and the list should be different programs";
  for (int nr = 0; nr < 512; ++nr) {
    for (uint64_t arg0 :
         {uint64_t{0}, uint64_t{SIGCHLD}, uint64_t{CLONE_NEWNS}, uint64_t{CLONE_NEWUSER}}) {
      seccomp_data data{};
      data.nr = nr;
      data.arch = AUDIT_ARCH_X86_64;
      data.args[0] = arg0;
      EXPECT_EQ(runFilter(list, data), runFilter(program_, data))
          << "system call " << nr << ", arg " << arg0;
    }
  }
}

TEST_F(SeccompFilterTest, CloneMayNotMakeNamespaces) {
  EXPECT_EQ(decide(SYS_clone, SIGCHLD), SECCOMP_RET_ALLOW);
  EXPECT_EQ(decide(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                  CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                                  CLONE_CHILD_CLEARTID),
            SECCOMP_RET_ALLOW)
      << "a thread";
  for (uint64_t flag : {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
                        CLONE_NEWUTS, CLONE_NEWCGROUP}) {
    EXPECT_EQ(decide(SYS_clone, flag | SIGCHLD), SECCOMP_RET_KILL_PROCESS) << std::hex << flag;
  }
}

TEST_F(SeccompFilterTest, OtherArchitecturesAreRefused) {
  // i386 system calls from a 64-bit process would bypass a filter that only knows x86-64 numbers.
  const uint32_t action = decide(SYS_getpid, 0, AUDIT_ARCH_I386);
  EXPECT_NE(action, SECCOMP_RET_ALLOW);
}

// The kernel agrees: a child with the filter is killed by SIGSYS at a forbidden call and lives
// through allowed ones.
int runInChild(long nr, long arg0) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<sock_filter> program;
    if (!buildSeccompFilter(&program).isOk() || ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        installSeccompFilter(program) != 0)
      ::_exit(90);
    const long rc = ::syscall(SYS_getppid);  // allowed
    if (rc <= 0) ::_exit(91);
    errno = 0;
    ::syscall(nr, arg0, 0, 0, 0, 0);
    ::_exit(errno == ENOSYS ? 3 : 0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST_F(SeccompFilterTest, TheKernelEnforcesIt) {
  int status = runInChild(SYS_unshare, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) << "unshare: status " << status;
  status = runInChild(SYS_ptrace, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) << "ptrace: status " << status;
  status = runInChild(SYS_clone3, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3)
      << "clone3 reports ENOSYS: status " << status;
  status = runInChild(SYS_io_uring_setup, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3)
      << "io_uring_setup reports ENOSYS: status " << status;
  status = runInChild(SYS_getpid, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "getpid: status " << status;
}

}  // namespace
}  // namespace polyrun::detail
