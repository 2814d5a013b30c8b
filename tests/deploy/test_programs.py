"""The programs describe and check themselves: --version, --help listing the program's own
flags, and --check_flags (parse the flags, validate the configuration, exit 0 or 2), which the
deployment tests use on every command line in deploy/. Also the systemd units: their ExecStart
lines, expanded as systemd would from clusterwatch.env and the unit's directories, pass the
binaries' own --check_flags with the test secrets in place. Uses the binaries of $CW_BUILD_DIR."""
import os
import re
import shlex
import shutil
import socket
import subprocess

import pytest

from podman import ROOT, Secrets, env_file, exec_start

BUILD = os.environ.get("CW_BUILD_DIR", os.path.join(ROOT, "build"))
PROGRAMS = {  # program: (binary, a flag of its own, a flag it gets from shared code)
    "cw-ingest": ("ingest/cw-ingest", "max_records_per_push", "tls_cert"),
    "cw-aggregator": ("aggregator/cw-aggregator", "state_dir", "check_flags"),
    "cw-query": ("query/cw-query", "answer_cache_mb", "credentials"),
    "cw-alerter": ("alerter/cw-alerter", "rules", "check_flags"),
    "cw-allinone": ("allinone/cw-allinone", "ingest_listen", "tls_cert"),
    "clusterctl": ("cli/clusterctl", "submission_id", "check_flags"),
}


def exe(program):
    return os.path.join(BUILD, PROGRAMS[program][0])


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_version(program):
    r = run([exe(program), "--version"])
    assert r.returncode == 0, r.stderr
    assert re.match(rf"^{program} \d+\.\d+\.\d+ \(commit [\w.+-]+\)$", r.stdout.strip()), r.stdout


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_help_lists_the_programs_own_flags(program):
    _, own, shared = PROGRAMS[program]
    r = run([exe(program), "--help"])
    text = r.stdout + r.stderr
    assert f"--{own} " in text and f"--{shared} " in text, text
    assert "--flagfile" not in text, "Abseil's built-in flags belong in --helpfull only"


def test_check_flags_accepts_a_valid_configuration_and_starts_nothing(tmp_path):
    s = Secrets(str(tmp_path / "s"), [])
    r = run([exe("cw-ingest"), "--check_flags", "--brokers=192.0.2.1:9092",
             f"--tls_cert={s.path('server.pem')}", f"--tls_key={s.path('server-key.pem')}",
             f"--credentials={s.path('credentials')}", "--listen=127.0.0.1:1"])
    assert r.returncode == 0, r.stderr
    assert "flags and configuration OK" in r.stderr


@pytest.mark.parametrize("argv,complaint", [
    (["cw-ingest"], "TLS"),                                    # neither TLS nor --plaintext
    (["cw-query", "--plaintext", "--credentials=/nonexistent"], "nonexistent"),
    (["cw-alerter", "--rules=/nonexistent.yaml"], "nonexistent"),
    (["cw-aggregator", "--kafka_config=novalue"], "kafka_config"),
])
def test_check_flags_refuses_an_invalid_configuration_with_2(argv, complaint):
    r = run([exe(argv[0]), *argv[1:], "--check_flags"])
    assert r.returncode == 2, r.stderr
    assert complaint.lower() in r.stderr.lower(), r.stderr


@pytest.mark.parametrize("unit", sorted(n for n in os.listdir(os.path.join(ROOT, "deploy", "systemd"))
                                        if n.endswith(".service")))
def test_systemd_exec_start_passes_the_programs_flag_check(unit, tmp_path):
    # ExecStart expanded as systemd does: ${VAR} from clusterwatch.env, %H the host name,
    # ${STATE_DIRECTORY}/${CACHE_DIRECTORY}/${CREDENTIALS_DIRECTORY} directories of the unit
    # (here: scratch ones, the credentials being the test CA's). /etc/clusterwatch/ paths
    # in the env file point at a scratch copy of what the operator installs there.
    etc = tmp_path / "etc"
    s = Secrets(str(tmp_path / "creds-src"), [])
    creds = tmp_path / "credentials"
    creds.mkdir()
    shutil.copy(s.path("server.pem"), creds / "tls-cert")
    shutil.copy(s.path("server-key.pem"), creds / "tls-key")
    shutil.copy(s.path("credentials"), creds / "credentials")
    shutil.copy(s.path("metrics-auth"), creds / "metrics-auth")
    shutil.copy(s.kafka_properties(unit[:-len(".service")]), creds / "kafka")
    etc.mkdir()
    shutil.copy(os.path.join(ROOT, "deploy", "metrics.conf"), etc / "metrics.conf")
    shutil.copy(os.path.join(ROOT, "deploy", "alert-rules.yaml"), etc / "alert-rules.yaml")
    env = {k: v.replace("/etc/clusterwatch/", f"{etc}/")
           for k, v in env_file(os.path.join(ROOT, "deploy", "systemd", "clusterwatch.env")).items()}
    env.update(STATE_DIRECTORY=str(tmp_path / "state"), CACHE_DIRECTORY=str(tmp_path / "cache"),
               CREDENTIALS_DIRECTORY=str(creds))
    line = exec_start(os.path.join(ROOT, "deploy", "systemd", unit)).replace("%H", socket.gethostname())
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line)
    argv = shlex.split(line)
    program = os.path.basename(argv[0])
    r = run([exe(program), *argv[1:], "--check_flags"])
    assert r.returncode == 0, f"{line}\n{r.stderr}"

