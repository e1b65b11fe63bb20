"""GDPR erasure through HTTP (api.md Administration, domain.md §6): POST /api/v1/admin/erase
destroys the customer's key, records subject.erased, purges the customer from every read model,
and leaves the log verifiable; its errors, roles and the repeated erasure.

Run by server_test.py; each test_* uses the shared server `ctx.F` or starts its own."""
import contextlib
import json
import os
import shutil
import subprocess

import ctx
from cases_membership import cget, cpost, item, jwt, register
from ctx import check, expect
from domain_support import FAR, post, token, uid
from support import Server, scratch_dir


PII_OF_CLI = {"name": "Hana Cli", "email": "hana@example.com", "phone": "+82-2-555-0101"}


def erase(subject, t=None, server=None, reason="the customer asked (GDPR art. 17)"):
    body = {"subject": subject}
    if reason is not None:
        body["reason"] = reason
    return post("/api/v1/admin/erase", body, t or ctx.F.admin, server)


def test_an_erased_customers_api_keys_stop_authenticating_and_others_keep_working():
    cid, other = uid("EK"), uid("EK")
    keys = {}
    for c in (cid, other):
        expect(register(c), 201)
        issued = post("/api/v1/admin/keys", {"role": "customer", "customer_id": c}, ctx.F.admin)
        expect(issued, 201)
        keys[c] = issued.json["key"]
        expect(cget(c, "status", keys[c]), 200)  # found once, and remembered by the server
    expect(erase("customer:" + cid), 200)
    # Answered once the key model applied the erasure: the key is refused at once.
    expect(ctx.F.server.request("GET", "/api/v1/customers/%s/status" % cid, token=keys[cid]),
           401, "unauthorized")
    expect(ctx.F.server.request("GET", "/api/v1/customers/%s/status" % other,
                                token=keys[other]), 200)


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
    # Nor can a coupon be issued to the id: it would belong to nobody anyone can see.
    late = ctx.F.post("/api/v1/coupons", {"kind": "balance", "face_value": 5, "customer_id": cid,
                                          "expires_at": "2999-01-01T00:00:00Z"}, ctx.F.admin)
    expect(late, 404, "customer_not_found")
    expect(ctx.F.get("/api/v1/customers/%s/balances" % cid, ctx.F.admin), 404,
           "customer_not_found")
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


@contextlib.contextmanager
def own_server():
    """(scratch root, data dir, a server of its own on it): removed afterwards."""
    root = scratch_dir()
    try:
        data = os.path.join(root, "data")
        yield root, data, Server(ctx.TALLY, data).start()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_after_erasure_the_log_verifies_and_no_file_holds_the_pii():
    with own_server() as (root, data, s):
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


def tally(*args):
    p = subprocess.run([ctx.TALLY] + list(args), capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_tally_erase_offline_and_through_the_server():
    with own_server() as (root, data, s):
        a = s.admin_key()
        for cid in ("H1", "H2"):
            expect(post("/api/v1/customers", dict(PII_OF_CLI, customer_id=cid), a, s), 201)
        expect(post("/api/v1/customers/H1/points/earn", {"amount": 9, "reason": "x"}, a, s), 200)
        key_file = os.path.join(root, "admin.key")
        with open(key_file, "w") as f:
            f.write(a + "\n")
        url = "http://127.0.0.1:%d" % s.port
        code, out, err = tally("erase", "--subject", "customer:H2", "--reason", "asked",
                               "--server", url, "--key", key_file)
        check(code == 0 and json.loads(out)["subject"] == "customer:H2", (code, out, err))
        expect(s.request("GET", "/api/v1/customers/H2/status", token=a), 404, "customer_not_found")
        code, out, err = tally("erase", "--subject", "customer:NOBODY", "--reason", "x",
                               "--server", url, "--key", key_file)
        check(code == 2 and "customer_not_found" in err, (code, out, err))
        # Offline on the dir the server holds: refused, pointing to --server.
        code, out, err = tally("erase", "--subject", "customer:H1", "--reason", "x",
                               "--data-dir", data)
        check(code == 2 and "--server URL --key FILE" in err, (code, out, err))
        check(s.stop() == 0, "exit")

        code, out, err = tally("erase", "--subject", "customer:H1", "--reason", "asked",
                               "--data-dir", data)
        check(code == 0, (code, out, err))
        first = json.loads(out)
        check(first["subject"] == "customer:H1" and "already_erased" not in first, first)
        code, out, err = tally("erase", "--subject", "customer:H1", "--reason", "again",
                               "--data-dir", data)
        again = json.loads(out)
        check(code == 0 and again["position"] == first["position"] and again["already_erased"],
              (code, out, err))
        code, out, err = tally("erase", "--subject", "customer:NOBODY", "--reason", "x",
                               "--data-dir", data)
        check(code == 2 and "customer_not_found" in err, (code, out, err))
        code, out, err = tally("erase", "--subject", "recipient:ab", "--reason", "x",
                               "--data-dir", data)
        check(code == 2 and "--subject" in err, (code, out, err))
        # A command line's reason may not be text; the log keeps text (it aborted the tool).
        code, out, err = tally("erase", "--subject", "customer:H1", "--reason", b"bad \xff",
                               "--data-dir", data)
        check(code == 2 and "UTF-8" in err, (code, out, err))
        code, out, err = tally("erase", "--subject", "customer:H1", "--reason", "x",
                               "--data-dir", os.path.join(root, "missing"))
        check(code == 2 and not os.path.exists(os.path.join(root, "missing")), (code, out, err))

        # The read models applied it offline: the restarted server answers at once.
        s = Server(ctx.TALLY, data).start()
        for path in ("status", "balances", "purchases"):
            expect(s.request("GET", "/api/v1/customers/H1/" + path, token=a), 404,
                   "customer_not_found")
        events = s.request("GET", "/api/v1/log?type=subject.erased", token=a).json["events"]
        check([e["data"]["subject"] for e in events] == ["customer:H2", "customer:H1"], events)
        check(events[1]["actor"] == "cli:erase", events[1])
        check(s.stop() == 0, "exit")
        check(tally("verify", "--data-dir", data)[0] == 0, "verify")
