#!/usr/bin/env python3
"""Helpers for bench/run.sh (standard library only).

  bench_util.py drain METRICS_URL EXPECTED OUT.json [TIMEOUT_S [PID]]
      Polls cw-aggregator's /metrics until it has drained EXPECTED report messages (v2_drained:
      all consumed, contributions included, and committed); writes the drain rate measured from the first record seen to the last, and
      with PID the aggregator's CPU time over the same span (from /proc).
  bench_util.py wait-query METRICS_URL [TIMEOUT_S]
      Waits until cw-query has materialized records and the count has stopped changing.
  bench_util.py ghz-data PARKS_CSV YEAR OUT.json
      Writes ghz's request list: every park x (1-2月, March..December) of YEAR.
  bench_util.py ghz-merge RAW_DIR LABEL RATE
      Merges the slices ghz-LABEL-RATE-N.json into one summary ghz-LABEL-RATE.json.
  bench_util.py sum-ingest INGEST.json
      Prints the number of records ingest accepted over all ingest-mode runs.
  bench_util.py report RAW_DIR OUT.md
      Turns the raw results of one run into the markdown report (figures, baselines, ratios).
"""
import csv
import glob
import json
import os
import re
import sys
import time
import urllib.request


def metrics_text(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def metrics(url, text=None):
    text = metrics_text(url) if text is None else text
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


def total(m, prefix):
    return sum(v for k, v in m.items() if k.startswith(prefix))


_LABEL = re.compile(r'(\w+)="([^"]*)"')


def v2_state(text):
    """What the two-stage cw-aggregator's /metrics text (aggregator/enterprise_stage.cc,
    park_stage.cc, stage_runner.cc) says about a drain: done = cw_aggregator_records_total over
    all outcomes, outcomes, lag per topic label (reports, contributions), open transaction
    messages, committed transactions and commit seconds per stage, contributions produced
    (None before the enterprise stage registered it) and consumed (all outcomes), snapshots."""
    out = {"done": 0.0, "outcomes": {}, "lag": {}, "open": {}, "transactions": {},
           "abandoned": {}, "commit_s": {}, "contributions_produced": None, "produced": {},
           "contributions_consumed": 0.0, "snapshots": 0.0}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        try:
            v = float(value)
        except ValueError:
            continue
        metric = name.split("{", 1)[0]
        labels = dict(_LABEL.findall(name))
        if metric == "cw_aggregator_records_total":
            out["outcomes"][labels.get("outcome", "")] = v
            out["done"] += v
        elif metric == "cw_kafka_consumer_lag":
            out["lag"][labels.get("topic", "")] = v
        elif metric == "cw_aggregator_open_transaction_messages":
            out["open"][labels.get("stage", "")] = v
        elif metric == "cw_aggregator_transactions_total":
            key = "transactions" if labels.get("outcome") == "committed" else "abandoned"
            out[key][labels.get("stage", "")] = v
        elif metric == "cw_aggregator_records_produced_total":
            out["produced"][labels.get("stage", "")] = v
        elif metric == "cw_aggregator_commit_seconds_sum":
            out["commit_s"][labels.get("stage", "")] = v
        elif metric == "cw_aggregator_contributions_produced_total":
            out["contributions_produced"] = v
        elif metric == "cw_aggregator_contributions_total":
            out["contributions_consumed"] += v
        elif metric == "cw_aggregator_snapshots_published_total":
            out["snapshots"] = v
    return out


def v2_drained(states, expected):
    """Whether instances (v2_state of each, every one running both stages) have drained
    `expected` report messages: records over all outcomes >= expected, the park stages
    consumed every contribution the enterprise stages produced, and on every instance the lag
    of both topics and the open transaction of both stages are 0 (so all that was consumed is
    committed, contributions and snapshots included)."""
    if sum(s["done"] for s in states) < expected:
        return False
    if any(s["contributions_produced"] is None for s in states):
        return False
    # cw_aggregator_contributions_produced_total counts at Apply, before the commit: after an
    # abandoned transaction (a rebalance) it also counts contributions that were aborted and
    # produced again, which no park stage ever reads. Records produced in committed
    # transactions by the enterprise stage, less its dead letters (at most one per poison
    # record), bound the committed contributions from below; the smaller bound is used.
    produced = sum(min(s["contributions_produced"],
                       s["produced"].get("enterprise", 0) - s["outcomes"].get("poison", 0))
                   if "enterprise" in s["produced"] else s["contributions_produced"]
                   for s in states)
    if sum(s["contributions_consumed"] for s in states) < produced:
        return False
    return all(s["lag"].get("reports") == 0 and s["lag"].get("contributions") == 0
               and s["open"].get("enterprise") == 0 and s["open"].get("park") == 0
               for s in states)


def proc_cpu(pid):
    """User + system CPU seconds of /proc/PID/stat: a process (all its threads), or a thread
    given as "PID/task/TID". Raises OSError when it is gone."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid):
    """proc_cpu of a process; None when unknown."""
    try:
        return proc_cpu(int(pid))
    except (OSError, ValueError, IndexError):
        return None


def hwm_mib(pid):
    """Peak resident memory (VmHWM) of a process in MiB; 0 when not reported."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def machine_busy():
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat; the busy share over an
    interval is the ratio of the two differences."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def du_mib(path):
    """Bytes of the files below `path`, in MiB (files vanishing meanwhile are skipped)."""
    total_bytes = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total_bytes += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total_bytes / 2**20


def transactions_text(drain):
    """'N transactions (enterprise E, park P; commit s ...)' of a drain result; older results
    (the first, single-stage aggregator) had batches instead."""
    if "transactions" not in drain:
        return f"{int(drain.get('batches', 0))} batches"
    t, cs = drain["transactions"], drain.get("commit_seconds", {})
    ab = sum(drain.get("abandoned", {}).values())
    return (f"{int(sum(t.values()))} committed transactions (enterprise {int(t.get('enterprise', 0))}, "
            f"park {int(t.get('park', 0))}; {sum(cs.values()):.2f} s committing"
            + (f"; {int(ab)} abandoned" if ab else "") + f"), {int(drain.get('contributions', 0))} contributions")


def cmd_drain(url, expected, out, timeout=300, pid=0):
    expected, timeout = int(expected), float(timeout)
    start = time.time()
    first_t = first_c = first_cpu = None
    drained = False
    samples = []
    last = 0
    while time.time() - start < timeout:
        try:
            st = v2_state(metrics_text(url))
        except OSError:
            time.sleep(0.2)
            continue
        now = time.time()
        c = st["done"]
        samples.append((round(now - start, 3), c))
        if c > 0 and first_t is None:
            first_t, first_c, first_cpu = now, c, proc_cpu_seconds(pid)
        last = c
        if v2_drained([st], expected):
            drained = True
            break
        time.sleep(0.2)
    done_t = time.time()
    done_cpu = proc_cpu_seconds(pid)
    text = metrics_text(url)
    m, st = metrics(url, text), v2_state(text)
    res = {
        "expected": expected,
        "consumed": last,
        "complete": drained,
        "seconds": (done_t - first_t) if first_t else 0,
        "records_per_s": ((last - first_c) / (done_t - first_t)) if first_t and done_t > first_t else 0,
        # Two stages in Kafka transactions: committed transactions and the seconds spent
        # committing them (Kafka, then the store), per stage.
        "transactions": st["transactions"],
        "abandoned": st["abandoned"],
        "commit_seconds": st["commit_s"],
        "contributions": st["contributions_produced"] or 0,
        "cpu_seconds": (done_cpu - first_cpu) if done_cpu is not None and first_cpu is not None else None,
        "applied": m.get('cw_aggregator_records_total{outcome="applied"}', 0),
        "duplicates": m.get('cw_aggregator_records_total{outcome="duplicate"}', 0),
        "stale": m.get('cw_aggregator_records_total{outcome="stale"}', 0),
        "snapshots": m.get("cw_aggregator_snapshots_published_total", 0),
        "samples": samples[:: max(1, len(samples) // 40)],
    }
    if res["cpu_seconds"]:
        res["cpu_us_per_record"] = res["cpu_seconds"] * 1e6 / max(1, last - first_c)
    with open(out, "w") as f:
        json.dump(res, f)
    print(f"aggregator drained {int(last)}/{expected} records in {res['seconds']:.2f} s: "
          f"{res['records_per_s']:.0f} rec/s ({transactions_text(res)})"
          + ("" if drained else "; NOT drained (timeout)"))
    return 0 if res["complete"] else 1


def cmd_wait_query(url, timeout=120):
    # cw_kafka_consumer_lag of a compacted topic need not reach 0, so "caught up" here is:
    # records materialized and that count unchanged over three polls (1.5 s).
    start, same, prev = time.time(), 0, -1
    while time.time() - start < float(timeout):
        try:
            m = metrics(url)
        except OSError:
            time.sleep(0.3)
            continue
        n = m.get("cw_query_materialized_records", 0)
        same = same + 1 if n > 0 and n == prev else 0
        prev = n
        if same >= 3:
            print(f"query caught up: {int(n)} records materialized, lag metric "
                  f"{int(total(m, 'cw_kafka_consumer_lag'))}")
            return 0
        time.sleep(0.5)
    print("query did not catch up", file=sys.stderr)
    return 1


def cmd_ghz_data(parks_csv, year, out):
    with open(parks_csv, encoding="utf-8-sig") as f:
        parks = [r["park_id"] for r in csv.DictReader(f)]
    reqs = []
    for p in parks:
        reqs.append({"park_id": p, "period": {"year": int(year), "month": 2, "jan_feb": True}})
        reqs += [{"park_id": p, "period": {"year": int(year), "month": m}} for m in range(3, 13)]
    with open(out, "w") as f:
        json.dump(reqs, f)
    print(",".join(parks))
    return 0


def json_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def cmd_sum_ingest(path):
    print(sum(r["records"] for r in json_lines(path) if r.get("mode") == "ingest"))
    return 0


# ---------------------------------------------------------------- report

def gbench(path):
    """Google Benchmark JSON -> {name: median-or-only run}."""
    if not os.path.exists(path):
        return {}, {}
    with open(path) as f:
        d = json.load(f)
    runs, medians = {}, {}
    for b in d["benchmarks"]:
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[b["run_name"]] = b
        else:
            runs.setdefault(b["run_name"], []).append(b)
    out = {}
    for name, rs in runs.items():
        out[name] = medians.get(name, rs[0])
        out[name]["_reps"] = [r.get("items_per_second", 0) for r in rs]
    return out, d.get("context", {})


def fmt(x, digits=0):
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    return f"{x:,.{digits}f}"


def ratio(a, b):
    return f"{a / b:.3f}" if a and b else "–"


def ghz_summary(path):
    """A merged ghz summary (written by ghz-merge), or one raw ghz JSON report."""
    with open(path) as f:
        d = json.load(f)
    if "qps" in d:
        return d
    return merge_ghz([d])


def merge_ghz(reports):
    lat, ok, errors, seconds, kinds = [], 0, 0, 0.0, []
    for d in reports:
        lat += [x["latency"] / 1e6 for x in d.get("details", []) if x.get("status") == "OK"]
        codes = d.get("statusCodeDistribution", {})
        ok += codes.get("OK", 0)
        errors += sum(v for k, v in codes.items() if k != "OK")
        seconds += d.get("total", 0) / 1e9
        kinds += [k for k in (d.get("errorDistribution") or {}) if k not in kinds]
    lat.sort()

    def pct(p):
        if not lat:
            return None
        k = max(1, min(len(lat), int(p / 100 * len(lat) + 0.999999)))
        return lat[k - 1]
    return {"qps": ok / seconds if seconds else 0, "p50_ms": pct(50), "p99_ms": pct(99),
            "p999_ms": pct(99.9), "max_ms": pct(100), "ok": ok, "errors": errors,
            "seconds": seconds, "slices": len(reports), "error_kinds": kinds[:3]}


def cmd_ghz_merge(raw, label, rate):
    """Merges ghz-LABEL-RATE-*.json (one per slice) into ghz-LABEL-RATE.json; drops the slices
    (ghz's per-request details are large)."""
    parts = sorted(glob.glob(f"{raw}/ghz-{label}-{rate}-*.json"))
    reports = []
    for p in parts:
        try:
            with open(p) as f:
                reports.append(json.load(f))
        except ValueError:
            pass
    if not reports:
        return 1
    with open(f"{raw}/ghz-{label}-{rate}.json", "w") as f:
        json.dump(merge_ghz(reports), f)
    for p in parts:
        os.remove(p)
    return 0


def cmd_report(raw, out_md):
    L = []
    sysinfo = {}
    if os.path.exists(f"{raw}/system.txt"):
        for line in open(f"{raw}/system.txt"):
            k, _, v = line.rstrip("\n").partition("=")
            sysinfo[k] = v
    L.append(f"# clusterwatch benchmark results, {sysinfo.get('date', '?')}\n")
    L.append("Produced by `bench/run.sh` (see docs/performance.md). Every figure is measured "
             "beside its baseline in the same run; read the **ratios**, the machine is shared "
             "and noisy.\n")
    L.append("| machine | |\n|---|---|")
    for k in ("cpu", "nproc", "memory", "kernel", "load_start", "load_end", "wall_seconds",
              "ghz", "sample", "security", "query_audit_lines"):
        if k in sysinfo:
            L.append(f"| {k} | {sysinfo[k]} |")
    L.append("")

    # Aggregator core.
    agg, ctx = gbench(f"{raw}/aggregator_bench.json")
    if agg:
        L.append("## Aggregator core: `aggregator_bench` (Aggregator::ProcessBatch)\n")
        L.append(f"Workload: {ctx.get('workload', '?')}. One run = one whole year from an empty "
                 "store; median of the repetitions (each repetition listed). reports/s is per "
                 "CPU-second of the whole process (all threads); wall ms per batch beside it.\n")
        L.append("| benchmark | batch | reports/s per CPU-s (median) | repetitions | CPU ms per batch | wall ms per batch | ratio to raw decode+sum |")
        L.append("|---|---|---|---|---|---|---|")
        for batch in (1000, 5000):
            raw_b = next((v for k, v in agg.items() if k.startswith(f"BM_RawDecodeSum/{batch}/")), None)
            for name in ("BM_RawDecodeSum", "BM_ProcessBatch/Memory", "BM_ProcessBatch/RocksDb"):
                b = next((v for k, v in agg.items() if k.startswith(f"{name}/{batch}/")), None)
                if not b:
                    continue
                ips = b.get("items_per_second", 0)
                reps = ", ".join(fmt(x) for x in b["_reps"])
                L.append(f"| {name} | {batch} | {fmt(ips)} | {reps} | {fmt(b.get('cpu_time'), 1)} | "
                         f"{fmt(b.get('real_time'), 1)} | "
                         f"{ratio(ips, raw_b.get('items_per_second') if raw_b else 0)} |")
        L.append("")

    dom, _ = gbench(f"{raw}/domain_bench.json")
    if dom:
        L.append("## Domain code: `domain_bench`\n")
        L.append("| benchmark | input | rows/s (median, CPU time) | ratio to split baseline |")
        L.append("|---|---|---|---|")
        labels = {"0": "output CSV", "1": "tax CSV (元, quoted thousands)", "2": "output CSV in GBK"}
        base = {k.split("/")[1]: v.get("items_per_second") for k, v in dom.items()
                if k.startswith("BM_SplitBaseline/")}
        order = ["BM_SplitBaseline", "BM_ParseCsv", "BM_ReportsFromCsv", "BM_ParseAndConvert",
                 "BM_DeriveYear"]
        for name, b in sorted(dom.items(), key=lambda kv: (kv[0].split("/")[1],
                                                            order.index(kv[0].split("/")[0]))
                              if kv[0].split("/")[0] != "BM_DeriveYear" else ("9", 0)):
            fn, _, arg = name.partition("/")
            arg = arg.split("/")[0]
            if fn == "BM_DeriveYear":
                L.append(f"| {fn} | 12 months, {'ytd' if arg == '1' else 'month'} basis | "
                         f"{fmt(b.get('items_per_second'))} periods/s | – |")
                continue
            r = "1 (baseline)" if fn == "BM_SplitBaseline" else ratio(b.get("items_per_second"), base.get(arg))
            L.append(f"| {fn} | {labels.get(arg, arg)} | {fmt(b.get('items_per_second'))} | {r} |")
        L.append("")

    ing = json_lines(f"{raw}/ingest.json")
    if ing:
        L.append("## Ingest: `ingest_load --mode=compare`\n")
        cmp_ = next((r for r in ing if r["mode"] == "compare"), {})
        L.append(f"{cmp_.get('streams', '?')} concurrent streams, {cmp_.get('push_records', '?')} "
                 "records per push; raw = the same envelopes produced with librdkafka as cw-ingest "
                 "configures it (acks=all, idempotent, linger.ms=5, lz4), queued at once; "
                 "raw_pushes = the same, cut into the same pushes from the same number of threads, "
                 "each waiting for its acknowledgements.\n")
        L.append("CPU µs/record: for ingest the cw-ingest process (gRPC server, validation, its "
                 "producer); for raw and raw_pushes the load tool's own process (librdkafka "
                 "included). The broker's CPU is in neither.\n")
        L.append("| run | mode | records | seconds | records/s | CPU µs/record | push p50 ms | push p99 ms | errors |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for i, r in enumerate(x for x in ing if x["mode"] != "compare"):
            lat = r["mode"] != "raw"
            cpu = r.get("cpu_us_per_record", -1)
            L.append(f"| {i + 1} | {r['mode']} | {r['records']} | {r['seconds']:.2f} | "
                     f"{fmt(r['records_per_s'])} | {fmt(cpu, 2) if cpu and cpu > 0 else '–'} | "
                     f"{fmt(r['push_p50_ms'], 2) if lat else '–'} | "
                     f"{fmt(r['push_p99_ms'], 2) if lat else '–'} | {r['errors']} |")
        if cmp_:
            L.append(f"\nMedians: raw {fmt(cmp_['raw_median'])}, ingest {fmt(cmp_['ingest_median'])}, "
                     f"raw_pushes {fmt(cmp_['raw_pushes_median'])} records/s. "
                     f"**ingest / raw = {cmp_['ratio_ingest_raw']:.3f}**, "
                     f"ingest / raw_pushes = {cmp_['ratio_ingest_raw_pushes']:.3f}.")
            if cmp_.get("cpu_us_ingest", -1) > 0:
                L.append(f"Median CPU per record: raw {cmp_['cpu_us_raw']:.2f} µs, ingest "
                         f"{cmp_['cpu_us_ingest']:.2f} µs, raw_pushes {cmp_['cpu_us_raw_pushes']:.2f} µs: "
                         f"**raw / ingest CPU efficiency = {cmp_['cpu_us_raw'] / cmp_['cpu_us_ingest']:.3f}**.")
            L.append("")

    drain = json.load(open(f"{raw}/drain.json")) if os.path.exists(f"{raw}/drain.json") else None
    cons = json_lines(f"{raw}/consume.json")
    if drain:
        L.append("## Aggregator service: draining the reports topic\n")
        L.append("cw-aggregator (RocksDB, default flags) started after ingest had written every "
                 "record; rate from the first to the last record counted in its metrics. "
                 "Baseline: `ingest_load --mode=consume`, a librdkafka consumer with the "
                 "aggregator's settings that only decodes and sums the same topic.\n")
        L.append("| what | records | seconds | records/s | ratio to consume ceiling | CPU µs/record | CPU ratio (ceiling / this) |")
        L.append("|---|---|---|---|---|---|---|")
        c = cons[0] if cons else None
        ccpu = c.get("cpu_us_per_record") if c else None
        acpu = drain.get("cpu_us_per_record")
        L.append(f"| cw-aggregator drain (wall) | {int(drain['consumed'])} | {drain['seconds']:.2f} | "
                 f"{fmt(drain['records_per_s'])} | {ratio(drain['records_per_s'], c['records_per_s'] if c else 0)} | "
                 f"{fmt(acpu, 2) if acpu else '–'} | {ratio(ccpu, acpu) if ccpu and ccpu > 0 and acpu else '–'} |")
        if c:
            L.append(f"| raw consume + decode + sum | {c['records']} | {c['seconds']:.2f} | "
                     f"{fmt(c['records_per_s'])} | 1 (baseline) | "
                     f"{fmt(ccpu, 2) if ccpu and ccpu > 0 else '–'} | 1 (baseline) |")
        L.append(f"\nOutcomes: {int(drain['applied'])} applied, {int(drain['duplicates'])} "
                 f"duplicates, {int(drain['stale'])} stale; {transactions_text(drain)}, "
                 f"{int(drain['snapshots'])} snapshots published.\n")

    ql = json_lines(f"{raw}/query_load.json")
    ghz = {}
    for p in sorted(glob.glob(f"{raw}/ghz-*.json")):
        m = re.match(r"ghz-([a-z]+)-(\d+)\.json$", os.path.basename(p))
        if m:
            try:
                ghz[(m.group(1), int(m.group(2)))] = ghz_summary(p)
            except (ValueError, KeyError):
                pass
    if ql or ghz:
        L.append("## Query: GetParkSnapshot under load\n")
        L.append("Targets: **query** = cw-query (RocksDB, materialized from the aggregator's "
                 "snapshots); **noop** = bench/noop_server, the same gRPC server set-up with "
                 "handlers that return an empty response (the framework ceiling); **canned** = "
                 "noop_server answering a stored copy of cw-query's real answer for the park "
                 "(same bytes, no lookup). Requests rotate over every park x 11 periods. The "
                 "targets are loaded in alternating slices (ghz: 2 per target, query_load: 4) "
                 "so bursts of other load hit them alike. At most 50 calls outstanding (ghz "
                 "-c 50; query_load --max_in_flight/--concurrency 50). Rate max = unbounded. "
                 "Latencies in ms.\n")
        rows = []
        for tool, data in (("ghz", {(k[0], k[1]): v for k, v in ghz.items()}),
                           ("query_load", {(r["label"], int(r["rate"])): r for r in ql})):
            for (label, rate), r in sorted(data.items(), key=lambda kv: (kv[0][1] == 0, kv[0][1], kv[0][0] != "query", kv[0][0])):
                base = data.get(("noop", rate))
                cpu = r.get("server_cpu_us_per_req", -1)
                bcpu = base.get("server_cpu_us_per_req", -1) if base else -1
                cpu_cols = (f"{fmt(cpu, 1)} | {ratio(bcpu, cpu) if label != 'noop' and bcpu > 0 else '–'}"
                            if cpu and cpu > 0 else "– | –")
                rows.append(f"| {tool} | {label} | {rate or 'max'} | {fmt(r['qps'])} | "
                            f"{fmt(r['p50_ms'], 3)} | {fmt(r['p99_ms'], 3)} | {fmt(r['p999_ms'], 3)} | "
                            f"{r['errors']} | {ratio(r['qps'], base['qps']) if base and label != 'noop' else '–'} | "
                            f"{ratio(r['p99_ms'], base['p99_ms']) if base and label != 'noop' else '–'} | "
                            f"{cpu_cols} |")
        L.append("Server CPU µs/request (query_load only): the target process's CPU time during its "
                 "slices, from /proc, per answered request; the ratio is noop's divided by the "
                 "target's (the share of the framework ceiling, measured in CPU).\n")
        L.append("| client | target | rate | achieved QPS | p50 | p99 | p99.9 | errors | QPS / noop | p99 / noop p99 | server CPU µs/req | CPU: noop / this |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        L += rows
        L.append("\n`errors` under ghz are mostly calls still in flight when its duration ends "
                 "(\"use of closed network connection\"), not server failures.\n")

    if os.path.exists(f"{raw}/rss.txt"):
        L.append("## Peak resident memory (VmHWM)\n")
        L.append("| process | peak RSS MiB | when read |")
        L.append("|---|---|---|")
        for line in open(f"{raw}/rss.txt"):
            name, kb, when = line.rstrip("\n").split("\t")
            L.append(f"| {name} | {int(kb) / 1024:.1f} | {when} |")
        L.append("")

    with open(out_md, "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L))
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    fn = {"drain": cmd_drain, "wait-query": cmd_wait_query, "ghz-data": cmd_ghz_data,
          "ghz-merge": cmd_ghz_merge,
          "sum-ingest": cmd_sum_ingest, "report": cmd_report}.get(cmd)
    if fn is None:
        print(__doc__)
        return 2
    return fn(*args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
