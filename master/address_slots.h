// Connections open per client address on one port, so that one address cannot take every slot
// of a port (master.connections.per.address). Thread-safe; shared by the connections of a port.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "polyrun/thread_annotations.h"

namespace polyrun::master {

class AddressSlots {
 public:
  /// `max_per_address` 0: no cap. Loopback addresses (127.0.0.0/8, ::1) count only with
  /// `count_loopback`: local processes (a proxy, the CLI, benchmarks) share one address.
  AddressSlots(int max_per_address, bool count_loopback)
      : max_(max_per_address), count_loopback_(count_loopback) {}
  AddressSlots(const AddressSlots&) = delete;
  AddressSlots& operator=(const AddressSlots&) = delete;

  /// One connection's place, held for its lifetime.
  class Slot {
   public:
    Slot(Slot&& other) noexcept
        : owner_(other.owner_), host_(std::move(other.host_)), granted_(other.granted_) {
      other.owner_ = nullptr;
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();
    /// False when the address already held the maximum: refuse the connection.
    bool granted() const { return granted_; }

   private:
    friend class AddressSlots;
    Slot(AddressSlots* owner, std::string host, bool granted)
        : owner_(owner), host_(std::move(host)), granted_(granted) {}
    AddressSlots* owner_;  // null: nothing to give back
    std::string host_;
    bool granted_;
  };

  /// A place for a connection from `host` (an IP address without port); the AddressSlots must
  /// outlive it.
  Slot take(const std::string& host, bool loopback);
  int max() const { return max_; }

 private:
  void giveBack(const std::string& host) POLYRUN_EXCLUDES(mutex_);

  const int max_;
  const bool count_loopback_;
  Mutex mutex_;
  std::map<std::string, int> open_ POLYRUN_GUARDED_BY(mutex_);
};

}  // namespace polyrun::master
