#include "address_slots.h"

namespace polyrun::master {

AddressSlots::Slot::~Slot() {
  if (owner_) owner_->giveBack(host_);
}

AddressSlots::Slot AddressSlots::take(const std::string& host, bool loopback) {
  if (max_ <= 0 || (loopback && !count_loopback_)) return Slot(nullptr, host, true);
  MutexLock lock(mutex_);
  int& open = open_[host];
  if (open >= max_) {
    return Slot(nullptr, host, false);
  }
  ++open;
  return Slot(this, host, true);
}

void AddressSlots::giveBack(const std::string& host) {
  MutexLock lock(mutex_);
  auto it = open_.find(host);
  if (it != open_.end() && --it->second <= 0) open_.erase(it);
}

}  // namespace polyrun::master
