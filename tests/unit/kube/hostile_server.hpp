// SPDX-License-Identifier: Apache-2.0
// A hostile API server for tests: plain HTTP on 127.0.0.1 (a random port),
// raw sockets, so that it can do what no well-behaved server does: answer
// with bodies without end, nest JSON 200,000 levels deep, trickle bytes,
// repeat a continue token forever. Each connection is answered by the
// test's handler, one at a time, one request per connection (answers say
// "Connection: close"); the destructor stops it and every handler (they
// must poll `stopping()` while they wait).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kray::test {

class HostileServer {
 public:
  // `fd` is the connection, `request` its head (request line and
  // headers); "" when the server answers at once. The return value is
  // ignored: the connection is closed after it.
  using Handler = std::function<bool(HostileServer& server, int fd, const std::string& request)>;
  enum class Answer { after_request, at_once };

  explicit HostileServer(Handler handler, Answer answer = Answer::after_request)
      : m_handler(std::move(handler)), m_answer(answer) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(m_listen, 16);
    socklen_t len = sizeof addr;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~HostileServer() {
    m_stopping = true;
    m_thread.join();
    ::close(m_listen);
  }
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  int port() const { return m_port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  bool stopping() const { return m_stopping.load(); }

  // The request heads received so far.
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lock(m_mu);
    return m_requests;
  }

  // Writes all of `data`; false when the peer is gone or the server stops.
  bool write(int fd, const std::string& data) const {
    std::size_t done = 0;
    while (done < data.size() && !stopping()) {
      const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return done == data.size();
  }

  // Sleeps up to `d`, less when the server stops.
  void nap(std::chrono::milliseconds d) const {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stopping() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // A whole response with a body.
  static std::string response(int status,
                              const std::string& body,
                              const std::string& extra_headers = "",
                              const std::string& type = "application/json") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
           extra_headers + "\r\n" + body;
  }

 private:
  bool wait_readable(int fd) const {
    pollfd p{fd, POLLIN, 0};
    while (!stopping()) {
      const int r = ::poll(&p, 1, 50);
      if (r > 0) {
        return true;
      }
      if (r < 0) {
        return false;
      }
    }
    return false;
  }

  void serve() {
    while (!stopping()) {
      if (!wait_readable(m_listen)) {
        continue;
      }
      const int fd = ::accept(m_listen, nullptr, nullptr);
      if (fd < 0) {
        continue;
      }
      if (m_answer == Answer::at_once) {
        m_handler(*this, fd, "");
        ::close(fd);
        continue;
      }
      std::string buffer;
      std::size_t end = std::string::npos;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!wait_readable(fd)) {
          break;
        }
        char chunk[4096];
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
          break;
        }
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      if (end != std::string::npos) {
        const std::string head = buffer.substr(0, end + 4);
        {
          std::lock_guard<std::mutex> lock(m_mu);
          m_requests.push_back(head);
        }
        m_handler(*this, fd, head);
      }
      ::close(fd);
    }
  }

  Handler m_handler;
  Answer m_answer;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stopping{false};
  mutable std::mutex m_mu;
  std::vector<std::string> m_requests;
  std::thread m_thread;
};

}  // namespace kray::test
