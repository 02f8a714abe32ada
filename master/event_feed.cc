#include "event_feed.h"

#include "polyrun/protocol.h"

namespace polyrun::master {

std::shared_ptr<EventFeed> EventFeed::start(EventLog& log, uint64_t after_id,
                                            std::shared_ptr<Peer> peer, nlohmann::json request_id,
                                            ClientIdentity viewer, OtherJobs other_jobs,
                                            std::function<void()> held) {
  auto feed =
      std::make_shared<EventFeed>(peer, request_id, std::move(viewer), other_jobs, std::move(held));
  {
    // Held until `subscribed` is queued: an event published meanwhile waits for it.
    MutexLock lock(feed->mutex_);
    feed->subscription_ = log.subscribe(after_id, [weak = std::weak_ptr<EventFeed>(feed)] {
      if (auto f = weak.lock()) f->pump();
    });
    peer->send({{"type", msg::kSubscribed}, {"id", request_id}, {"newest", log.newestId()}});
  }
  feed->pump();
  return feed;
}

void EventFeed::pump() {
  MutexLock lock(mutex_);
  const std::shared_ptr<Peer> peer = peer_.lock();
  if (!peer || !subscription_) return;
  if (peer->backlogBytes() > kMaxUnsentBytes) {  // the events wait in the queue
    // Told once: from then on the connection's thread calls pump() every kRetry (waiting()),
    // and must go on writing meanwhile.
    if (!holding_ && held_) held_();
    holding_ = true;
    return;
  }
  holding_ = false;
  EventLog::Subscription::Batch batch = subscription_->take();
  if (batch.events.empty()) return;
  std::vector<nlohmann::json> messages;
  messages.reserve(batch.events.size());
  for (const Event& e : batch.events)
    messages.push_back({{"type", msg::kEvent},
                        {"id", request_id_},
                        {"event", eventJson(e, viewer_, other_jobs_)}});
  peer->sendAll(messages);
}

bool EventFeed::waiting() {
  MutexLock lock(mutex_);
  return subscription_ && subscription_->pending();
}

void EventFeed::stop() {
  MutexLock lock(mutex_);
  if (subscription_) subscription_->cancel();
  subscription_.reset();
}

}  // namespace polyrun::master
