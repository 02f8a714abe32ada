// Requests to a test cluster's HTTP port (docs/http-api.md), through Poco's HTTP client, each on a
// connection of its own.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace polyrun::test {

struct HttpReply {
  int status = -1;  // -1: no answer (the message is in body)
  std::string body;
  std::string content_type;
  std::string retry_after;
  std::string location;
  nlohmann::json j;  // body parsed, or discarded
};

/// One request on its own connection (90 s deadline). `content_type` empty sends none, as
/// piston-client does.
HttpReply httpRequest(int port, const std::string& method, const std::string& path,
                      const std::string& body = "", const std::string& content_type = "",
                      bool chunked = false, const std::string& authorization = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace polyrun::test
