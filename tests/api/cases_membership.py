"""Membership through HTTP (api.md, Membership): every route, role rules, every error code,
the repeated cancel, the 1-year history rule under the test clock, a rebuild of the purchase
history and balances.

Run by server_test.py; each test_* uses the shared server `ctx.F` or starts its own."""
import os
import shutil
import time

import ctx
from domain_support import (FAR, after_writes, post, rfc3339, server_now, token, uid,
                            wait_pruned, wait_until)
from ctx import JWT_SECRET, check, expect
from support import Server, jwt_hs256, scratch_dir

PII = {"name": "Kim Minji", "email": "minji@example.com", "phone": "+82-10-1234-5678"}


def register(cid, t=None, server=None, **extra):
    body = dict(PII, **extra)
    if cid is not None:
        body["customer_id"] = cid
    return post("/api/v1/customers", body, t or ctx.F.admin, server)


def cpost(cid, path, body, t=None, server=None, **kw):
    return post("/api/v1/customers/%s/%s" % (cid, path), body, t or ctx.F.admin, server, **kw)


def cget(cid, path, t=None, server=None):
    return (server or ctx.F.server).request(
        "GET", after_writes("/api/v1/customers/%s/%s" % (cid, path), server),
        token=t or ctx.F.admin)


def jwt(sub, server=None, admin=None):
    return jwt_hs256(JWT_SECRET, {"sub": sub, "role": "customer",
                                  "exp": server_now(server, admin) + 3600})


def item(price=100, qty=1):
    return {"product_id": "P1", "product_name": "Americano", "quantity": qty, "unit_price": price}


def test_register_and_its_rules():
    cid = uid("M")
    r = register(cid)
    expect(r, 201)
    check(r.json["customer_id"] == cid and isinstance(r.json["position"], int), r)
    expect(register(cid), 409, "customer_exists")
    # A customer registers its own id only; without an id it is its own.
    me = uid("J")
    expect(register(uid("X"), jwt(me)), 403, "forbidden")
    r = register(None, jwt(me))
    expect(r, 201)
    check(r.json["customer_id"] == me, r)
    r = register(None)  # an admin without an id: one is made
    expect(r, 201)
    check(r.json["customer_id"], r)
    for role in ("pos", "operator", "auditor"):
        expect(register(uid("Y"), token(role)), 403, "forbidden")
    expect(register(uid("Y"), "nonsense"), 401, "unauthorized")
    for field in PII:
        body = dict(PII, customer_id=uid("Z"))
        del body[field]
        expect(post("/api/v1/customers", body, ctx.F.admin), 400, "missing_field", field)
    expect(register("bad id"), 400, "invalid_field", "customer_id")
    # The registration is one event on the customer's stream, its PII sealed in the log
    # (domain.md §6) and shown opened to the log's readers (api.md, The log).
    log = ctx.F.get("/api/v1/streams/customer-" + cid, ctx.F.keys["auditor"])
    expect(log, 200)
    event = log.json["events"][0]
    check(event["type"] == "customer.registered", log)
    for field, plain in PII.items():
        check(event["data"].get(field) == plain and "sealed_" + field not in event["data"], event)
    page = ctx.F.get("/api/v1/log?stream_prefix=customer-%s&limit=1" % cid, ctx.F.admin)
    expect(page, 200)
    check(page.json["events"][0]["data"].get("email") == PII["email"], page)
    h = {"Idempotency-Key": uid("k")}
    new = uid("M")
    first = post("/api/v1/customers", dict(PII, customer_id=new), ctx.F.admin, headers=h)
    again = post("/api/v1/customers", dict(PII, customer_id=new), ctx.F.admin, headers=h)
    expect(again, 201)
    check(again.json == first.json and again.header("Idempotent-Replayed") == "true", again)


def test_points_purchases_and_roles():
    cid = uid("M")
    expect(register(cid, jwt(cid)), 201)
    me = jwt(cid)
    r = cpost(cid, "points/earn", {"amount": 100, "reason": "welcome"})
    expect(r, 200)
    check(r.json["points"] == 100, r)
    expect(cpost(cid, "points/earn", {"amount": 5, "reason": "self"}, me), 403, "forbidden")
    r = cpost(cid, "points/spend", {"amount": 30, "reason": "coffee"}, me)
    expect(r, 200)
    check(r.json["points"] == 70, r)
    expect(cpost(cid, "points/spend", {"amount": 71, "reason": "x"}, me), 409,
           "insufficient_points")
    for amount in (0, -1, 1.5, "3"):
        expect(cpost(cid, "points/spend", {"amount": amount, "reason": "x"}, me), 400,
               "invalid_field", "amount")
    expect(cpost(cid, "points/spend", {"amount": 1}, me), 400, "missing_field", "reason")
    # Past the largest balance an earn is refused; the balance never wraps negative.
    expect(cpost(cid, "points/earn", {"amount": 2 ** 63 - 1, "reason": "x"}), 400,
           "invalid_field", "amount")
    check(cget(cid, "balances", me).json["points"] == 70, "the balance is kept")
    # Another customer's id is the 404 of an unknown one; other roles are 403.
    other = jwt(uid("O"))
    for path, body in [("points/spend", {"amount": 1, "reason": "x"}),
                       ("purchases", {"purchase_id": "p", "items": [item()], "amount": 1}),
                       ("cancel", {})]:
        expect(cpost(cid, path, body, other), 404, "customer_not_found")
        expect(cpost(uid("NOBODY"), path, body), 404, "customer_not_found")
        for role in ("pos", "operator", "auditor"):
            expect(cpost(cid, path, body, token(role)), 403, "forbidden")
    for path in ("status", "purchases", "balances"):
        expect(cget(cid, path, other), 404, "customer_not_found")
        expect(cget(uid("NOBODY"), path), 404, "customer_not_found")
        expect(cget(cid, path, token("pos")), 403, "forbidden")
    expect(cget("bad%20id", "status"), 400, "invalid_field", "id")
    for path in ("block_purchases",):
        expect(cpost(cid, path, {}, me), 403, "forbidden")
    r = (ctx.F.server).request("DELETE", "/api/v1/customers/%s/purchases/expire" % cid, token=me)
    expect(r, 403, "forbidden")
    # Purchases, with points spent in the same command.
    body = {"purchase_id": "B1", "items": [item(200, 2)], "amount": 400, "points_used": 20}
    first = cpost(cid, "purchases", body, me)
    expect(first, 201)
    check(first.json["purchase_id"] == "B1" and first.json["points"] == 50, first)
    again = cpost(cid, "purchases", body, me)
    expect(again, 201)
    check(again.json == first.json and again.header("Idempotent-Replayed") == "true", again)
    expect(cpost(cid, "purchases", dict(body, amount=401), me), 409, "idempotency_conflict")
    expect(cpost(cid, "purchases", dict(body, purchase_id="B2", points_used=51), me), 409,
           "insufficient_points")
    bad = [({"items": [item()], "amount": 1}, "missing_field", "purchase_id"),
           ({"purchase_id": "B3", "amount": 1}, "missing_field", "items"),
           ({"purchase_id": "B3", "items": [], "amount": 1}, "invalid_field", "items"),
           ({"purchase_id": "B3", "items": [item()]}, "missing_field", "amount"),
           ({"purchase_id": "B3", "items": [dict(item(), quantity=0)], "amount": 1},
            "invalid_field", "quantity"),
           ({"purchase_id": "B3", "items": [item()], "amount": 1, "points_used": -1},
            "invalid_field", "points_used")]
    for b, code, field in bad:
        expect(cpost(cid, "purchases", b, me), 400, code, field)
    zero = cpost(cid, "purchases", {"purchase_id": "B0", "items": [item(0)], "amount": 10}, me)
    expect(zero, 201)  # a unit_price of 0 is allowed
    r = ctx.F.get("/api/v1/customers/%s/purchases?min_position=%d" % (cid, zero.json["position"]),
                  me)
    expect(r, 200)
    got = [(p["purchase_id"], p["kind"], p["amount"], p["refunded"]) for p in r.json["purchases"]]
    check(got == [("B1", "purchase", 400, False), ("B0", "purchase", 10, False)], got)
    check(r.json["purchases"][0]["product_name"] == "Americano" and
          r.json["purchases"][0]["purchase_date"].endswith("Z"), r)
    # Paged: a page's next goes back as from or as cursor (api.md, Lists), to the same page.
    first = ctx.F.get("/api/v1/customers/%s/purchases?limit=1" % cid, me)
    check([p["purchase_id"] for p in first.json["purchases"]] == ["B1"] and "next" in first.json,
          first)
    started = time.monotonic()  # a bad limit is refused at once, not after a stale wait
    expect(ctx.F.get("/api/v1/customers/%s/purchases?limit=0&min_position=%d" % (cid, 10 ** 12),
                     me), 400, "invalid_field", "limit")
    check(time.monotonic() - started < 1, "it waited for the read model first")
    for name in ("from", "cursor"):
        page = ctx.F.get("/api/v1/customers/%s/purchases?limit=1&%s=%s" %
                         (cid, name, first.json["next"]), me)
        check([p["purchase_id"] for p in page.json["purchases"]] == ["B0"] and
              "next" not in page.json, (name, page))
    code = uid("MINE")
    mine = post("/api/v1/coupons", {"coupon_code": code, "kind": "balance", "face_value": 300,
                                    "customer_id": cid, "expires_at": FAR}, ctx.F.admin)
    expect(mine, 201)
    b = ctx.F.get("/api/v1/customers/%s/balances?min_position=%d" % (cid, mine.json["position"]),
                  me)
    expect(b, 200)
    check(b.json["points"] == 50 and b.json["coupons"] == [
        {"coupon_code": code, "kind": "balance", "balance": 300, "coupon_status": "active"}], b)
    # A customer's coupons grow: paged like every list, in the order they were issued.
    more = post("/api/v1/coupons", {"coupon_code": uid("MORE"), "kind": "balance",
                                    "face_value": 5, "customer_id": cid, "expires_at": FAR},
                ctx.F.admin)
    at = "min_position=%d" % more.json["position"]
    page = ctx.F.get("/api/v1/customers/%s/balances?limit=1&%s" % (cid, at), me)
    check([c["coupon_code"] for c in page.json["coupons"]] == [code] and "next" in page.json,
          page)
    for name in ("from", "cursor"):
        rest = ctx.F.get("/api/v1/customers/%s/balances?limit=1&%s=%s" %
                         (cid, name, page.json["next"]), me)
        check(len(rest.json["coupons"]) == 1 and rest.json["coupons"][0]["balance"] == 5 and
              "next" not in rest.json and rest.json["points"] == 50, (name, rest))
    expect(ctx.F.get("/api/v1/customers/%s/balances?limit=1001" % cid, me), 400, "invalid_field",
           "limit")
    # A coupon given to someone who never joined: they hold no points but see their coupon;
    # with neither, nobody of that id.
    outsider = uid("OUT")
    expect(ctx.F.get("/api/v1/customers/%s/balances" % outsider, ctx.F.admin), 404,
           "customer_not_found")
    gift = post("/api/v1/coupons", {"coupon_code": uid("GIFT"), "kind": "balance",
                                    "face_value": 7, "customer_id": outsider, "expires_at": FAR},
                ctx.F.admin)
    expect(gift, 201)
    held = ctx.F.get("/api/v1/customers/%s/balances?min_position=%d" %
                     (outsider, gift.json["position"]), ctx.F.admin)
    expect(held, 200)
    check(held.json["points"] == 0 and [c["balance"] for c in held.json["coupons"]] == [7], held)
    nobody = uid("NOBODY")
    expect(ctx.F.get("/api/v1/customers/%s/balances?from=5" % nobody, ctx.F.admin), 404,
           "customer_not_found")
    # block_purchases (admin), idempotent.
    blocked = cpost(cid, "block_purchases", {})
    expect(blocked, 200)
    cpost(cid, "points/earn", {"amount": 1, "reason": "x"})  # the stream moves on
    twice = cpost(cid, "block_purchases", {})
    # It changes nothing: the position of the block it confirms, and no replay (api.md).
    check(twice.json["position"] == blocked.json["position"] and
          twice.header("Idempotent-Replayed") is None, (blocked, twice))
    expect(cpost(cid, "purchases", dict(body, purchase_id="B4", points_used=0), me), 409,
           "purchases_blocked")
    s = ctx.F.get("/api/v1/customers/%s/status?min_position=%d" % (cid, twice.json["position"]), me)
    check(s.json["purchases_blocked"] is True and s.json["is_cancelled"] is False, s)
    # A key on a call that changed nothing is remembered like any accepted command's: used
    # again for another customer it is 409, and for the same call a replay.
    other = uid("M")
    expect(register(other), 201)
    expect(cpost(other, "block_purchases", {}), 200)
    h = {"Idempotency-Key": uid("blk")}
    expect(cpost(cid, "block_purchases", {}, headers=h), 200)
    expect(cpost(other, "block_purchases", {}, headers=h), 409, "idempotency_conflict")
    again = cpost(cid, "block_purchases", {}, headers=h)
    expect(again, 200)
    check(again.header("Idempotent-Replayed") == "true" and
          again.json["position"] == blocked.json["position"], again)


def test_cancel_twice_and_expire_on_request():
    cid = uid("M")
    expect(register(cid), 201)
    cpost(cid, "points/earn", {"amount": 40, "reason": "x"})
    expect(cpost(cid, "purchases", {"purchase_id": "A1", "items": [item()], "amount": 100}), 201)
    r = ctx.F.server.request("DELETE", "/api/v1/customers/%s/purchases/expire" % cid,
                             token=ctx.F.admin)
    expect(r, 409, "customer_not_cancelled")
    me = jwt(cid)
    first = cpost(cid, "cancel", {}, me)
    expect(first, 200)
    check(first.json["points_forfeited"] == 40 and first.json["cancellation_date"].endswith("Z")
          and int(first.json["history_visible_until"][:4]) ==
          int(first.json["cancellation_date"][:4]) + 1 and first.json["message"], first)
    again = cpost(cid, "cancel", {}, me)
    expect(again, 200)
    check(again.json == first.json and again.header("Idempotent-Replayed") == "true", again)
    expect(cpost(cid, "points/earn", {"amount": 1, "reason": "x"}), 409, "customer_cancelled")
    expect(cpost(cid, "points/spend", {"amount": 1, "reason": "x"}, me), 409,
           "customer_cancelled")
    expect(cpost(cid, "purchases", {"purchase_id": "A2", "items": [item()], "amount": 1}, me),
           409, "purchases_blocked")
    q = "?min_position=%d" % first.json["position"]
    s = ctx.F.get("/api/v1/customers/%s/status%s" % (cid, q), me)
    check(s.json["is_cancelled"] is True and s.json["purchases_blocked"] is True and
          s.json["cancellation_date"] == first.json["cancellation_date"] and
          s.json["history_visible_until"] == first.json["history_visible_until"], s)
    check(len(ctx.F.get("/api/v1/customers/%s/purchases%s" % (cid, q), me).json["purchases"]) == 1,
          "visible within the year")
    check(ctx.F.get("/api/v1/customers/%s/balances%s" % (cid, q), me).json["points"] == 0,
          "forfeited")
    expire = "/api/v1/customers/%s/purchases/expire" % cid
    done = ctx.F.server.request("DELETE", expire, token=ctx.F.admin)
    expect(done, 200)
    check(done.json["message"], done)
    again = ctx.F.server.request("DELETE", expire, token=ctx.F.admin)
    check(again.json["position"] == done.json["position"] and
          again.header("Idempotent-Replayed") == "true", again)
    r = ctx.F.get("/api/v1/customers/%s/purchases?min_position=%d" % (cid, done.json["position"]),
                  me)
    expect(r, 410, "history_expired")
    st = cget(cid, "status", me)
    expect(st, 200)
    # Expired on request: visible until then, not until the year's end it first said.
    check(st.json["history_visible_until"][:4] < first.json["history_visible_until"][:4], st)


def test_history_year_rule_through_the_test_clock_and_rebuilds():
    root = scratch_dir()
    try:
        s = Server(ctx.TALLY, os.path.join(root, "data"), "--test-clock",
                   "--jwt-secret-file", ctx.F.secret_file).start()
        a = s.admin_key()
        expect(register("Y1", a, s), 201)
        bought = cpost("Y1", "purchases", {"purchase_id": "p1", "items": [item()], "amount": 5},
                       a, s)
        expect(bought, 201)
        c = cpost("Y1", "cancel", {}, a, s)
        expect(c, 200)
        q = "?min_position=%d" % c.json["position"]
        items = s.request("GET", "/api/v1/schedules?kind=history_expiry&" + q[1:], token=a).json["items"]
        check(items == [{"kind": "history_expiry", "ref": "Y1",
                         "due_at": c.json["history_visible_until"]}], items)
        before = [cget("Y1", p + q, a, s).json for p in ("status", "purchases", "balances")]
        for name in ("purchase_history", "balances"):
            expect(post("/api/v1/admin/projections/%s/rebuild" % name, {}, a, s), 202)

        def live():
            got = s.request("GET", "/api/v1/admin/projections", token=a).json["projections"]
            return all(p["state"] == "live" for p in got)

        wait_until(live, "rebuilt")
        after = [cget("Y1", p, a, s).json for p in ("status", "purchases", "balances")]
        for x, y in zip(before, after):
            x.pop("as_of_position")
            y.pop("as_of_position")
        check(before == after, (before, after))
        # A second short of the year: still visible; at the instant: history_expired.
        left = server_now(s, a)
        visible_until = c.json["history_visible_until"]
        check(rfc3339(left)[:4] < visible_until[:4], (left, visible_until))
        post("/api/v1/admin/test-clock/advance", {"seconds": 365 * 86400 - 5}, a, s)
        expect(cget("Y1", "purchases", a, s), 200)
        post("/api/v1/admin/test-clock/advance", {"seconds": 400 * 86400}, a, s)
        expect(cget("Y1", "purchases", a, s), 410, "history_expired")
        expect(cget("Y1", "purchases", jwt("Y1", s, a), s), 410, "history_expired")

        def fired():
            r = s.request("GET", "/api/v1/log?type=history.expired", token=a)
            return len(r.json["events"]) == 1

        wait_until(fired, "the process runner expired the history")
        wait_until(lambda: s.request("GET", "/api/v1/schedules?kind=history_expiry",
                                     token=a).json["items"] == [], "the item left the schedules")
        # Long past the idempotency record's retention (30 days), and after the expiry was
        # appended, a second cancel still answers the first: same body and position, replayed.
        wait_pruned(s)
        again = cpost("Y1", "cancel", {}, a, s)
        expect(again, 200)
        check(again.json == c.json and again.header("Idempotent-Replayed") == "true", again)
        again = cpost("Y1", "purchases", {"purchase_id": "p1", "items": [item()], "amount": 5},
                      a, s)
        expect(again, 201)
        check(again.json == bought.json and again.header("Idempotent-Replayed") == "true", again)
        check(s.stop() == 0, "exit")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_domain_read_models_are_listed_with_their_rules():
    r = ctx.F.get("/api/v1/admin/projections", ctx.F.admin)
    names = {p["name"] for p in r.json["projections"]}
    check({"balances", "purchase_history", "coupon_transactions", "schedules"} <= names, names)
    expect(ctx.F.get("/readyz"), 200)
