#include "http_server.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <sys/socket.h>

#include <condition_variable>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "address_slots.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::master {
namespace {
using Clock = std::chrono::steady_clock;

Poco::Logger& log() { return Poco::Logger::get("master.http"); }

}  // namespace

// The deadlines of the requests being received, and the thread that enforces them.
class HttpServer::Impl {
 public:
  explicit Impl(const HttpServerSettings& s)
      : settings(s), slots(s.per_address, s.per_address_loopback), watchdog_([this] { watch(); }) {}
  ~Impl() {
    {
      MutexLock lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    watchdog_.join();
  }

  // A connection whose first request is due within the request timeout from now.
  uint64_t add(int fd, const std::string& client) {
    MutexLock lock(mutex_);
    const uint64_t id = ++next_id_;
    connections_[id] = Connection{fd, client, Clock::now() + settings.request_timeout, false};
    cv_.notify_all();
    return id;
  }
  // Before the connection's socket closes: the watchdog never touches its fd again.
  void remove(uint64_t id) {
    MutexLock lock(mutex_);
    connections_.erase(id);
  }
  // armed: a request is awaited and due within the request timeout; else none is being read.
  void arm(uint64_t id, bool armed) {
    MutexLock lock(mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second.late) return;
    it->second.due = armed ? std::optional(Clock::now() + settings.request_timeout) : std::nullopt;
    cv_.notify_all();
  }
  bool late(uint64_t id) {
    MutexLock lock(mutex_);
    auto it = connections_.find(id);
    return it != connections_.end() && it->second.late;
  }

  const HttpServerSettings settings;
  AddressSlots slots;

 private:
  struct Connection {
    int fd;
    std::string client;
    std::optional<Clock::time_point> due;
    bool late;
  };

  void watch() {
    MutexLock lock(mutex_);
    while (!stopping_) {
      std::optional<Clock::time_point> next;
      const auto now = Clock::now();
      for (auto& [id, c] : connections_) {
        if (!c.due) continue;
        if (*c.due > now) {
          if (!next || *c.due < *next) next = c.due;
          continue;
        }
        // The read side only: the connection's blocked read returns at once (also under TLS,
        // whose state only its own thread touches), and its answer can still be written.
        ::shutdown(c.fd, SHUT_RD);
        c.due.reset();
        c.late = true;
        log().warning(
            "closing the HTTP connection from %s: its request did not arrive whole within %s ms "
            "(master.http.request.timeout.ms)",
            c.client, std::to_string(settings.request_timeout.count()));
      }
      if (next) {
        cv_.wait_until(lock.native(), *next);
      } else {
        cv_.wait(lock.native());
      }
    }
  }

  Mutex mutex_;  // guards everything below
  std::condition_variable cv_;
  std::map<uint64_t, Connection> connections_ POLYRUN_GUARDED_BY(mutex_);
  uint64_t next_id_ POLYRUN_GUARDED_BY(mutex_) = 0;
  bool stopping_ POLYRUN_GUARDED_BY(mutex_) = false;
  std::thread watchdog_;  // last: it starts in the constructor
};

namespace {

// The connection on this thread, for the handler's calls (Poco serves one connection per
// thread, from its first request to its last).
struct Current {
  HttpServer::Impl* impl = nullptr;
  uint64_t id = 0;
};
thread_local Current t_current;

class Connection final : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, std::shared_ptr<HttpServer::Impl> impl,
             Poco::Net::HTTPServerParams::Ptr params,
             Poco::Net::HTTPRequestHandlerFactory::Ptr handlers)
      : TCPServerConnection(socket),
        impl_(std::move(impl)),
        params_(std::move(params)),
        handlers_(std::move(handlers)) {}

  void run() override {
    std::string host, client;
    bool loopback = false;
    try {
      const Poco::Net::SocketAddress peer = socket().peerAddress();
      host = peer.host().toString();
      client = peer.toString();
      loopback = peer.host().isLoopback() || host.rfind("::ffff:127.", 0) == 0;
    } catch (const Poco::Exception&) {
      return;  // gone already
    }
    const AddressSlots::Slot slot = impl_->slots.take(host, loopback);
    if (!slot.granted()) return refuse(client);
    const uint64_t id = impl_->add(static_cast<int>(socket().impl()->sockfd()), client);
    t_current = Current{impl_.get(), id};
    try {
      Poco::Net::HTTPServerConnection inner(socket(), params_, handlers_);
      inner.run();
    } catch (const std::exception& e) {
      log().debug("HTTP connection from %s ended: %s", client, std::string(e.what()));
    }
    t_current = Current{};
    impl_->remove(id);
  }

 private:
  // 503 before anything is read; then what the client sent is read briefly, so that closing
  // does not reset the connection before the client reads the answer.
  void refuse(const std::string& client) {
    const int max = impl_->slots.max();
    log().warning(
        "refused an HTTP connection from %s: %d connections from its address are open "
        "(master.connections.per.address)",
        client, max);
    const std::string body =
        nlohmann::json{
            {"message",
             "this master serves at most " + std::to_string(max) +
                 " connections from one address at once (master.connections.per.address); "
                 "close some or retry later"}}
            .dump() +
        "\n";
    const std::string response =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Retry-After: 5\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    try {
      Poco::Net::StreamSocket& s = socket();
      s.setSendTimeout(Poco::Timespan(1, 0));
      s.setReceiveTimeout(Poco::Timespan(0, 250000));
      s.sendBytes(response.data(), static_cast<int>(response.size()));
      s.shutdownSend();
      char buf[4096];
      const auto until = Clock::now() + std::chrono::milliseconds(250);
      while (Clock::now() < until && s.receiveBytes(buf, sizeof buf) > 0) {
      }
    } catch (const Poco::Exception&) {  // the client went away or is slow: nothing more to do
    }
  }

  std::shared_ptr<HttpServer::Impl> impl_;
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
};

class Factory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  Factory(std::shared_ptr<HttpServer::Impl> impl, Poco::Net::HTTPServerParams::Ptr params,
          Poco::Net::HTTPRequestHandlerFactory::Ptr handlers)
      : impl_(std::move(impl)), params_(std::move(params)), handlers_(std::move(handlers)) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new Connection(socket, impl_, params_, handlers_);
  }

 private:
  std::shared_ptr<HttpServer::Impl> impl_;
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
};

}  // namespace

HttpServer::HttpServer(StoppableHandlerFactory::Ptr handlers, Poco::ThreadPool& pool,
                       const Poco::Net::ServerSocket& socket, const HttpServerSettings& settings)
    : impl_(std::make_shared<Impl>(settings)), handlers_(std::move(handlers)) {
  Poco::Net::HTTPServerParams::Ptr params(new Poco::Net::HTTPServerParams);
  params->setMaxThreads(settings.threads);
  params->setMaxQueued(settings.backlog);
  params->setTimeout(Poco::Timespan(settings.read_timeout.count() * 1000));
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(5, 0));
  params->setSoftwareVersion("polyrun-master");
  Poco::Net::HTTPRequestHandlerFactory::Ptr base = handlers_;
  server_ = std::make_unique<Poco::Net::TCPServer>(new Factory(impl_, params, base), pool, socket,
                                                   params);
}

HttpServer::~HttpServer() { stopAll(true); }

void HttpServer::start() { server_->start(); }

void HttpServer::stop() { server_->stop(); }

void HttpServer::stopAll(bool abort_current) {
  server_->stop();
  handlers_->notifyStopped(abort_current);
}

void HttpServer::requestRead() {
  if (t_current.impl) t_current.impl->arm(t_current.id, false);
}

void HttpServer::responseSent() {
  if (t_current.impl) t_current.impl->arm(t_current.id, true);
}

bool HttpServer::requestLate() { return t_current.impl && t_current.impl->late(t_current.id); }

}  // namespace polyrun::master
