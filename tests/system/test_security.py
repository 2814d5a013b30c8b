"""System test of security over TLS on the real broker and binaries: each role's allowed and
refused calls with their exact status codes, a bureau refused outside its region with
nothing stored, and disclosure control for the department role — a park × industry cell
with 2 enterprises is marked confidential, and no combination of that role's answers
recovers it (single-unknown elimination over every published equation)."""
import json
import os
import signal
import subprocess
import time

import grpc
import pytest

import cwclient
from harness import ROOT, Stack, uscc
from clusterwatch.v1 import query_pb2, query_pb2_grpc, types_pb2

TOKENS = {"admin": "tok-admin", "analyst": "tok-analyst", "dept": "tok-dept",
          "jingjiang": "tok-bureau-321282", "yanbian": "tok-bureau-2224", "old": "tok-old"}
PERIOD = types_pb2.Period(year=2024, month=12)


def sha(t):
    import hashlib
    return hashlib.sha256(t.encode()).hexdigest()


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("security"))
    ca = os.path.join(work, "ca")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-ca.sh"), ca, "ndrc-client"],
                   check=True, capture_output=True)
    # The services read their certificate through a symlink, as from a Kubernetes Secret
    # volume, so that test_server_certificate_rotates_without_restart can swap it at once.
    live = os.path.join(work, "tls-live")
    os.symlink(ca, live)
    creds = os.path.join(work, "credentials")
    with open(creds, "w") as f:
        f.write(f"token {sha(TOKENS['admin'])} admin - registry-admin\n"
                f"token {sha(TOKENS['analyst'])} analyst - stats-analyst\n"
                f"token {sha(TOKENS['dept'])} department - ndrc\n"
                f"token {sha(TOKENS['jingjiang'])} bureau 321282 bureau-jingjiang\n"
                f"token {sha(TOKENS['yanbian'])} bureau 2224 bureau-yanbian\n"
                f"token {sha(TOKENS['old'])} analyst - retired 2020-01-01\n"
                f"cert ndrc-client department - ndrc-by-certificate\n")
    security = [f"--tls_cert={live}/server.pem", f"--tls_key={live}/server-key.pem",
                f"--tls_client_ca={live}/ca.pem", "--tls_reload_interval_s=1",
                f"--credentials={creds}", "--rate_limit_rps=0"]
    stack = Stack(work, security=security).start()
    ctl_tls = [f"--tls_ca={ca}/ca.pem"]

    def ctl(token, *args, check=True):
        return stack.ctl(*args, *ctl_tls, f"--token={token}", check=check)

    # Registry: two parks; 靖江 has industry 3731 with 5 enterprises and 3811 with only 2.
    d = os.path.join(work, "in")
    os.makedirs(d)
    ents, rows = ["uscc,name,park_id,industry,above_size"], [
        "uscc,industry,period,basis,unit,gross_output"]
    n = 0
    for park, county, cells in (("JJ", "321282", [("3731", 5, 1000), ("3811", 2, 700),
                                                  ("3411", 4, 300)]),
                                ("TM", "222402", [("3731", 3, 500), ("1353", 4, 200)])):
        for industry, count, wan in cells:
            for i in range(count):
                n += 1
                u = uscc(county, n)
                ents.append(f"{u},企业{n},{park},{industry},1")
                rows.append(f"{u},{industry},2024-12,ytd,万元,{wan + 10 * i}")
    with open(f"{d}/parks.csv", "w") as f:
        f.write("park_id,name,county_code,area_mu,level,leading_industries,groups\n"
                "JJ,靖江经济技术开发区,321282,90000,national,3731,\n"
                "TM,图们经济开发区,222402,9000,provincial,1353,\n")
    with open(f"{d}/enterprises.csv", "w") as f:
        f.write("\n".join(ents) + "\n")
    jj = [rows[0]] + [r for r in rows[1:] if r.split(",")[0][2:8] == "321282"]
    tm = [rows[0]] + [r for r in rows[1:] if r.split(",")[0][2:8] == "222402"]
    with open(f"{d}/jj.csv", "w") as f:
        f.write("\n".join(jj) + "\n")
    with open(f"{d}/tm.csv", "w") as f:
        f.write("\n".join(tm) + "\n")
    yield {"stack": stack, "ctl": ctl, "dir": d, "ca": ca, "creds": creds, "live": live,
           "work": work}
    stack.stop()


def channel(secure, cert=None, ca_dir=None):
    ca_dir = ca_dir or secure["ca"]
    ca = open(f"{ca_dir}/ca.pem", "rb").read()
    if cert:
        c = grpc.ssl_channel_credentials(
            ca, open(f"{ca_dir}/client-{cert}-key.pem", "rb").read(),
            open(f"{ca_dir}/client-{cert}.pem", "rb").read())
    else:
        c = grpc.ssl_channel_credentials(ca)
    # A channel of its own (no connection shared with another channel to the same target).
    return grpc.secure_channel(secure["stack"].address("query"), c,
                               options=[("grpc.use_local_subchannel_pool", 1)])


def call(secure, method, request, token=None, cert=None):
    with channel(secure, cert) as ch:
        stub = query_pb2_grpc.QueryServiceStub(ch)
        md = [("authorization", f"Bearer {token}")] if token else []
        return getattr(stub, method)(request, metadata=md, timeout=20)


def code_of(fn):
    try:
        fn()
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def test_roles_and_status_codes(secure):
    # Who may push, query and change the registry — with the exact gRPC status codes.
    ctl, d = secure["ctl"], secure["dir"]
    r = ctl(TOKENS["dept"], "registry", f"{d}/parks.csv", f"{d}/enterprises.csv", check=False)
    assert r.returncode == 1 and "may not change the registry" in r.stderr
    # Answered once stored on Kafka and applied by ingest, which checks the pushes below.
    ctl(TOKENS["admin"], "registry", f"{d}/parks.csv", f"{d}/enterprises.csv")
    # A bureau pushing another region's data: PERMISSION_DENIED naming the lines; nothing stored.
    r = ctl(TOKENS["yanbian"], "push", f"{d}/jj.csv", "--retries=0", check=False)
    assert r.returncode == 1
    assert "push failed (7)" in r.stderr  # PERMISSION_DENIED
    assert "line 2 (park JJ in 321282)" in r.stderr
    r = ctl("not-a-token", "push", f"{d}/jj.csv", "--retries=0", check=False)
    assert "push failed (16)" in r.stderr  # UNAUTHENTICATED
    # The refused caller is audited as anonymous with no role, never as a role.
    audit = open(os.path.join(secure["stack"].workdir, "audit-ingest.jsonl")).read()
    refused = [line for line in audit.splitlines() if '"code":16' in line]
    assert refused and all('"caller":"anonymous","role":"none"' in line for line in refused), audit
    r = ctl(TOKENS["old"], "parks", check=False)
    assert r.returncode == 1 and "expired" in r.stderr
    # Each bureau pushes its own region.
    assert " 0 rejected" in ctl(TOKENS["jingjiang"], "push", f"{d}/jj.csv").stdout
    r = ctl(TOKENS["jingjiang"], "push", f"{d}/tm.csv", "--retries=0", check=False)
    assert "push failed (7)" in r.stderr
    ctl(TOKENS["admin"], "push", f"{d}/tm.csv")
    # Both parks' snapshots (the aggregator may publish the second up to its publish interval
    # later than the first).
    deadline = time.time() + 60
    for park in ("TM", "JJ"):
        req = query_pb2.GetParkSnapshotRequest(park_id=park, period=PERIOD)
        while code_of(lambda: call(secure, "GetParkSnapshot", req, TOKENS["analyst"])) != \
                grpc.StatusCode.OK and time.time() < deadline:
            time.sleep(0.5)
    snap = call(secure, "GetParkSnapshot", req, TOKENS["analyst"]).snapshot
    # Nothing of the refused pushes reached Kafka: 11 enterprises in JJ, as pushed once.
    assert snap.month.output_reporters == 11
    assert code_of(lambda: call(secure, "GetParkSnapshot", req, TOKENS["jingjiang"])) == \
        grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: call(secure, "GetParkSnapshot", req, "nope")) == \
        grpc.StatusCode.UNAUTHENTICATED
    assert code_of(lambda: call(secure, "GetParkSnapshot", req)) == \
        grpc.StatusCode.UNAUTHENTICATED
    # A client certificate mapped to the department role is admitted.
    assert code_of(lambda: call(secure, "GetParkSnapshot", req, cert="ndrc-client")) == \
        grpc.StatusCode.OK
    # The audit log names caller, role, method and suppressed cells.
    audit = open(os.path.join(secure["stack"].workdir, "audit-query.jsonl")).read()
    assert '"caller":"bureau-jingjiang","role":"bureau","method":"GetParkSnapshot"' in audit
    assert '"caller":"ndrc-by-certificate","role":"department"' in audit


def test_department_sees_confidential_cell_marked_and_cannot_recover_it(secure):
    # 靖江 × 3811 has 2 enterprises: withheld from the department, and not derivable.
    req = query_pb2.GetParkSnapshotRequest(park_id="JJ", period=PERIOD)
    full = call(secure, "GetParkSnapshot", req, TOKENS["analyst"]).snapshot
    truth = {i.industry: i.year_to_date.gross_output.fen for i in full.industries}
    dept = call(secure, "GetParkSnapshot", req, TOKENS["dept"]).snapshot
    cells = {i.industry: i for i in dept.industries}
    assert cells["3811"].confidential and cells["3811"].confidential_reason == "threshold"
    assert cells["3811"].year_to_date.gross_output.fen == 0
    assert len(dept.firms) == 0 and len(full.firms) == 11
    # Gather every figure the department can get for 2024-12 and try to solve for it.
    known, equations = {}, []
    def publish(name, value, confidential):
        if not confidential:
            known[name] = value
    classes_of = {}
    for park in ("JJ", "TM"):
        s = call(secure, "GetParkSnapshot",
                 query_pb2.GetParkSnapshotRequest(park_id=park, period=PERIOD), TOKENS["dept"]).snapshot
        publish(f"{park}", s.year_to_date.gross_output.fen, s.confidential)
        inds = [i.industry for i in s.industries]
        classes_of[park] = inds
        for i in s.industries:
            publish(f"{park}x{i.industry}", i.year_to_date.gross_output.fen, i.confidential)
        equations.append((f"{park}", [f"{park}x{i}" for i in inds]))
        m = call(secure, "GetParkMetrics",
                 query_pb2.GetParkMetricsRequest(park_id=park, period=PERIOD), TOKENS["dept"]).metrics
        assert len(m.leading_firms) == 0 and not m.HasField("firm_cr1")
        for im in m.industry_metrics:
            if im.confidential:
                assert im.ytd_output.fen == 0 and not im.HasField("lq")
    parks_of = {"": ["JJ", "TM"], "320000": ["JJ"], "321200": ["JJ"], "321282": ["JJ"],
                "220000": ["TM"], "222400": ["TM"], "222402": ["TM"]}
    for code, parks in parks_of.items():
        r = call(secure, "GetRegionSnapshot",
                 query_pb2.GetRegionSnapshotRequest(region_code=code, period=PERIOD),
                 TOKENS["dept"])
        if r.HasField("year_to_date"):
            known[f"R{code}"] = r.year_to_date.gross_output.fen
            equations.append((f"R{code}", list(parks)))
        for i in r.industries:
            if not i.confidential:
                known[f"R{code}x{i.industry}"] = i.year_to_date.gross_output.fen
                equations.append((f"R{code}x{i.industry}", [f"{p}x{i.industry}" for p in parks
                                                            if f"{p}x{i.industry}" in
                                                            {f"{q}x{j}" for q in parks
                                                             for j in truth} | set(known)]))
        # The same region at the division level: a division is the sum of its classes in
        # the region's parks, and is withheld where one of them is (38 holds JJ's 3811).
        r = call(secure, "GetRegionSnapshot",
                 query_pb2.GetRegionSnapshotRequest(region_code=code, period=PERIOD,
                                                    level=query_pb2.INDUSTRY_LEVEL_DIVISION),
                 TOKENS["dept"])
        divisions = {i.industry: i for i in r.industries}
        if "JJ" in parks:
            assert divisions["38"].confidential
            assert not divisions["38"].HasField("year_to_date")
        for div, i in divisions.items():
            if not i.confidential:
                known[f"R{code}d{div}"] = i.year_to_date.gross_output.fen
                equations.append((f"R{code}d{div}", [f"{p}x{c}" for p in parks
                                                     for c in classes_of[p] if c[:2] == div]))
    rank = call(secure, "RankParks", query_pb2.RankParksRequest(metric="output_ytd",
                                                                 period=PERIOD), TOKENS["dept"])
    for p in rank.parks:
        if not p.confidential:
            known.setdefault(p.park_id, round(p.value * 100))
    # Single-unknown elimination over every equation total = sum(parts).
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            names = [total] + parts
            unknown = [n for n in names if n not in known]
            if len(unknown) != 1:
                continue
            u = unknown[0]
            if u == total:
                known[u] = sum(known[p] for p in parts)
            else:
                known[u] = known[total] - sum(known[p] for p in parts if p != u)
            changed = True
    assert "JJx3811" not in known, "the confidential cell was recovered"
    assert truth["3811"] == 700 * 10**6 + 710 * 10**6  # the cell really holds 2 enterprises


def test_a_cell_withheld_earlier_in_the_year_stays_withheld(secure):
    """靖江 × 3811 has 2 enterprises in 1-2月 2025 (withheld: threshold) and 3 in March,
    when it would pass the rules on its own. Were it published in March, March's year to
    date minus March's month would give the withheld 1-2月 figure; it stays withheld for the
    rest of the year (reason "carried"), and the department can derive neither."""
    d, ctl = secure["dir"], secure["ctl"]
    third = uscc("321282", 99)
    with open(f"{d}/ent-2025.csv", "w") as f:
        f.write(f"uscc,name,park_id,industry,above_size\n{third},企业99,JJ,3811,1\n")
    ctl(TOKENS["admin"], "registry", f"{d}/ent-2025.csv")
    ents = [line.split(",") for line in open(f"{d}/enterprises.csv").read().splitlines()[1:]]
    rows = ["uscc,industry,period,basis,unit,gross_output"]
    for i, (u, _, _, industry, _) in enumerate(ents):
        rows.append(f"{u},{industry},2025-01/02,ytd,万元,{100 + 7 * i}")
        rows.append(f"{u},{industry},2025-03,ytd,万元,{150 + 7 * i}")
    rows.append(f"{third},3811,2025-03,ytd,万元,180")
    with open(f"{d}/y2025.csv", "w") as f:
        f.write("\n".join(rows) + "\n")
    ctl(TOKENS["admin"], "push", f"{d}/y2025.csv")
    jan_feb = types_pb2.Period(year=2025, month=2, jan_feb=True)
    march = types_pb2.Period(year=2025, month=3)

    def snapshot(token, period):
        return call(secure, "GetParkSnapshot",
                    query_pb2.GetParkSnapshotRequest(park_id="JJ", period=period), token).snapshot
    deadline = time.time() + 60
    while True:
        try:
            full = snapshot(TOKENS["analyst"], march)
            if sum(1 for f in full.firms if f.industry == "3811") == 3:
                break
        except grpc.RpcError:
            pass
        assert time.time() < deadline, "March 2025 of JJ never arrived"
        time.sleep(0.3)
    cell = {i.industry: i for i in full.industries}["3811"]
    assert not cell.confidential and cell.year_to_date.gross_output.fen > 0  # analysts see it
    before = {i.industry: i for i in snapshot(TOKENS["dept"], jan_feb).industries}["3811"]
    assert before.confidential and before.confidential_reason == "threshold"
    after = {i.industry: i for i in snapshot(TOKENS["dept"], march).industries}["3811"]
    assert after.confidential and after.confidential_reason == "carried", after
    assert not after.HasField("year_to_date") and not after.HasField("month"), after
    # Nor through the region: 靖江's county, March, 3811 withheld too.
    r = call(secure, "GetRegionSnapshot",
             query_pb2.GetRegionSnapshotRequest(region_code="321282", period=march),
             TOKENS["dept"])
    region_cell = {i.industry: i for i in r.industries}["3811"]
    assert region_cell.confidential and not region_cell.HasField("year_to_date"), region_cell


def test_python_client_package_over_tls(secure, pyclient_python, tmp_path):
    # The installed clusterwatch package (clients/python) with each way of connecting: TLS with
    # a token (CA as a path or as bytes), mutual TLS with a certificate, and the refusals as
    # its exceptions. Runs after test_roles_and_status_codes (which stored JJ's reports) and
    # before the credentials are reloaded.
    want = call(secure, "GetParkSnapshot", query_pb2.GetParkSnapshotRequest(
        park_id="JJ", period=PERIOD), TOKENS["analyst"]).snapshot.month.output_reporters
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run([pyclient_python, os.path.join(here, "pyclient_tls_probe.py"),
                        secure["stack"].address("query"), secure["ca"], "2024-12", "JJ",
                        TOKENS["analyst"], TOKENS["jingjiang"]],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {
        "token": f"ok {want}", "pem_bytes": f"ok {want}", "wrong_token": "Unauthenticated",
        "no_token": "Unauthenticated", "bureau": "PermissionDenied",
        "client_cert": f"ok {want}",
        "token_without_tls": "ValueError"}


def test_clusterctl_refuses_unusable_tls_files(secure):
    # An unreadable CA would have meant "trust the public roots"; a certificate without
    # its key a silent drop: both end clusterctl with exit status 2 (usage: the flags name
    # files that cannot be used) before any call.
    stack, ca = secure["stack"], secure["ca"]
    r = stack.ctl("parks", "--tls_ca=/nonexistent/ca.pem", f"--token={TOKENS['analyst']}",
                  check=False)
    assert r.returncode == 2
    assert "--tls_ca=/nonexistent/ca.pem: cannot read the file" in r.stderr
    assert "usage: clusterctl " in r.stderr
    r = stack.ctl("parks", f"--tls_ca={ca}/ca.pem", f"--tls_cert={ca}/client-ndrc-client.pem",
                  check=False)
    assert r.returncode == 2
    assert "only --tls_cert was given" in r.stderr


def test_certificate_identified_by_san_and_credentials_reload_on_sighup(secure):
    # The client certificate's SAN identified it (make-test-ca.sh gives it DNS:ndrc-client).
    req = query_pb2.ListParksRequest()
    assert code_of(lambda: call(secure, "ListParks", req, cert="ndrc-client")) == \
        grpc.StatusCode.OK
    audit = open(os.path.join(secure["stack"].workdir, "audit-query.jsonl")).read()
    assert '"caller":"ndrc-by-certificate","role":"department"' in audit
    assert '"via":"san"' in audit
    # Revoke the analyst token and add a new one; SIGHUP; calls on a connection opened
    # before the reload keep working and see the new set.
    creds = secure["creds"]
    original = open(creds).read()
    new_token = "tok-analyst-2"
    revoked = "".join(line for line in original.splitlines(keepends=True)
                      if sha(TOKENS["analyst"]) not in line)
    query = secure["stack"].services["query"]
    with channel(secure) as ch:
        stub = query_pb2_grpc.QueryServiceStub(ch)

        def code(token):
            try:
                stub.ListParks(req, metadata=[("authorization", f"Bearer {token}")], timeout=20)
            except grpc.RpcError as e:
                return e.code()
            return grpc.StatusCode.OK

        assert code(TOKENS["analyst"]) == grpc.StatusCode.OK
        assert code(new_token) == grpc.StatusCode.UNAUTHENTICATED
        try:
            with open(creds, "w") as f:
                f.write(revoked + f"token {sha(new_token)} analyst - stats-analyst-2\n")
            query.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 20
            while code(new_token) != grpc.StatusCode.OK and time.time() < deadline:
                time.sleep(0.2)
            assert code(new_token) == grpc.StatusCode.OK
            assert code(TOKENS["analyst"]) == grpc.StatusCode.UNAUTHENTICATED
            assert query.proc.poll() is None  # still serving
            assert query.metric('cw_credentials_reloads_total{result="ok"}') == 1
            # A broken file is refused; the set in force stays.
            with open(creds, "w") as f:
                f.write(revoked + revoked)
            query.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 20
            while query.metric('cw_credentials_reloads_total{result="error"}') != 1 \
                    and time.time() < deadline:
                time.sleep(0.2)
            assert query.metric('cw_credentials_reloads_total{result="error"}') == 1
            assert code(new_token) == grpc.StatusCode.OK
        finally:
            with open(creds, "w") as f:
                f.write(original)
            query.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 20
            while code(TOKENS["analyst"]) != grpc.StatusCode.OK and time.time() < deadline:
                time.sleep(0.2)
        assert code(TOKENS["analyst"]) == grpc.StatusCode.OK



def test_server_certificate_rotates_without_restart(secure):
    # cw-query re-reads its certificate, key and client CA every second
    # (--tls_reload_interval_s=1): after the Secret-like symlink moves to a new CA's files,
    # new connections get the new certificate and client certificates of the new CA are
    # verified, while a connection opened before keeps working; the process is the same.
    work, live, old_ca = secure["work"], secure["live"], secure["ca"]
    new_ca = os.path.join(work, "ca-rotated")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-ca.sh"), new_ca, "ndrc-client"],
                   check=True, capture_output=True)
    query = secure["stack"].services["query"]
    pid = query.proc.pid
    req = query_pb2.ListParksRequest()
    md = [("authorization", f"Bearer {TOKENS['analyst']}")]

    def point_to(target):
        tmp = live + ".new"
        os.symlink(target, tmp)
        os.replace(tmp, live)  # rename(2): atomic

    def code(ca_dir, cert=None):
        with channel(secure, cert=cert, ca_dir=ca_dir) as ch:
            return code_of(lambda: query_pb2_grpc.QueryServiceStub(ch).ListParks(
                req, metadata=[] if cert else md, timeout=5))

    def wait_for(ca_dir):
        deadline = time.time() + 30
        while code(ca_dir) != grpc.StatusCode.OK:
            assert time.time() < deadline, f"the server never presented {ca_dir}'s certificate"
            time.sleep(0.3)

    assert code(old_ca) == grpc.StatusCode.OK
    assert code(new_ca) == grpc.StatusCode.UNAVAILABLE  # not signed by the new CA yet
    before = channel(secure)
    stub = query_pb2_grpc.QueryServiceStub(before)
    try:
        first = stub.ListParks(req, metadata=md, timeout=5)
        try:
            point_to(new_ca)
            wait_for(new_ca)
            assert code(old_ca) == grpc.StatusCode.UNAVAILABLE
            # The client CA rotated with it: the new CA's client certificate is identified.
            assert code(new_ca, cert="ndrc-client") == grpc.StatusCode.OK
            assert code(old_ca, cert="ndrc-client") == grpc.StatusCode.UNAVAILABLE
            # The connection made before the rotation was not dropped.
            assert stub.ListParks(req, metadata=md, timeout=5) == first
            # A torn pair (the old certificate with the new key) serves nobody: gRPC cannot
            # build a handshaker from it, so new connections fail (closed, never without
            # TLS) until a matching pair is back; the open connection is unaffected.
            torn = os.path.join(work, "tls-torn")
            os.makedirs(torn)
            for name, source in (("server.pem", old_ca), ("server-key.pem", new_ca),
                                 ("ca.pem", new_ca)):
                with open(os.path.join(source, name), "rb") as f, \
                        open(os.path.join(torn, name), "wb") as g:
                    g.write(f.read())
            point_to(torn)
            deadline = time.time() + 30
            while code(new_ca) == grpc.StatusCode.OK:
                assert time.time() < deadline, "the torn pair was never read"
                time.sleep(0.3)
            assert code(new_ca) == grpc.StatusCode.UNAVAILABLE
            assert code(old_ca) == grpc.StatusCode.UNAVAILABLE
            assert stub.ListParks(req, metadata=md, timeout=5) == first
        finally:
            point_to(old_ca)
        wait_for(old_ca)
        assert query.proc.poll() is None and query.proc.pid == pid  # never restarted
    finally:
        before.close()
