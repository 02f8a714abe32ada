#include "connections.h"

#include <Poco/Logger.h>
#include <Poco/SHA2Engine.h>

#include <regex>

#include "messages.h"
#include "output_batch.h"
#include "polyrun/protocol.h"
#include "socket_peer.h"

namespace polyrun::master {
namespace {
using nlohmann::json;
using ReadStatus = SocketPeer::ReadStatus;
using namespace std::chrono_literals;

// How long a closing connection may spend writing what is still queued (e.g. its last error).
constexpr auto kFinishTimeout = 2s;

// Holds one of the port's connection slots for the lifetime of a connection.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(ConnectionCount count) : count_(std::move(count)), n_(++*count_) {}
  ~ConnectionSlot() { --*count_; }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  bool over(int max) const { return n_ > max; }

 private:
  ConnectionCount count_;
  int n_;
};

// Answers a connection over one of the port's limits (`key`, `max` connections `scope`) with
// too_many_connections and closes it.
void refuseConnection(SocketPeer& peer, const char* role, int max, const std::string& scope,
                      const char* key) {
  Poco::Logger::get("master.net")
      .warning("refused a %s connection from %s: %d connections%s open (%s)", std::string(role),
               peer.address(), max, scope, std::string(key));
  peer.send(encodeError(nullptr, errc::kTooManyConnections,
                        "this master serves at most " + std::to_string(max) + " " + role +
                            " connections" + scope + " at once (" + key + "); retry later"));
  peer.finish(kFinishTimeout);
}

// Refuses a connection over the port's limit with a clear error; true when it was refused.
bool refuseIfFull(const ConnectionSlot& slot, SocketPeer& peer, const ConnectionSettings& settings,
                  const char* role) {
  if (!slot.over(settings.max_connections)) return false;
  refuseConnection(peer, role, settings.max_connections, "", "master.connections.max");
  return true;
}

// The same for an address that already holds master.connections.per.address of them.
bool refuseIfCrowded(const AddressSlots::Slot& slot, SocketPeer& peer,
                     const ConnectionSettings& settings, const char* role) {
  if (slot.granted()) return false;
  refuseConnection(peer, role, settings.per_address, " from one address",
                   "master.connections.per.address");
  return true;
}

std::array<unsigned char, 32> digest(const std::string& s) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(s);
  const Poco::DigestEngine::Digest& d = sha.digest();
  std::array<unsigned char, 32> out{};
  std::copy_n(d.begin(), std::min<size_t>(d.size(), out.size()), out.begin());
  return out;
}

// The job a skipped slave frame was about, from its first bytes: a slave's messages are
// serialized with sorted keys, so "job_id" comes first in a result or progress message.
std::string jobIdOfFrame(const std::string& head) {
  static const std::regex kJobId(R"re(^\s*\{\s*"job_id"\s*:\s*"([^"\\]{1,256})")re");
  std::smatch match;
  return std::regex_search(head, match, kJobId) ? match[1].str() : std::string();
}

// Ends the job a slave's bad frame was about with INTERNAL_ERROR (when that job is the slave's:
// the scheduler drops results for jobs it did not assign to it).
// Returns that job's id, or empty when the frame named none.
std::string failJobOfBadFrame(Scheduler& scheduler, int slave_id, const std::string& name,
                              const FrameReader::Skipped& frame) {
  const std::string job_id = jobIdOfFrame(frame.head);
  Poco::Logger::get("master.slave")
      .warning("slave %s sent a bad frame of %z bytes (%s)%s; skipped it", name, frame.length,
               frame.error, job_id.empty() ? std::string() : " for job " + job_id);
  if (job_id.empty()) return job_id;
  JobResult failed;
  failed.job_id = job_id;
  failed.verdict = Verdict::kInternalError;
  failed.message =
      "slave " + name + " sent a bad frame for this job (" + frame.error + "); see its log";
  scheduler.slaveResult(slave_id, std::move(failed));
  return job_id;
}

}  // namespace

bool tokensEqual(const std::string& a, const std::string& b) {
  const auto da = digest(a), db = digest(b);
  unsigned char diff = 0;
  for (size_t i = 0; i < da.size(); ++i) diff |= da[i] ^ db[i];
  return diff == 0;
}

bool tokenAccepted(const std::string& token, const std::vector<std::string>& tokens) {
  bool accepted = false;
  for (const auto& t : tokens) accepted |= tokensEqual(token, t);  // no early exit
  return accepted;
}

std::optional<ClientIdentity> identityOf(const std::string& token,
                                         const std::vector<std::string>& client_tokens,
                                         const std::vector<std::string>& operator_tokens) {
  const bool op = tokenAccepted(token, operator_tokens);
  if (!op && !tokenAccepted(token, client_tokens)) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  const auto d = digest(token);
  std::string name = op ? "operator-" : "client-";
  for (size_t i = 0; i < 8; ++i) name += {kHex[d[i] >> 4], kHex[d[i] & 0xf]};
  return ClientIdentity{name, op};
}

ClientConnection::ClientConnection(const Poco::Net::StreamSocket& socket,
                                   std::shared_ptr<Scheduler> scheduler,
                                   const ConnectionSettings& settings, ConnectionCount count)
    : TCPServerConnection(socket),
      scheduler_(std::move(scheduler)),
      settings_(settings),
      count_(std::move(count)) {}

void ClientConnection::run() {
  Poco::Logger& log = Poco::Logger::get("master.client");
  auto peer = std::make_shared<SocketPeer>(socket(), settings_.max_frame_bytes,
                                           settings_.max_output_bytes, settings_.tls);
  const ConnectionSlot slot(count_);
  if (refuseIfFull(slot, *peer, settings_, "client")) return;
  const AddressSlots::Slot here = settings_.address_slots->take(peer->host(), peer->isLoopback());
  if (refuseIfCrowded(here, *peer, settings_, "client")) return;
  // Tokens are off when none is configured, and by default for clients on loopback.
  bool authenticated =
      settings_.client_tokens.empty() || (peer->isLoopback() && !settings_.client_auth_loopback);
  // Until its first request is served (its auth where tokens are needed), a connection is a
  // stranger: it must send that request whole within master.client.auth.timeout.ms.
  bool identified = false;
  const auto leash = std::chrono::steady_clock::now() + settings_.auth_timeout;
  peer->setDeadline(leash);
  try {
    scheduler_->addClient(peer);
    // Replies to messages that arrived together go out together (output_batch.h).
    std::optional<OutputBatch> batch;
    for (;;) {
      if (batch && !peer->hasMessage()) batch.reset();  // written before waiting for more
      json m;
      std::string error;
      const ReadStatus status =
          peer->read(&m, settings_.client_idle, settings_.frame_timeout, &error);
      if (!batch) batch.emplace();
      if (status == ReadStatus::kClosed) break;
      if (!identified && (status == ReadStatus::kIdle || status == ReadStatus::kSlowFrame) &&
          std::chrono::steady_clock::now() >= leash) {
        log.information("closing client %s: no whole request within %s ms of connecting",
                        peer->address(), std::to_string(settings_.auth_timeout.count()));
        peer->send(encodeError(
            nullptr, errc::kTimeout,
            "no whole request within " + std::to_string(settings_.auth_timeout.count()) +
                " ms of connecting (master.client.auth.timeout.ms); closing the connection"));
        break;
      }
      if (status == ReadStatus::kIdle) {
        if (scheduler_->clientBusy(peer.get())) continue;  // waiting for its jobs is not idle
        log.information("closing idle client %s: %s", peer->address(), error);
        peer->send(encodeError(nullptr, errc::kTimeout,
                               error + " and no job in flight: closing the idle connection "
                                       "(master.client.idle.ms)"));
        break;
      }
      if (status == ReadStatus::kSlowFrame) {
        log.warning("closing slow client %s: %s", peer->address(), error);
        peer->send(encodeError(nullptr, errc::kTimeout,
                               error + "; closing the connection (master.frame.timeout.ms)"));
        break;
      }
      if (status == ReadStatus::kBadFrame) {
        log.warning("client %s sent a bad frame: %s", peer->address(), error);
        peer->send(encodeError(nullptr, errc::kBadFrame, error + "; closing the connection"));
        break;
      }
      ClientRequest request;
      DecodeError bad;
      if (!decodeClientRequest(m, &request, &bad)) {
        peer->send(encodeError(request.id, bad.code, bad.message));
        if (bad.code == errc::kUnknownType) {
          log.warning("client %s sent an unknown message: %s", peer->address(), bad.message);
          break;
        }
        continue;  // a bad field: the connection stays usable
      }
      if (!authenticated && request.kind != ClientRequest::Kind::kAuth) {
        log.warning("client %s sent a request before authenticating", peer->address());
        peer->send(encodeError(
            request.id, errc::kUnauthorized,
            "this master needs a client token: send {\"type\": \"auth\", \"token\": ...} "
            "first (master.client.tokens); closing the connection"));
        break;
      }
      if (!identified) {
        identified = true;
        peer->setDeadline(std::nullopt);
      }
      switch (request.kind) {
        case ClientRequest::Kind::kAuth: {
          const auto who =
              identityOf(request.token, settings_.client_tokens, settings_.operator_tokens);
          if (!who && !settings_.client_tokens.empty()) {
            log.warning("refused client %s: wrong token", peer->address());
            peer->send(
                encodeError(request.id, errc::kUnauthorized,
                            "wrong client token: use one of the master's master.client.tokens; "
                            "closing the connection"));
            peer->finish(kFinishTimeout);
            scheduler_->clientGone(peer.get());
            return;
          }
          if (who) peer->setIdentity(*who);  // else anonymous, as without `auth`
          authenticated = true;
          peer->send(encodeAuthenticated(request.id));
          break;
        }
        case ClientRequest::Kind::kSubmit:
          scheduler_->submit(peer, request.id, std::move(request.job));
          break;
        case ClientRequest::Kind::kCancel:
          scheduler_->cancel(peer, request.id, request.job_id);
          break;
        case ClientRequest::Kind::kJob:
          scheduler_->lookup(peer, request.id, request.job_id, request.wait);
          break;
        case ClientRequest::Kind::kInput:
          scheduler_->input(peer, request.id, request.job_id, std::move(request.data), request.eof);
          break;
        case ClientRequest::Kind::kSignal:
          scheduler_->signal(peer, request.id, request.job_id, request.signal);
          break;
        case ClientRequest::Kind::kRuntimes:
          peer->send(encodeRuntimes(request.id, scheduler_->runtimes()));
          break;
        case ClientRequest::Kind::kCluster:
          peer->send(encodeCluster(request.id, scheduler_->cluster(peer->identity())));
          break;
      }
    }
  } catch (const std::exception& e) {
    log.error("client %s: %s", peer->address(), std::string(e.what()));
  }
  scheduler_->clientGone(peer.get());
  peer->finish(kFinishTimeout);
}

SlaveConnection::SlaveConnection(const Poco::Net::StreamSocket& socket,
                                 std::shared_ptr<Scheduler> scheduler,
                                 const ConnectionSettings& settings, ConnectionCount count)
    : TCPServerConnection(socket),
      scheduler_(std::move(scheduler)),
      settings_(settings),
      count_(std::move(count)) {}

void SlaveConnection::run() {
  Poco::Logger& log = Poco::Logger::get("master.slave");
  auto peer = std::make_shared<SocketPeer>(socket(), settings_.max_frame_bytes,
                                           settings_.max_output_bytes, settings_.tls);
  const ConnectionSlot slot(count_);
  if (refuseIfFull(slot, *peer, settings_, "slave")) return;
  const AddressSlots::Slot here = settings_.address_slots->take(peer->host(), peer->isLoopback());
  if (refuseIfCrowded(here, *peer, settings_, "slave")) return;
  auto refuse = [&](std::string_view code, const std::string& message, const std::string& why) {
    log.warning("slave connection from %s refused: %s", peer->address(), why);
    peer->send(encodeError(nullptr, code, message));
    peer->finish(kFinishTimeout);
  };
  int slave_id = 0;
  std::string reason = "connection closed";
  try {
    json m;
    std::string error;
    // The whole register frame within the register timeout, however slowly it trickles in.
    peer->setDeadline(std::chrono::steady_clock::now() + settings_.register_timeout);
    ReadStatus status = peer->read(&m, settings_.register_timeout, settings_.frame_timeout, &error);
    peer->setDeadline(std::nullopt);
    if (status == ReadStatus::kClosed) {
      log.information("slave connection from %s closed before registering: %s", peer->address(),
                      error);
      peer->finish(kFinishTimeout);
      return;
    }
    if (status != ReadStatus::kMessage) {
      const auto code = status == ReadStatus::kBadFrame ? errc::kBadFrame : errc::kTimeout;
      return refuse(code, error + "; register first (docs/protocol.md)", error);
    }
    SlaveMessage reg;
    DecodeError bad;
    if (!decodeSlaveMessage(m, &reg, &bad))
      return refuse(bad.code, "register: " + bad.message, bad.message);
    if (reg.kind != SlaveMessage::Kind::kRegister)
      return refuse(errc::kBadMessage, "the first message on the slave port must be \"register\"",
                    "first message was not register");
    SlaveCredentials& credentials = *settings_.slave_credentials;
    credentials.reloadIfChanged();
    uint64_t generation = credentials.generation();
    if (!credentials.accepts(reg.name, reg.token)) {
      log.warning("refused slave \"%s\" from %s: wrong token", reg.name.substr(0, 64),
                  peer->address());
      peer->send(encodeError(nullptr, errc::kUnauthorized,
                             credentials.perSlave()
                                 ? "wrong slave token for slave \"" + reg.name.substr(0, 64) +
                                       "\": set slave.token.file to the token the master's "
                                       "master.slave.tokens.file lists for this slave.name"
                                 : "wrong slave token: set slave.token.file to a file holding the "
                                   "master's master.slave.token"));
      peer->finish(kFinishTimeout);
      return;
    }
    if (reg.capacity < 1)
      return refuse(
          errc::kBadMessage,
          "register: \"capacity\" must be between 1 and " + std::to_string(kMaxSlaveCapacity),
          "capacity " + std::to_string(reg.capacity));
    SlaveRegistration registration;
    registration.name = reg.name.empty() ? peer->address() : reg.name;
    registration.capacity = reg.capacity;
    registration.languages = std::move(reg.languages);
    registration.load = reg.load;
    registration.held_jobs = std::move(reg.jobs);
    registration.draining = reg.draining;
    registration.limits = reg.limits;
    registration.plugins = std::move(reg.plugins);
    const std::string name = registration.name;
    const size_t held = registration.held_jobs.size();
    slave_id = scheduler_->addSlave(peer, std::move(registration));
    log.information("slave %s (id %d) registered from %s with %d slots%s", name, slave_id,
                    peer->address(), reg.capacity,
                    held ? ", holding " + std::to_string(held) + " jobs" : std::string());

    // A registered slave's bad frame fails at most the job it was about, not the connection
    // (and with it every job on the slave).
    peer->skipBadFrames();
    std::optional<OutputBatch> batch;
    for (;;) {
      if (batch && !peer->hasMessage()) batch.reset();
      status = peer->read(&m, settings_.heartbeat_timeout, settings_.frame_timeout, &error);
      if (!batch) batch.emplace();
      if (status == ReadStatus::kClosed) {
        reason = error;
        break;
      }
      // A credential removed or changed since (master.slave.tokens.file) ends the session.
      credentials.reloadIfChanged();
      if (const uint64_t now = credentials.generation(); now != generation) {
        generation = now;
        if (!credentials.accepts(reg.name, reg.token)) {
          reason = "its token was revoked (master.slave.tokens.file)";
          log.warning("dropping slave %s: %s", name, reason);
          peer->send(encodeError(
              nullptr, errc::kUnauthorized,
              "this slave's token was revoked in the master's master.slave.tokens.file; "
              "closing the connection"));
          break;
        }
      }
      if (status == ReadStatus::kSkipped) {
        peer->send(encodeError(nullptr, errc::kBadFrame, error + "; the frame was skipped"));
        const std::string job_id = failJobOfBadFrame(*scheduler_, slave_id, name, peer->skipped());
        // Stops the job should it still run (a bad progress frame); answered at once otherwise.
        if (!job_id.empty()) peer->send(encodeCancel(job_id));
        continue;
      }
      if (status != ReadStatus::kMessage) {
        reason = status == ReadStatus::kIdle ? error + " (master.heartbeat.timeout.ms)" : error;
        peer->send(encodeError(nullptr,
                               status == ReadStatus::kBadFrame ? errc::kBadFrame : errc::kTimeout,
                               reason + "; closing the connection"));
        break;
      }
      SlaveMessage sm;
      if (!decodeSlaveMessage(m, &sm, &bad)) {
        peer->send(encodeError(nullptr, bad.code, bad.message));
        if (bad.code == errc::kUnknownType) {
          reason = bad.message;
          break;
        }
        log.warning("slave %s sent a malformed message: %s", name, bad.message);
        continue;
      }
      switch (sm.kind) {
        case SlaveMessage::Kind::kHeartbeat:
          scheduler_->slaveHeartbeat(slave_id, sm.load);
          break;
        case SlaveMessage::Kind::kProgress:
          scheduler_->slaveProgress(slave_id, sm.job_id, sm.state, sm.test ? &*sm.test : nullptr,
                                    sm.test_index);
          break;
        case SlaveMessage::Kind::kResult:
          if (!sm.result_error.empty()) {
            log.warning("slave %s sent a result for job %s the master cannot read: %s", name,
                        sm.job_id, sm.result_error);
            sm.result.verdict = Verdict::kInternalError;
            sm.result.message =
                "slave " + name + " sent a result the master could not read: " + sm.result_error;
          }
          scheduler_->slaveResult(slave_id, std::move(sm.result));
          break;
        case SlaveMessage::Kind::kCancelled:
          scheduler_->slaveCancelled(slave_id, sm.job_id);
          break;
        case SlaveMessage::Kind::kOutput:
          scheduler_->slaveOutput(slave_id, sm.job_id, std::move(sm.chunks), sm.output_bytes);
          break;
        case SlaveMessage::Kind::kLanguages:
          if (sm.plugins.is_array()) scheduler_->slavePlugins(slave_id, std::move(sm.plugins));
          scheduler_->slaveLanguages(slave_id, std::move(sm.languages));
          break;
        case SlaveMessage::Kind::kDrain:
          scheduler_->slaveDrain(slave_id);
          break;
        case SlaveMessage::Kind::kRegister:
          peer->send(encodeError(
              nullptr, errc::kBadMessage,
              "this slave is already registered (id " + std::to_string(slave_id) + ")"));
          break;
      }
    }
  } catch (const std::exception& e) {
    reason = e.what();
    log.error("slave connection from %s: %s", peer->address(), reason);
  }
  if (slave_id != 0) scheduler_->removeSlave(slave_id, reason);
  peer->finish(kFinishTimeout);
}

}  // namespace polyrun::master
