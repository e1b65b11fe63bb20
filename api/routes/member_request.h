// Who a membership route acts on (api.md, Membership): the {id} of the path, checked against
// the caller. A role the route never serves is 403 whatever the id; a customer naming another
// customer's id gets customer_not_found, as for an id nobody has (no enumeration).
#pragma once

#include <initializer_list>
#include <string>

#include "api/context.h"
#include "api/input.h"

namespace tally::api {

struct MemberTarget {
  Principal who;
  std::string customer_id;
};

inline Checked<MemberTarget> member_target(ApiContext& ctx, Request& request,
                                           std::initializer_list<Role> roles) {
  auto who = ctx.auth.require(request, roles);
  if (!who) return tl::unexpected(who.error());
  const std::string& id = request.params.at("id");
  if (!is_valid_id(id))
    return problem("invalid_field", "a customer id is 1-64 of [A-Za-z0-9_-]", "id");
  if (!may_see_customer(*who, id)) return problem("customer_not_found", "no such customer");
  return MemberTarget{*who, id};
}

}  // namespace tally::api
