// The idle zygotes between stages (core/runtime/sandbox/zygote_pool.cc), on handles whose
// "pidfd" is the read end of a pipe: readable (a byte written) means the zygote has ended, as
// a pidfd becomes readable when its process exits. No process is started.
#include "zygote_pool.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace polyrun::test {
namespace {
using detail::IdPool;
using detail::Zygote;
using detail::ZygotePool;

// A handle that looks alive until end() is called.
struct FakeZygote {
  std::unique_ptr<Zygote> handle = std::make_unique<Zygote>();
  int end_w = -1;
  FakeZygote() {
    int p[2];
    EXPECT_EQ(::pipe(p), 0);
    handle->pidfd.fd = p[0];
    end_w = p[1];
  }
  ~FakeZygote() { ::close(end_w); }
  void end() { EXPECT_EQ(::write(end_w, "x", 1), 1); }
};

TEST(ZygotePoolTest, AnEmptyPoolHasNothingToGive) {
  ZygotePool pool;
  EXPECT_EQ(pool.take(), nullptr);
}

TEST(ZygotePoolTest, AZygoteGivenBackIsTakenAgain) {
  ZygotePool pool;
  FakeZygote z;
  Zygote* const raw = z.handle.get();
  pool.put(std::move(z.handle));
  auto taken = pool.take();
  EXPECT_EQ(taken.get(), raw);
  EXPECT_EQ(pool.take(), nullptr);
}

TEST(ZygotePoolTest, AZygoteThatEndedIsNeitherKeptNorGivenAndReturnsItsIds) {
  IdPool ids(1);
  ZygotePool pool;
  FakeZygote alive, ended_before, ended_while_idle;
  ended_before.handle->ids = &ids;
  ended_before.handle->id_index = ids.acquire().first;
  ended_before.end();
  pool.put(std::move(ended_before.handle));  // dropped: its index is free again
  EXPECT_EQ(ids.acquire(), std::make_pair(0u, true));
  Zygote* const raw = alive.handle.get();
  pool.put(std::move(alive.handle));
  pool.put(std::move(ended_while_idle.handle));
  ended_while_idle.end();
  EXPECT_EQ(pool.take().get(), raw);  // the one that ended while idle is skipped
  EXPECT_EQ(pool.take(), nullptr);
}

}  // namespace
}  // namespace polyrun::test
