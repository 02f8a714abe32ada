// Who a zygote's processes are on the host (core/runtime/sandbox/id_map.cc): the map text the
// slave writes for given ids, and the pool the zygotes take their host ids from. Writing a real
// map needs a new user namespace; sandbox_test covers that.
#include "id_map.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace polyrun::test {
namespace {
using detail::IdPool;

TEST(IdMapTest, ARootSlaveMapsRootToRootAndTheProgramsIdToItsHostId) {
  EXPECT_EQ(detail::idMapText(true, 65534), "0 0 1\n1000 65534 1\n");
  EXPECT_EQ(detail::idMapText(true, 65537), "0 0 1\n1000 65537 1\n");
}

TEST(IdMapTest, AnUnprivilegedSlaveMapsOnlyItsOwnIdToRootInside) {
  EXPECT_EQ(detail::idMapText(false, 1234), "0 1234 1\n");
}

TEST(IdMapTest, AFailedWriteNamesTheFileAndTheReason) {
  // Above the kernel's PID_MAX_LIMIT (4194304): no process has it, so no /proc folder.
  const pid_t pid = 1 << 30;
  const Status status = detail::writeIdMaps(pid, false, 1234, 1234);
  EXPECT_FALSE(status.isOk());
  EXPECT_NE(status.message().find("cannot write /proc/" + std::to_string(pid) + "/setgroups"),
            std::string::npos)
      << status.message();
}

TEST(IdPoolTest, EachZygoteTakesTheLowestIndexNotInUse) {
  IdPool pool(3);
  EXPECT_EQ(pool.acquire(), std::make_pair(0u, true));
  EXPECT_EQ(pool.acquire(), std::make_pair(1u, true));
  EXPECT_EQ(pool.acquire(), std::make_pair(2u, true));
  pool.release(1);
  EXPECT_EQ(pool.acquire(), std::make_pair(1u, true));
  pool.release(0);
  pool.release(2);
  EXPECT_EQ(pool.acquire(), std::make_pair(0u, true));
}

TEST(IdPoolTest, PastItsCountZygotesShareIndicesRoundRobinAndReleaseNone) {
  IdPool pool(2);
  pool.acquire();
  pool.acquire();
  std::vector<std::pair<unsigned, bool>> shared;
  for (int i = 0; i < 4; ++i) shared.push_back(pool.acquire());
  EXPECT_EQ(shared, (std::vector<std::pair<unsigned, bool>>{
                        {0u, false}, {1u, false}, {0u, false}, {1u, false}}));
  // A released index is again one zygote's alone.
  pool.release(1);
  EXPECT_EQ(pool.acquire(), std::make_pair(1u, true));
}

TEST(IdPoolTest, ACountOfZeroIsOneIndex) {
  IdPool pool(0);
  EXPECT_EQ(pool.acquire(), std::make_pair(0u, true));
  EXPECT_EQ(pool.acquire(), std::make_pair(0u, false));
}

}  // namespace
}  // namespace polyrun::test
