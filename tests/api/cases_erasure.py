"""GDPR erasure through HTTP (api.md Administration, domain.md §6): POST /api/v1/admin/erase
destroys the customer's key, records subject.erased, purges the customer from every read model,
and leaves the log verifiable; its errors, roles and the repeated erasure.

Run by server_test.py; each test_* uses the shared server `ctx.F` or starts its own."""
import os
import shutil
import subprocess

import ctx
from cases_membership import cget, cpost, item, jwt, register
from ctx import check, expect
from domain_support import FAR, post, token, uid
from support import Server, scratch_dir


def erase(subject, t=None, server=None, reason="the customer asked (GDPR art. 17)"):
    body = {"subject": subject}
    if reason is not None:
        body["reason"] = reason
    return post("/api/v1/admin/erase", body, t or ctx.F.admin, server)


def test_erasure_purges_the_customer_and_answers_again_the_same():
    cid = uid("E")
    me = jwt(cid)
    expect(register(cid), 201)
    expect(cpost(cid, "points/earn", {"amount": 70, "reason": "welcome"}), 200)
    expect(cpost(cid, "purchases", {"purchase_id": "E1", "items": [item()], "amount": 100}), 201)
    expect(post("/api/v1/coupons", {"coupon_code": uid("EC"), "kind": "balance",
                                    "face_value": 500, "customer_id": cid, "expires_at": FAR},
                ctx.F.admin), 201)
    cancelled = cpost(cid, "cancel", {}, me)
    expect(cancelled, 200)
    due = ctx.F.get("/api/v1/schedules?kind=history_expiry&min_position=%d" %
                    cancelled.json["position"], ctx.F.admin)
    check(cid in [i["ref"] for i in due.json["items"]], due)

    first = erase("customer:" + cid)
    expect(first, 200)
    check(first.json["subject"] == "customer:" + cid and isinstance(first.json["position"], int),
          first)
    # Answered once the read models applied it: no min_position is needed to see it gone.
    for path in ("status", "purchases", "balances"):
        for who in (ctx.F.admin, me):
            r = ctx.F.server.request("GET", "/api/v1/customers/%s/%s" % (cid, path), token=who)
            expect(r, 404, "customer_not_found")
    due = ctx.F.get("/api/v1/schedules?kind=history_expiry", ctx.F.admin)
    check(cid not in [i["ref"] for i in due.json["items"]], due)
    # Every command about the customer is refused; the id cannot be registered again.
    expect(cpost(cid, "points/earn", {"amount": 1, "reason": "x"}), 404, "customer_not_found")
    expect(cpost(cid, "purchases", {"purchase_id": "E2", "items": [item()], "amount": 1}), 404,
           "customer_not_found")
    expect(cpost(cid, "block_purchases", {}), 404, "customer_not_found")
    expect(register(cid), 409, "customer_exists")
    # The log keeps its events; the PII shows as erased and subject.erased carries none.
    events = ctx.F.get("/api/v1/streams/customer-" + cid, ctx.F.keys["auditor"]).json["events"]
    registered = [e for e in events if e["type"] == "customer.registered"][0]
    for field in ("name", "email", "phone"):
        check(registered["data"].get(field) == "[erased]", registered)
    last = events[-1]
    check(last["type"] == "subject.erased" and last["position"] == first.json["position"], last)
    check(last["data"] == {"subject": "customer:" + cid,
                           "reason": "the customer asked (GDPR art. 17)",
                           "erased_at": last["data"]["erased_at"]}, last)
    # Again, whatever the reason: the first erasure, replayed, and nothing appended.
    again = erase("customer:" + cid, reason="asked twice")
    expect(again, 200)
    check(again.json == first.json and again.header("Idempotent-Replayed") == "true", again)
    after = ctx.F.get("/api/v1/streams/customer-" + cid, ctx.F.keys["auditor"]).json["events"]
    check(len(after) == len(events), after)


def test_erasure_errors_and_roles():
    expect(erase("customer:" + uid("NOBODY")), 404, "customer_not_found")
    for subject in ("customer:bad id", "customer:", "C9", "store:S1", "recipient:abc"):
        expect(erase(subject), 400, "invalid_field", "subject")
    expect(erase("customer:C9", reason=None), 400, "missing_field", "reason")
    expect(post("/api/v1/admin/erase", {"reason": "x"}, ctx.F.admin), 400, "missing_field",
           "subject")
    cid = uid("E")
    expect(register(cid), 201)
    for role in ("pos", "customer", "operator", "auditor", "jwt"):
        expect(erase("customer:" + cid, token(role)), 403, "forbidden")
    expect(erase("customer:" + cid, jwt(cid)), 403, "forbidden")
    expect(erase("customer:" + cid, "nonsense"), 401, "unauthorized")
    check(cget(cid, "status").status == 200, "nobody could erase it")


def test_after_erasure_the_log_verifies_and_no_file_holds_the_pii():
    root = scratch_dir()
    try:
        data = os.path.join(root, "data")
        s = Server(ctx.TALLY, data).start()
        a = s.admin_key()
        pii = {"name": "Erasmus Plaintextson", "email": "erasmus.unique@example.org",
               "phone": "+49-30-5550-1234"}
        expect(post("/api/v1/customers", dict(pii, customer_id="G1"), a, s), 201)
        expect(post("/api/v1/customers/G1/purchases",
                    {"purchase_id": "p1", "items": [item()], "amount": 5}, a, s), 201)
        expect(erase("customer:G1", a, s), 200)
        check(s.stop() == 0, "exit")
        p = subprocess.run([ctx.TALLY, "verify", "--data-dir", data], capture_output=True,
                           timeout=60)
        check(p.returncode == 0, "verify after erasure: %s" % p.stderr.decode())
        for dirpath, _, files in os.walk(data):
            for name in files:
                with open(os.path.join(dirpath, name), "rb") as f:
                    content = f.read()
                for value in pii.values():
                    check(value.encode() not in content, "%s holds %s" % (name, value))
    finally:
        shutil.rmtree(root, ignore_errors=True)
