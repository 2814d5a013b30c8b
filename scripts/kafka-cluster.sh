#!/usr/bin/env bash
# kafka-cluster.sh — a three-node Apache Kafka 4.x cluster (KRaft; every node is broker and
# controller) on loopback, for clusterwatch's scale-out tests and benchmarks. It runs the
# same cached jars as scripts/kafka.sh (which it calls to fetch them) and writes nothing
# outside CW_CLUSTER_DIR and that cache.
#
# Usage: scripts/kafka-cluster.sh COMMAND [ARG]
#   start           fetch the jars, format the three nodes with one cluster id on first use,
#                   start the nodes that are not running, wait until all three brokers are
#                   registered and a probe topic (RF 3) has a leader; prints the bootstrap list
#   stop            SIGTERM every node at once, wait up to CW_CLUSTER_STOP_TIMEOUT s, then SIGKILL
#   kill9 NODE      SIGKILL node NODE (1..3) — fault tests; `start-node NODE` brings it back
#   start-node NODE start node NODE and wait until it is registered again
#   status          one line per node; exit 0 all three running, 3 none, 4 some
#   wipe            stop and delete CW_CLUSTER_DIR
#   topics          create the cw.* topics (replication 3, min.insync.replicas 2) when missing
#                   and list all topics
#   describe        leader, replicas and in-sync replicas of every partition (kcat)
#   wait-isr [S]    wait up to S seconds (default 120) until every partition of every topic
#                   has a leader and all three replicas in sync (after start-node)
#   bootstrap       print the three PLAINTEXT addresses, comma-separated
#
# Layout: CW_CLUSTER_DIR/cluster.id, CW_CLUSTER_DIR/node-N/{server.properties,data/,kafka.log,
# kafka.pid,format.log}. Node N (1..3): PLAINTEXT on 127.0.0.1:BASE+N-1, CONTROLLER on
# 127.0.0.1:BASE+10+N-1.
#
# Partition rule (docs/scale-out.md, docs/operations.md): the partitioned topics (reports,
# park-metrics) get max(6, 2 × A_max) partitions, A_max being the most aggregator instances
# the deployment will run. CW_MAX_AGGREGATORS (default 3) sets A_max; CW_PARTITIONS overrides
# the result. Never change the count of an existing topic (parks would move partition).
#
# Environment:
#   CW_CACHE                  jar cache root (as scripts/kafka.sh; default $HOME/.cache/clusterwatch)
#   CW_CLUSTER_DIR            data directory           (default <repo>/var/kafka-cluster)
#   CW_CLUSTER_PORT_BASE      first PLAINTEXT port     (default 19192)
#   CW_CLUSTER_HEAP           JVM heap per node        (default "-Xms384m -Xmx512m")
#   CW_CLUSTER_LOG_LEVEL      broker root log level    (default WARN)
#   CW_CLUSTER_START_TIMEOUT  seconds to wait in start / start-node (default 120)
#   CW_CLUSTER_STOP_TIMEOUT   seconds before stop falls back to SIGKILL (default 30)
#   CW_CLUSTER_GROUP_DELAY_MS group.initial.rebalance.delay.ms (default 3000, Kafka's default)
#   CW_MAX_AGGREGATORS        A_max of the partition rule (default 3)
#   CW_PARTITIONS             partitions of reports and park-metrics (default max(6, 2 × A_max))
set -euo pipefail

me="kafka-cluster.sh"
log() { echo "[$me] $*" >&2; }
die() { echo "[$me] error: $*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/deploy/kafka/pom.xml"
LOG4J_CONF="$ROOT/deploy/kafka/log4j2.properties"
CREATE_TOPICS_SRC="$ROOT/deploy/kafka/CreateTopics.java"

# Cache layout: the same rule as scripts/kafka.sh (copied, keep in step with it).
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[ -n "$KAFKA_VERSION" ] || die "no <kafka.version> in $POM"
CACHE_ROOT="${CW_CACHE:-$HOME/.cache/clusterwatch}"
KAFKA_HOME="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"
MARKER="$LIBS/.complete"

NODES=(1 2 3)
HOST="127.0.0.1"
CLUSTER_DIR="${CW_CLUSTER_DIR:-$ROOT/var/kafka-cluster}"
PORT_BASE="${CW_CLUSTER_PORT_BASE:-19192}"
HEAP="${CW_CLUSTER_HEAP:--Xms384m -Xmx512m}"
START_TIMEOUT="${CW_CLUSTER_START_TIMEOUT:-120}"
STOP_TIMEOUT="${CW_CLUSTER_STOP_TIMEOUT:-30}"
GROUP_DELAY_MS="${CW_CLUSTER_GROUP_DELAY_MS:-3000}"
MAX_AGGREGATORS="${CW_MAX_AGGREGATORS:-3}"
RULE_PARTITIONS=$((2 * MAX_AGGREGATORS))
[ "$RULE_PARTITIONS" -ge 6 ] || RULE_PARTITIONS=6
PARTITIONS="${CW_PARTITIONS:-$RULE_PARTITIONS}"
PROBE_TOPIC="cw.cluster-probe"
CLUSTER_ID_FILE="$CLUSTER_DIR/cluster.id"

case "$PORT_BASE" in ''|*[!0-9]*) die "CW_CLUSTER_PORT_BASE must be a number" ;; esac
[ "$PORT_BASE" -ge 1024 ] && [ "$PORT_BASE" -le 65500 ] || die "CW_CLUSTER_PORT_BASE out of range"

port_of() { echo $((PORT_BASE + $1 - 1)); }
controller_port_of() { echo $((PORT_BASE + 10 + $1 - 1)); }
node_dir() { echo "$CLUSTER_DIR/node-$1"; }

bootstrap() {
  local n out=""
  for n in "${NODES[@]}"; do out="${out:+$out,}$HOST:$(port_of "$n")"; done
  echo "$out"
}
BOOTSTRAP="$(bootstrap)"

VOTERS=""
for n in "${NODES[@]}"; do VOTERS="${VOTERS:+$VOTERS,}$n@$HOST:$(controller_port_of "$n")"; done

# JVM flags for the short-lived helper JVMs (as scripts/kafka.sh).
TOOL_JVM=(-Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m
          "-Dlog4j2.configurationFile=$LOG4J_CONF" -Dcw.log.level=WARN)

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found; run scripts/setup.sh"; }
sha() { sha256sum "$@" | sha256sum | cut -c1-16; }

check_node() {
  case "${1:-}" in 1|2|3) ;; *) die "NODE must be 1, 2 or 3 (got '${1:-}')" ;; esac
}

# ---------------------------------------------------------------- jars and the admin helper
fetch() {
  mkdir -p "$CLUSTER_DIR"
  # scripts/kafka.sh owns the cache: it resolves the jars once (no-op when complete).
  "$ROOT/scripts/kafka.sh" fetch >/dev/null 2>"$CLUSTER_DIR/fetch.log" || {
    cat "$CLUSTER_DIR/fetch.log" >&2; die "scripts/kafka.sh fetch failed"; }
  [ -f "$MARKER" ] || die "no jars in $LIBS after scripts/kafka.sh fetch"
}

# CreateTopics compiled once per source/jar set — the same cache directory as kafka.sh uses.
tool_classes() {
  local key dir tmp
  key="$(sha "$CREATE_TOPICS_SRC" "$MARKER")"
  dir="$KAFKA_HOME/classes-$key"
  if [ ! -f "$dir/CreateTopics.class" ]; then
    need javac
    tmp="$(mktemp -d "$KAFKA_HOME/classes.tmp.XXXXXX")"
    javac -nowarn -d "$tmp" -cp "$LIBS/*" "$CREATE_TOPICS_SRC" >&2 || { rm -rf "$tmp"; die "javac failed"; }
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$dir"
}

admin_tool() {  # args for CreateTopics; replication factor 3 for every topic it creates
  local classes; classes="$(tool_classes)"
  CW_REPLICATION_FACTOR=3 java "${TOOL_JVM[@]}" -cp "$classes:$LIBS/*" CreateTopics \
    --bootstrap "$BOOTSTRAP" "$@"
}

# Creates the topics (SPEC...) when missing. CreateTopics describes the topics right after
# creating them, and a broker whose metadata has not caught up yet answers
# UnknownTopicOrPartition: creation is idempotent, so try again.
create_topics() {
  local attempt
  for attempt in 1 2 3 4 5 6; do
    admin_tool --wait-ms 30000 "$@" && return 0
    log "topic creation failed (attempt $attempt of 6)"
    sleep 1
  done
  return 1
}

# ---------------------------------------------------------------- process helpers
alive() {  # exists and is not a zombie
  kill -0 "$1" 2>/dev/null || return 1
  local state; state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo X)"
  [ "$state" != Z ] && [ "$state" != X ]
}

node_pid() {  # pid of node N when it runs, else nothing (drops a stale pid file)
  local d pidf pid; d="$(node_dir "$1")"; pidf="$d/kafka.pid"
  [ -f "$pidf" ] || return 0
  pid="$(cat "$pidf" 2>/dev/null || true)"
  if [ -n "$pid" ] && alive "$pid" \
     && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $d/server.properties"; then
    echo "$pid"
  else
    rm -f "$pidf"
  fi
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

wait_node_ports_free() {  # NODE SECONDS_MAX
  local deadline=$((SECONDS + $2)) p
  for p in "$(port_of "$1")" "$(controller_port_of "$1")"; do
    while port_busy "$p"; do
      [ "$SECONDS" -lt "$deadline" ] || return 1
      sleep 0.1
    done
  done
}

random_cluster_id() {  # a Kafka Uuid: 16 random bytes, base64url without padding, not "-..."
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    case "$id" in -*) ;; *) echo "$id"; return ;; esac
  done
}

cluster_id() {
  if [ ! -s "$CLUSTER_ID_FILE" ]; then
    mkdir -p "$CLUSTER_DIR"
    random_cluster_id >"$CLUSTER_ID_FILE"
  fi
  cat "$CLUSTER_ID_FILE"
}

write_config() {  # NODE
  local n=$1 d; d="$(node_dir "$1")"
  mkdir -p "$d/data"
  cat >"$d/server.properties" <<CONF
# Written by scripts/kafka-cluster.sh on every start of this node; edits are overwritten.
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$VOTERS
listeners=PLAINTEXT://$HOST:$(port_of "$n"),CONTROLLER://$HOST:$(controller_port_of "$n")
advertised.listeners=PLAINTEXT://$HOST:$(port_of "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$d/data

# Three replicas everywhere, two in sync to accept a write: an acknowledged (acks=all)
# record survives the loss of one broker, and writes go on while one is down.
num.partitions=1
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2

# Kafka's default: the first assignment of a new group waits this long for more members, so
# instances started together share it instead of the first one taking every partition.
group.initial.rebalance.delay.ms=$GROUP_DELAY_MS
# A SIGKILLed node is fenced (and leaves the ISRs) after 3 s instead of 9 s, and its
# registration does not block its own restart for long.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
auto.create.topics.enable=false
delete.topic.enable=true

# Compaction on (registry, park metrics, alerts); a small dedupe buffer suits a 512 MB heap.
log.cleaner.enable=true
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
log.cleaner.backoff.ms=5000

# Three JVMs share two cores here: few threads each.
num.network.threads=2
num.io.threads=3
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
background.threads=4
CONF
}

format_node() {  # NODE; no-op when formatted
  local d; d="$(node_dir "$1")"
  [ -f "$d/data/meta.properties" ] && return 0
  local id; id="$(cluster_id)"
  if ! java "${TOOL_JVM[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format \
        -t "$id" -c "$d/server.properties" >"$d/format.log" 2>&1; then
    cat "$d/format.log" >&2
    return 1
  fi
  log "formatted node $1 (cluster id $id)"
}

launch_node() {  # NODE; starts the JVM, returns at once
  local n=$1 d pid; d="$(node_dir "$1")"
  wait_node_ports_free "$n" 5 || die "port $(port_of "$n") or $(controller_port_of "$n") is in use by another process (set CW_CLUSTER_PORT_BASE)"
  echo "===== $(date -u +%FT%TZ) $me start node $n (Kafka $KAFKA_VERSION) =====" >>"$d/kafka.log"
  # shellcheck disable=SC2086  # HEAP is a list of JVM flags
  nohup setsid java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -XX:+ExitOnOutOfMemoryError \
    "-Dlog4j2.configurationFile=$LOG4J_CONF" "-Dcw.log.level=${CW_CLUSTER_LOG_LEVEL:-WARN}" \
    -cp "$LIBS/*" kafka.Kafka "$d/server.properties" >>"$d/kafka.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$d/kafka.pid"
  log "node $n started pid $pid (log: $d/kafka.log)"
}

# Metadata as one broker sees it (kcat -L); empty when it does not answer.
metadata() {  # ADDRESS [kcat args...]
  local addr=$1; shift
  kcat -b "$addr" -L -m 2 "$@" 2>/dev/null || true
}

# Node N serves: it answers metadata and lists itself as a registered (unfenced) broker.
node_serving() {
  metadata "$HOST:$(port_of "$1")" | grep -q "broker $1 at "
}

registered_brokers() {  # how many brokers the cluster lists (asked through the bootstrap list)
  metadata "$BOOTSTRAP" | sed -n 's/^ *\([0-9]*\) brokers:.*/\1/p' | head -n1
}

probe_has_leader() {
  metadata "$BOOTSTRAP" -t "$PROBE_TOPIC" | grep -Eq "partition 0, leader [1-3],"
}

fail_start() {  # MESSAGE
  local n
  log "$1"
  for n in "${NODES[@]}"; do
    log "last lines of $(node_dir "$n")/kafka.log:"
    tail -n 8 "$(node_dir "$n")/kafka.log" 2>/dev/null | cut -c1-400 >&2 || true
  done
  die "cluster did not start"
}

# ---------------------------------------------------------------- commands
cmd_start() {
  need java; need kcat
  mkdir -p "$CLUSTER_DIR"
  local n started=() pid
  for n in "${NODES[@]}"; do
    [ -n "$(node_pid "$n")" ] || started+=("$n")
  done
  if [ "${#started[@]}" -gt 0 ]; then
    fetch
    for n in "${started[@]}"; do write_config "$n"; done
    # Format in parallel (each StorageTool is a JVM start, ~1-2 s), all with one cluster id
    # (read or created here, before the subshells).
    cluster_id >/dev/null
    local pids=() failed=0
    for n in "${started[@]}"; do format_node "$n" & pids+=($!); done
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    [ "$failed" = 0 ] || die "storage format failed"
    for n in "${started[@]}"; do launch_node "$n"; done
  fi

  local deadline=$((SECONDS + START_TIMEOUT)) count
  while :; do
    for n in "${started[@]}"; do
      pid="$(node_pid "$n")"
      [ -n "$pid" ] || fail_start "node $n exited during start"
    done
    count="$(registered_brokers)"
    [ "${count:-0}" = 3 ] && break
    [ "$SECONDS" -lt "$deadline" ] || fail_start "only ${count:-0} of 3 brokers registered after ${START_TIMEOUT} s"
    sleep 0.5
  done
  # The cluster serves when a replicated topic can be created and has a leader.
  if ! probe_has_leader; then
    local left=$((deadline - SECONDS)); [ "$left" -gt 5 ] || left=5
    create_topics "$PROBE_TOPIC:1:min.insync.replicas=2" >/dev/null \
      || fail_start "could not create $PROBE_TOPIC"
    until probe_has_leader; do
      [ "$SECONDS" -lt "$deadline" ] || fail_start "$PROBE_TOPIC has no leader after ${START_TIMEOUT} s"
      sleep 0.3
    done
  fi
  log "serving at $BOOTSTRAP"
  echo "$BOOTSTRAP"
}

cmd_start_node() {
  local n=$1; check_node "$n"; need java; need kcat
  local pid; pid="$(node_pid "$n")"
  if [ -z "$pid" ]; then
    fetch
    write_config "$n"
    format_node "$n" || die "storage format of node $n failed"
    launch_node "$n"
    pid="$(node_pid "$n")"
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until node_serving "$n"; do
    alive "$pid" || fail_start "node $n (pid $pid) exited"
    [ "$SECONDS" -lt "$deadline" ] || fail_start "node $n not serving after ${START_TIMEOUT} s"
    sleep 0.3
  done
  log "node $n serving at $HOST:$(port_of "$n")"
}

cmd_stop() {
  local n pid pids=()
  for n in "${NODES[@]}"; do
    pid="$(node_pid "$n")"
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$n:$pid")
  done
  if [ "${#pids[@]}" = 0 ]; then
    log "not running"
    return 0
  fi
  log "stopping ${pids[*]} (node:pid)"
  # All at once: stopped one by one, the last nodes lose the controller quorum and their
  # controlled shutdown can only time out.
  local deadline=$((SECONDS + STOP_TIMEOUT)) entry
  for entry in "${pids[@]}"; do
    n="${entry%%:*}"; pid="${entry#*:}"
    while alive "$pid"; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        log "node $n still running after ${STOP_TIMEOUT} s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid"; do sleep 0.05; done
        break
      fi
      sleep 0.2
    done
    rm -f "$(node_dir "$n")/kafka.pid"
  done
  for entry in "${pids[@]}"; do
    wait_node_ports_free "${entry%%:*}" 10 || log "warning: a port of node ${entry%%:*} is still in use"
  done
  log "stopped"
}

cmd_kill9() {
  local n=$1; check_node "$n"
  local pid; pid="$(node_pid "$n")"
  if [ -z "$pid" ]; then
    log "node $n not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  while alive "$pid"; do sleep 0.05; done
  rm -f "$(node_dir "$n")/kafka.pid"
  wait_node_ports_free "$n" 10 || log "warning: a port of node $n is still in use after SIGKILL"
  log "killed node $n (pid $pid) with SIGKILL"
}

cmd_status() {
  local n pid running=0
  for n in "${NODES[@]}"; do
    pid="$(node_pid "$n")"
    if [ -z "$pid" ]; then
      echo "node $n: stopped (port $(port_of "$n"), dir $(node_dir "$n"))"
    elif node_serving "$n"; then
      echo "node $n: running pid=$pid address=$HOST:$(port_of "$n") controller=$HOST:$(controller_port_of "$n")"
      running=$((running + 1))
    else
      echo "node $n: starting pid=$pid address=$HOST:$(port_of "$n") (not serving yet)"
      running=$((running + 1))
    fi
  done
  echo "bootstrap=$BOOTSTRAP kafka=$KAFKA_VERSION dir=$CLUSTER_DIR"
  [ "$running" = 3 ] && return 0
  [ "$running" = 0 ] && return 3
  return 4
}

cmd_wipe() {
  cmd_stop
  case "$CLUSTER_DIR" in
    ""|"/"|"$HOME"|"$ROOT"|"$ROOT/var") die "refusing to delete '$CLUSTER_DIR'" ;;
  esac
  rm -rf "$CLUSTER_DIR"
  log "deleted $CLUSTER_DIR"
}

any_running() {
  local n
  for n in "${NODES[@]}"; do [ -n "$(node_pid "$n")" ] && return 0; done
  return 1
}

TOPIC_SPECS=(
  "cw.reports.v1:$PARTITIONS:cleanup.policy=delete,retention.ms=-1,retention.bytes=-1,min.insync.replicas=2"
  "cw.registry.v1:1:cleanup.policy=compact,min.insync.replicas=2"
  "cw.rejected.v1:1:cleanup.policy=compact,retention.ms=-1,min.insync.replicas=2"
  "cw.park-metrics.v1:$PARTITIONS:cleanup.policy=compact,min.insync.replicas=2"
  "cw.contributions.v1:$PARTITIONS:cleanup.policy=compact,min.insync.replicas=2"
  "cw.alerts.v1:1:cleanup.policy=compact,min.insync.replicas=2"
  "cw.alert-actions.v1:1:cleanup.policy=delete,retention.ms=-1,min.insync.replicas=2"
)

topics_have_leaders() {  # every cw.* topic of TOPIC_SPECS is known and every partition led
  local md spec name
  md="$(metadata "$BOOTSTRAP")"
  for spec in "${TOPIC_SPECS[@]}"; do
    name="${spec%%:*}"
    printf '%s\n' "$md" | grep -q "topic \"$name\" with " || return 1
  done
  ! printf '%s\n' "$md" | grep -Eq 'partition [0-9]+, leader -1'
}

cmd_topics() {
  any_running || die "cluster not running; run '$me start' first"
  need kcat
  fetch
  # NAME:PARTITIONS[:key=value,...], replication factor 3 (admin_tool), min ISR 2 each.
  create_topics "${TOPIC_SPECS[@]}" || die "could not create the topics"
  local deadline=$((SECONDS + 60))
  until topics_have_leaders; do
    [ "$SECONDS" -lt "$deadline" ] || die "topics have no leaders after 60 s"
    sleep 0.3
  done
  admin_tool --wait-ms 30000 --list
}

cmd_describe() {
  need kcat
  metadata "$BOOTSTRAP"
}

cmd_wait_isr() {
  local seconds=${1:-120} deadline md short
  need kcat
  deadline=$((SECONDS + seconds))
  while :; do
    md="$(metadata "$BOOTSTRAP")"
    # Every partition line must name a leader and three in-sync replicas.
    short="$(printf '%s\n' "$md" | grep -E '^ +partition [0-9]+,' \
             | grep -Evc 'leader [1-3],.*isrs: [1-3],[1-3],[1-3]$' || true)"
    if [ -n "$md" ] && [ "$short" = 0 ] && printf '%s\n' "$md" | grep -q ' 3 brokers:'; then
      log "every partition has a leader and 3 in-sync replicas"
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "partitions still under-replicated after $seconds s: ${short:-?}"
    sleep 0.5
  done
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; }

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  kill9) cmd_kill9 "${2:-}" ;;
  start-node) cmd_start_node "${2:-}" ;;
  status) cmd_status ;;
  wipe) cmd_wipe ;;
  topics) cmd_topics ;;
  describe) cmd_describe ;;
  wait-isr) cmd_wait_isr "${2:-120}" ;;
  bootstrap) echo "$BOOTSTRAP" ;;
  -h|--help|help) usage ;;
  *) usage; exit 2 ;;
esac
