"""Integration tests of `tally serve`: the real binary on a free loopback port, a temp data dir.

Usage: server_test.py PATH/TO/tally [part-of-a-test-name ...]
The tests are the test_* functions of cases_http.py, cases_log.py, cases_lifecycle.py,
cases_coupons.py, cases_coupon_limits.py, cases_membership.py and cases_erasure.py, run
in file order against one shared server (ctx.F) unless they start their own. The exit code is
the number of failed tests.
"""
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases_coupon_limits  # noqa: E402
import cases_coupons  # noqa: E402
import cases_erasure  # noqa: E402
import cases_http  # noqa: E402
import cases_lifecycle  # noqa: E402
import cases_log  # noqa: E402
import cases_membership  # noqa: E402
import ctx  # noqa: E402


def collect(wanted):
    tests = []
    for module in (cases_http, cases_log, cases_lifecycle, cases_coupons,
                   cases_coupon_limits, cases_membership, cases_erasure):
        found = [(n, f) for n, f in vars(module).items() if n.startswith("test_") and callable(f)]
        found.sort(key=lambda t: t[1].__code__.co_firstlineno)
        tests += found
    return [t for t in tests if not wanted or any(w in t[0] for w in wanted)]


def main():
    ctx.TALLY = os.path.abspath(sys.argv[1])
    tests = collect(sys.argv[2:])
    ctx.F = ctx.Fixture()
    failures = 0
    try:
        for name, f in tests:
            started = time.time()
            try:
                f()
                print("PASS %s (%.1fs)" % (name, time.time() - started), flush=True)
            except Exception:
                failures += 1
                print("FAIL %s\n%s" % (name, traceback.format_exc()), flush=True)
            if ctx.F.server.proc.poll() is not None:
                # The shared server died: say why, and give the tests after it a new one.
                failures += 1
                print("FAIL the shared server died during %s (exit %s):\n%s" %
                      (name, ctx.F.server.proc.returncode, ctx.F.server.stderr_tail(5)),
                      flush=True)
                ctx.F.server.stop()
                ctx.F = ctx.Fixture()
    finally:
        code = ctx.F.close()
        if code != 0:
            failures += 1
            print("FAIL the shared server exited with %s" % code)
    print("%d test(s) failed" % failures if failures else "all %d server tests passed" % len(tests))
    sys.exit(failures)


if __name__ == "__main__":
    main()
