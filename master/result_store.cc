#include "result_store.h"

namespace polyrun::master {

FinishedJob FinishedJob::ofResult(const JobResult& result,
                                  std::shared_ptr<const nlohmann::json> json,
                                  Clock::time_point at) {
  FinishedJob f{JobState::kFinished, std::move(json), at};
  for (const auto* stage : {&result.compile, &result.run})
    if (*stage) f.bytes += (*stage)->stdout_data.size() + (*stage)->stderr_data.size();
  f.bytes += result.message.size();
  return f;
}

void ResultStore::put(const std::string& job_id, FinishedJob f) {
  const auto now = f.at;
  if (auto it = outcomes_.find(job_id); it != outcomes_.end()) {
    bytes_ -= it->second.bytes;
    bytes_ += f.bytes;
    it->second = std::move(f);
  } else {
    bytes_ += f.bytes;
    outcomes_.emplace(job_id, std::move(f));
    order_.push_back(job_id);
  }
  // Oldest first: past the retention time, or beyond the count or byte budget.
  const auto oldest = now - std::chrono::milliseconds(bounds_.retention_ms);
  while (!order_.empty()) {
    auto front = outcomes_.find(order_.front());
    const bool expired = front == outcomes_.end() || front->second.at < oldest;
    if (!expired && order_.size() <= bounds_.max_results && bytes_ <= bounds_.max_bytes) break;
    if (front != outcomes_.end()) {
      bytes_ -= front->second.bytes;
      outcomes_.erase(front);
    }
    order_.pop_front();
  }
}

const FinishedJob* ResultStore::find(const std::string& job_id) const {
  auto it = outcomes_.find(job_id);
  return it == outcomes_.end() ? nullptr : &it->second;
}

}  // namespace polyrun::master
