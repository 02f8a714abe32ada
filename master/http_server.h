// The HTTP port's server: Poco's HTTPServerConnection per connection, inside a connection of our
// own that bounds what a stranger may hold (hardening item 9):
// - an overall deadline for receiving each request, headers and body (master.http.request.
//   timeout.ms): Poco's own timeout (master.http.timeout.ms) restarts with every byte, so a
//   client sending a byte now and then would hold a thread forever. One watchdog thread shuts
//   the read side of a connection whose request is late;
// - a cap on connections per client address (master.connections.per.address): one more is
//   answered 503 and closed before Poco reads anything.
// Poco's HTTPServer builds its connections itself, hence a TCPServer with this factory.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <memory>

namespace polyrun::master {

/// A handler factory whose connections can be told that the server stops (Poco keeps the event
/// protected: HTTPServer::stopAll fires it).
class StoppableHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  using Ptr = Poco::SharedPtr<StoppableHandlerFactory>;
  void notifyStopped(bool abort_current) { serverStopped(this, abort_current); }
};

struct HttpServerSettings {
  int threads = 256;
  int backlog = 1024;
  std::chrono::milliseconds read_timeout{30000};     // per read or write (Poco's timeout)
  std::chrono::milliseconds request_timeout{60000};  // a whole request, from its first wait
  int per_address = 32;                              // connections per client address; 0: no cap
  bool per_address_loopback = false;                 // the cap also for 127.0.0.1 / ::1
};

class HttpServer {
 public:
  HttpServer(StoppableHandlerFactory::Ptr handlers, Poco::ThreadPool& pool,
             const Poco::Net::ServerSocket& socket, const HttpServerSettings& settings);
  ~HttpServer();  // stops (abruptly) what stopAll() did not
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  /// Accepts no new connection; those open go on.
  void stop();
  /// stop(), then ends every connection: at once with `abort_current`, else once its current
  /// request is answered (as Poco's HTTPServer::stopAll).
  void stopAll(bool abort_current);

  /// For a request handler, on its connection's thread: the request is read whole, its deadline
  /// no longer applies (an execute request then waits for its job with the job's own deadline).
  static void requestRead();
  /// ... and its response is sent: the next request on the kept-alive connection gets a new
  /// deadline.
  static void responseSent();
  /// True when the deadline of the request being read on this thread has passed (its socket no
  /// longer reads): the handler answers 408 rather than "truncated".
  static bool requestLate();

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
  StoppableHandlerFactory::Ptr handlers_;
  std::unique_ptr<Poco::Net::TCPServer> server_;
};

}  // namespace polyrun::master
