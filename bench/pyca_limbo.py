"""x509-limbo through pyca/cryptography's Rust verifier: the peer `npm run bench` times `npm run limbo` against.

    python3 bench/pyca_limbo.py [--input test/data/limbo/limbo.json] [--output results.json]

Reads the same suite file as scripts/limbo.ts and runs every case the cryptography.x509.verification API can
express: SERVER cases through PolicyBuilder().build_server_verifier(name), CLIENT cases through
build_client_verifier() (the names the verified leaf carries must include every expected peer name), with the
case's trusted certificates as the Store, its validation time and its maximum chain depth. pyca has one profile
(CABF's, with RFC 5280 underneath), so the rfc5280:: namespaces run under it too. A case is SKIPPED only when
the API has no knob for what it asks: signature-algorithm restrictions, CRLs, a required key usage, an extended
key usage other than the verifier's own, a SERVER case whose peer name is missing or neither DNS nor IP. Unlike x509-limbo's
own pyca harness, cases pyca is known to get "wrong" are not skipped: they cost time, and the comparison is of
time over the same work, with the agreement counted beside it.

Cases limbo marks denial-of-service run in a forked child with a time-out (HANG_SECONDS); a case that times out
is reported HANG. Prints one line, `pyca-cryptography VERSION: N cases, P pass, F diverge, S skipped, H hung;
load L s, run R s (of which W s waiting on hung cases)` (the bench takes W off pyca's time), and with --output writes the results in limbo's own format ({"version": 1, "harness": ..., "results": [...]}).
"""

import argparse
import datetime
import ipaddress
import json
import multiprocessing
import os
import sys
import time
import warnings

from cryptography import __version__ as PYCA_VERSION
from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

DEFAULT_SUITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "data", "limbo", "limbo.json")

# A case marked denial-of-service runs in a forked child and is abandoned after this long: pyca 48 does not
# finish pathological::pathological-chain-same-subject-same-key (minutes of CPU, as x509-limbo's harness notes).
HANG_SECONDS = 5.0

# The extended key usage each verifier checks for itself; any other requirement is not expressible.
OWN_EKU = {"SERVER": "serverAuth", "CLIENT": "clientAuth"}


class Unsupported(Exception):
    """The case asks for something the verification API has no knob for."""


def general_name(peer):
    """A limbo peer name as the x509 GeneralName pyca compares against."""
    kind, value = peer["kind"], peer["value"]
    if kind == "DNS":
        return x509.DNSName(value)
    if kind == "IP":
        return x509.IPAddress(ipaddress.ip_address(value))
    if kind == "RFC822":
        return x509.RFC822Name(value)
    raise Unsupported(f"peer name kind {kind}")


def check_expressible(case):
    if case.get("signature_algorithms"):
        raise Unsupported("signature algorithm restrictions")
    if case.get("crls"):
        raise Unsupported("CRLs")
    if case.get("key_usage"):
        raise Unsupported("a required key usage")
    own = OWN_EKU[case["validation_kind"]]
    if any(e != own for e in case.get("extended_key_usage") or []):
        raise Unsupported(f"an extended key usage other than {own}")


def builder_for(case):
    """The policy builder: the case's trust anchors, validation time and maximum depth."""
    anchors = [x509.load_pem_x509_certificate(pem.encode()) for pem in case["trusted_certs"]]
    builder = PolicyBuilder().store(Store(anchors))
    if case.get("validation_time"):
        builder = builder.time(datetime.datetime.fromisoformat(case["validation_time"]))
    if case.get("max_chain_depth") is not None:
        builder = builder.max_chain_depth(case["max_chain_depth"])
    return builder


def verdict(case):
    """SUCCESS or FAILURE (with pyca's reason); raises Unsupported for a case the API cannot express."""
    check_expressible(case)
    if case["validation_kind"] == "SERVER":
        if not case.get("expected_peer_name"):
            raise Unsupported("a SERVER case without a peer name")
        name = general_name(case["expected_peer_name"])
        if isinstance(name, x509.RFC822Name):
            raise Unsupported("an e-mail peer name for a server")
        wanted = []
    else:
        name = None
        wanted = [general_name(p) for p in case.get("expected_peer_names") or []]
    try:
        builder = builder_for(case)
        leaf = x509.load_pem_x509_certificate(case["peer_certificate"].encode())
        presented = [x509.load_pem_x509_certificate(pem.encode()) for pem in case["untrusted_intermediates"]]
        if name is not None:
            builder.build_server_verifier(name).verify(leaf, presented)
            return "SUCCESS", ""
        verified = builder.build_client_verifier().verify(leaf, presented)
        missing = [n for n in wanted if n not in (verified.subjects or [])]
        return ("FAILURE", f"leaf does not name {missing[0]}") if missing else ("SUCCESS", "")
    except (ValueError, VerificationError) as e:
        # ValueError: a certificate, name or time pyca refuses to load; VerificationError: no valid path.
        return "FAILURE", str(e)


def _child(case, conn):
    try:
        conn.send(verdict(case))
    except Unsupported as e:
        conn.send(("SKIPPED", str(e)))


def verdict_bounded(case):
    """verdict() in a forked child, or ("HANG", ...) when it has not answered within HANG_SECONDS."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(case, send), daemon=True)
    child.start()
    send.close()
    try:
        if recv.poll(HANG_SECONDS):
            try:
                actual, context = recv.recv()
            except EOFError:
                return "FAILURE", f"the verifier's process died (exit code {child.exitcode})"
            if actual == "SKIPPED":
                raise Unsupported(context)
            return actual, context
        return "HANG", f"no verdict within {HANG_SECONDS:.0f} s"
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        recv.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", default=DEFAULT_SUITE)
    ap.add_argument("--output")
    args = ap.parse_args()
    # Some limbo certificates have a zero or negative serial number, which pyca loads with a warning per case.
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)

    t0 = time.perf_counter()
    with open(args.input, "rb") as f:
        suite = json.load(f)
    if suite.get("version") != 1 or not isinstance(suite.get("testcases"), list):
        sys.exit('unsupported limbo suite: expected {"version": 1, "testcases": [...]}')
    t1 = time.perf_counter()

    results = []
    passes = skipped = hung = 0
    waited = 0.0
    for case in suite["testcases"]:
        start = time.perf_counter()
        try:
            dos = "denial-of-service" in (case.get("features") or [])
            actual, context = verdict_bounded(case) if dos else verdict(case)
        except Unsupported as e:
            actual, context = "SKIPPED", f"not expressible in cryptography.x509.verification: {e}"
        if actual == "SKIPPED":
            skipped += 1
        elif actual == "HANG":
            hung += 1
            waited += time.perf_counter() - start
        elif actual == case["expected_result"]:
            passes += 1
        results.append({"id": case["id"], "actual_result": actual, "context": context})
    t2 = time.perf_counter()

    total = len(results)
    # A hung case is neither a pass nor a divergence: it is the time-out below, counted apart.
    print(
        f"pyca-cryptography {PYCA_VERSION}: {total} cases, {passes} pass, {total - passes - skipped - hung} diverge, "
        f"{skipped} skipped, {hung} hung; load {t1 - t0:.2f} s, run {t2 - t1:.2f} s"
        f" (of which {waited:.2f} s waiting on hung cases)"
    )
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"version": 1, "harness": f"pyca-cryptography-{PYCA_VERSION}", "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
