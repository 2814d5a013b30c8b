"""System test of the all-in-one trial mode: cw-allinone runs ingest, aggregator and query in
one process on librdkafka's mock cluster; the sample pushed through it must equal the
independent ground truth, and SIGTERM must stop it cleanly."""
import os
import signal
import subprocess

import cwclient
import ground_truth
from harness import BUILD, free_port, push_exit_code, wait_port


def test_allinone_matches_ground_truth_and_stops_on_sigterm(tmp_path):
    # The embedded mode answers the same totals as the full deployment.
    ip, qp, mp = free_port(), free_port(), free_port()
    log = open(tmp_path / "allinone.log", "wb")
    proc = subprocess.Popen([os.path.join(BUILD, "allinone", "cw-allinone"),
                             f"--ingest_listen=127.0.0.1:{ip}", f"--query_listen=127.0.0.1:{qp}",
                             f"--metrics_address=127.0.0.1:{mp}",
                             f"--state_dir={tmp_path / 'state'}", "--plaintext",
                             "--allow_unauthenticated", "--rate_limit_rps=0"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(ip)
        wait_port(qp)
        ctl = [os.path.join(BUILD, "cli", "clusterctl"), f"--ingest=127.0.0.1:{ip}",
               f"--query=127.0.0.1:{qp}"]
        sample = str(tmp_path / "sample")
        subprocess.run(ctl + ["gen-sample", f"--out={sample}", "--seed=11"], check=True,
                       capture_output=True)
        subprocess.run(ctl + ["registry", f"{sample}/registry/parks.csv",
                              f"{sample}/registry/enterprises.csv"], check=True,
                       capture_output=True)
        reports = sorted(os.listdir(f"{sample}/reports"))
        for name in reports:
            if name.endswith(".csv"):
                r = subprocess.run(ctl + ["push", f"{sample}/reports/{name}"],
                                   capture_output=True, text=True)
                assert r.returncode == push_exit_code(r.stdout), (r.returncode, r.stderr)
        truth = ground_truth.compute(sample)
        assert cwclient.wait_equal(cwclient.Client(f"127.0.0.1:{qp}"), truth, 90) == []
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
