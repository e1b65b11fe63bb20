// The Beast side of Session. Only listener.cc and session.cc include this (and Beast).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "api/session.h"

namespace tally::api {

std::shared_ptr<Session> make_session(boost::asio::ip::tcp::socket socket, Exchange& exchange,
                                      const SessionLimits& limits);

}  // namespace tally::api
