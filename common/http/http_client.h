// The HTTP client adapter (libcurl): JSON requests to webhooks and Prometheus
// Alertmanager. Thread-safe (each call uses its own curl handle).
#pragma once

#include <string>

#include "absl/time/time.h"

namespace cw::http {

struct HttpResponse {
  int status = 0;    // the HTTP status code; 0 when no answer was received
  std::string body;  // the answer's body, or curl's error text when status is 0
};

// Sends `body` (Content-Type: application/json) with `method` ("POST", "DELETE", "GET") to
// `url`, waiting at most `timeout`.
HttpResponse RequestJson(const std::string& method, const std::string& url,
                         const std::string& body, absl::Duration timeout);

}  // namespace cw::http
