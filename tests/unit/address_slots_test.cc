// Connections per client address (master/address_slots.h): the cap, slots given back when a
// connection ends, addresses counted apart, loopback only when asked.
#include "address_slots.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace polyrun::master {
namespace {

TEST(AddressSlotsTest, CapsEachAddressAndGivesSlotsBack) {
  AddressSlots slots(2, false);
  std::vector<AddressSlots::Slot> held;
  held.push_back(slots.take("192.0.2.1", false));
  held.push_back(slots.take("192.0.2.1", false));
  EXPECT_TRUE(held[0].granted() && held[1].granted());
  EXPECT_FALSE(slots.take("192.0.2.1", false).granted()) << "a third from the same address";
  EXPECT_TRUE(slots.take("192.0.2.2", false).granted()) << "another address has its own count";
  held.pop_back();  // a connection ends
  EXPECT_TRUE(slots.take("192.0.2.1", false).granted());
}

TEST(AddressSlotsTest, ARefusedSlotGivesNothingBack) {
  AddressSlots slots(1, false);
  auto first = slots.take("192.0.2.1", false);
  {
    auto refused = slots.take("192.0.2.1", false);
    EXPECT_FALSE(refused.granted());
  }
  EXPECT_FALSE(slots.take("192.0.2.1", false).granted())
      << "the refusal did not free the held slot";
  auto moved = std::move(first);  // a moved slot is given back once, by its new owner
  EXPECT_FALSE(slots.take("192.0.2.1", false).granted());
}

TEST(AddressSlotsTest, LoopbackCountsOnlyWhenAskedAndZeroMeansNoCap) {
  AddressSlots exempt(1, false);
  auto a = exempt.take("127.0.0.1", true);
  EXPECT_TRUE(exempt.take("127.0.0.1", true).granted());
  AddressSlots counted(1, true);
  auto b = counted.take("127.0.0.1", true);
  EXPECT_FALSE(counted.take("127.0.0.1", true).granted());
  AddressSlots uncapped(0, true);
  std::vector<AddressSlots::Slot> many;
  for (int i = 0; i < 100; ++i) many.push_back(uncapped.take("192.0.2.1", false));
  for (const auto& s : many) EXPECT_TRUE(s.granted());
}

}  // namespace
}  // namespace polyrun::master
