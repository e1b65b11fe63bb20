// Accepts connections and starts a session for each, up to a cap: past it, a new connection
// gets a short 503 `overloaded` and is closed, so memory stays bounded whatever the clients do.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "api/session.h"
#include "core/result.h"

namespace tally::api {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, Exchange& exchange, const SessionLimits& limits,
           std::size_t max_connections);

  // Binds and listens; the port actually bound (useful with port 0).
  Result<std::uint16_t> open(const boost::asio::ip::tcp::endpoint& endpoint);
  void start();
  // Stops accepting and asks every session to finish its request and close.
  void stop();
  std::size_t live_sessions();

 private:
  void accept();
  void refuse(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Exchange& exchange_;
  const SessionLimits& limits_;
  const std::size_t max_connections_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<Session>> sessions_;  // expired ones pruned on each accept
  bool stopping_ = false;                         // under mutex_
};

}  // namespace tally::api
