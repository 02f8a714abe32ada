#include "support/http_request.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <sstream>

namespace polyrun::test {

HttpReply httpRequest(int port, const std::string& method, const std::string& path,
                      const std::string& body, const std::string& content_type, bool chunked,
                      const std::string& authorization,
                      const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpReply reply;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(90, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!content_type.empty()) req.setContentType(content_type);
    if (!authorization.empty()) req.set("Authorization", authorization);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (chunked) {
      req.setChunkedTransferEncoding(true);
    } else if (method == "POST" || method == "PUT" || !body.empty()) {
      req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    reply.status = res.getStatus();
    reply.content_type = res.getContentType();
    reply.retry_after = res.get("Retry-After", "");
    reply.location = res.get("Location", "");
    std::ostringstream out;
    Poco::StreamCopier::copyStream(in, out);
    reply.body = out.str();
  } catch (const std::exception& e) {
    reply.body = e.what();
  }
  reply.j = nlohmann::json::parse(reply.body, nullptr, false);
  return reply;
}

}  // namespace polyrun::test
