"""The installed `clusterwatch` package against a TLS query service: what each way of
connecting gets, as JSON ({case: "ok <figure>" or the exception's class name}). Run with the
package's venv Python: python pyclient_tls_probe.py ADDRESS CA_DIR PERIOD PARK GOOD BUREAU"""
import json
import sys

import clusterwatch
from clusterwatch import Client


def outcome(fn):
    try:
        return f"ok {fn()}"
    except clusterwatch.ClusterwatchError as e:
        return type(e).__name__
    except ValueError:
        return "ValueError"


def main(address, ca_dir, period, park, good, bureau):
    ca = f"{ca_dir}/ca.pem"

    def report(**kw):
        with Client(address, timeout=20, **kw) as cw:
            return cw.park_report(park, period).month.output_reporters

    out = {
        "token": outcome(lambda: report(ca_cert=ca, token=good)),
        "pem_bytes": outcome(lambda: report(ca_cert=open(ca, "rb").read(), token=good)),
        "wrong_token": outcome(lambda: report(ca_cert=ca, token="nope")),
        "no_token": outcome(lambda: report(ca_cert=ca)),
        "bureau": outcome(lambda: report(ca_cert=ca, token=bureau)),
        "client_cert": outcome(lambda: report(
            ca_cert=ca, client_cert=f"{ca_dir}/client-ndrc-client.pem",
            client_key=f"{ca_dir}/client-ndrc-client-key.pem")),
        "token_without_tls": outcome(lambda: report(token=good)),
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
