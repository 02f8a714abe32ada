// The master's configuration: its key table (every key, type, default, range and meaning;
// docs/configuration.md documents each) and the settings read from it in one place, which
// MasterApp::runService wires into objects.
#pragma once

#include <Poco/Logger.h>

#include <chrono>
#include <string>

#include "callbacks.h"
#include "connections.h"
#include "http_api.h"
#include "http_server.h"
#include "polyrun/config_table.h"
#include "scheduler.h"
#include "sqlite_journal.h"

namespace polyrun::master {

/// Every key the master reads.
const ConfigTable& masterKeyTable();

struct MasterSettings {
  std::string bind;  // both ports and HTTP listen on this address
  int client_port = 7400;
  int slave_port = 7401;
  bool http_enabled = true;
  int http_port = 7480;
  bool tls_enabled = false;
  std::string tls_certificate, tls_key;  // PEM files, read when TLS is enabled
  ConnectionSettings connections;        // `tls` is left for the app, which owns the context
  SchedulerConfig scheduler;
  JournalConfig journal;  // no path: no journal
  HttpSettings http;
  CallbackSettings callbacks;  // no allow list: callbacks refused
  HttpServerSettings http_server;
  std::chrono::milliseconds shutdown_timeout{30000};
  std::string ready_file;     // "" for none
  size_t events_keep = 1000;  // master.events.keep
  size_t events_queue = 256;  // master.events.subscriber.queue
};

/// Reads and checks every key; ConfigError naming the key on a bad value. Reads the slave token
/// files. Logs to `log` what a valid but surprising combination means (results cut to fit a
/// frame).
MasterSettings readMasterSettings(const ConfigReader& config, Poco::Logger& log);

}  // namespace polyrun::master
