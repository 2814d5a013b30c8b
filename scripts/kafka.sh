#!/usr/bin/env bash
# kafka.sh — a single-node Apache Kafka 4.x broker (KRaft, combined broker+controller) on
# loopback, for clusterwatch's local runs and integration tests. The jars come from Maven
# Central through deploy/kafka/pom.xml and are cached between runs.
#
# Usage: scripts/kafka.sh COMMAND
#   fetch     resolve the broker's jars into the cache (no-op when already complete)
#   start     fetch, format storage on first use, start the broker, wait until it serves,
#             print the bootstrap address (no-op when already running)
#   stop      SIGTERM, wait up to 60 s for a clean exit, then SIGKILL
#   restart   stop + start, keeping the data
#   kill9     SIGKILL the broker (fault tests); `start` recovers the data afterwards
#   status    print state, pid and address; exit 0 when running, 3 when not
#   wipe      stop and delete the data directory
#   topics    create the clusterwatch topics when missing and list all topics
#   list      list the topics with partition counts and non-default configs
#   acls      (SASL mode) apply the per-service ACLs and list them
#   bootstrap print the bootstrap address
#
# Environment:
#   CW_CACHE                 cache root            (default $HOME/.cache/clusterwatch)
#   CW_KAFKA_DIR             data directory        (default <repo>/var/kafka)
#   CW_KAFKA_PORT            PLAINTEXT listener    (default 19092, on 127.0.0.1)
#   CW_KAFKA_CONTROLLER_PORT CONTROLLER listener   (default 19093, on 127.0.0.1)
#   CW_KAFKA_HEAP            JVM heap options      (default "-Xms256m -Xmx512m")
#   CW_KAFKA_LOG_LEVEL       broker root log level (default WARN)
#   CW_KAFKA_START_TIMEOUT   seconds to wait for the broker to serve (default 90)
#   CW_PARTITIONS            partitions of the partitioned topics (default 4)
#   CW_KAFKA_SASL            1: the client listener on CW_KAFKA_PORT is SASL_SSL (SCRAM-SHA-512
#                            over TLS) instead of PLAINTEXT, with the StandardAuthorizer, super
#                            user `admin` and per-service ACLs (default 0; docs/security.md,
#                            "Kafka"). Decided when the data directory is formatted.
#   CW_KAFKA_USERS           users made at format time besides admin (default
#                            "cw-ingest cw-aggregator cw-query cw-alerter")
#   CW_KAFKA_CLIENT_MECHANISM SASL mechanism written into the librdkafka properties files:
#                            SCRAM-SHA-512 when the installed librdkafka is 2.6.1 or newer,
#                            else PLAIN (over TLS): older librdkafka sends a SCRAM nonce that
#                            Kafka >= 3.8.1 refuses (librdkafka PR 4895), and Debian 12 ships
#                            2.0.2. The listener offers both; a user's password is the same.
# SASL mode keeps its secrets in <data dir>/sasl (mode 700), made on first start: a test CA
# and broker certificate (scripts/make-test-ca.sh; ca.pem is what clients trust), a random
# password per user and, per user, clients/<user>.properties for librdkafka (the services'
# --kafka_config_file, kcat -F) and clients/<user>.java.properties for Java clients (SCRAM).
# `start` in SASL mode also applies the ACLs. No password is ever put on a command line.
# Two brokers can run side by side with different CW_KAFKA_DIR and ports.
set -euo pipefail

me="kafka.sh"
log() { echo "[$me] $*" >&2; }
die() { echo "[$me] error: $*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/deploy/kafka/pom.xml"
LOG4J_CONF="$ROOT/deploy/kafka/log4j2.properties"
CREATE_TOPICS_SRC="$ROOT/deploy/kafka/CreateTopics.java"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[ -n "$KAFKA_VERSION" ] || die "no <kafka.version> in $POM"

CACHE_ROOT="${CW_CACHE:-$HOME/.cache/clusterwatch}"
KAFKA_HOME="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"
MARKER="$LIBS/.complete"

DATA_DIR="${CW_KAFKA_DIR:-$ROOT/var/kafka}"
PORT="${CW_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${CW_KAFKA_CONTROLLER_PORT:-19093}"
HOST="127.0.0.1"
BOOTSTRAP="$HOST:$PORT"
HEAP="${CW_KAFKA_HEAP:--Xms256m -Xmx512m}"
START_TIMEOUT="${CW_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT=60
PARTITIONS="${CW_PARTITIONS:-4}"
SASL="${CW_KAFKA_SASL:-0}"
case "$SASL" in 0|1) ;; *) die "CW_KAFKA_SASL must be 0 or 1, not '$SASL'" ;; esac
SASL_USERS="${CW_KAFKA_USERS:-cw-ingest cw-aggregator cw-query cw-alerter}"
TOPIC_SUFFIX="v1"

PID_FILE="$DATA_DIR/kafka.pid"
LOG_FILE="$DATA_DIR/kafka.log"
CONFIG="$DATA_DIR/server.properties"
LOG_DIRS="$DATA_DIR/data"
SECRETS="$DATA_DIR/sasl"
CLIENTS="$SECRETS/clients"

# JVM flags for the short-lived helper JVMs: start fast, small heap.
TOOL_JVM=(-Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m
          "-Dlog4j2.configurationFile=$LOG4J_CONF" -Dcw.log.level=WARN)

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found; run scripts/setup.sh"; }

sha() { sha256sum "$@" | sha256sum | cut -c1-16; }

# ---------------------------------------------------------------- fetch
cmd_fetch() {
  local want; want="$(sha "$POM")"
  if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$want" ]; then
    return 0
  fi
  need mvn; need java
  log "resolving Kafka $KAFKA_VERSION jars into $LIBS (cold: ~10-60 s)"
  local start=$SECONDS tmp="$KAFKA_HOME/libs.tmp.$$"
  mkdir -p "$KAFKA_HOME"
  rm -rf "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
        -DoutputDirectory="$tmp" -DincludeScope=runtime >"$KAFKA_HOME/fetch.log" 2>&1; then
    tail -n 40 "$KAFKA_HOME/fetch.log" >&2
    rm -rf "$tmp"
    die "maven could not resolve the Kafka jars (log: $KAFKA_HOME/fetch.log)"
  fi
  [ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka_2.13-$KAFKA_VERSION.jar missing after resolve"
  echo "$want" >"$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - start)) s"
}

# Compile deploy/kafka/CreateTopics.java once per source/jar set (saves ~1 s per call over
# single-file source launch).
tool_classes() {
  local key dir tmp
  key="$(sha "$CREATE_TOPICS_SRC" "$MARKER")"
  dir="$KAFKA_HOME/classes-$key"
  if [ ! -f "$dir/CreateTopics.class" ]; then
    need javac
    tmp="$(mktemp -d "$KAFKA_HOME/classes.tmp.XXXXXX")"
    javac -nowarn -d "$tmp" -cp "$LIBS/*" "$CREATE_TOPICS_SRC" >&2 || { rm -rf "$tmp"; die "javac failed"; }
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"   # lost a race: the other copy is as good
  fi
  echo "$dir"
}

admin_tool() {  # args for CreateTopics
  cmd_fetch
  local classes; classes="$(tool_classes)"
  local secure=()
  [ "$SASL" = 1 ] && secure=(--command-config "$CLIENTS/admin.java.properties")
  java "${TOOL_JVM[@]}" -cp "$classes:$LIBS/*" CreateTopics --bootstrap "$BOOTSTRAP" \
    "${secure[@]}" "$@"
}

# ---------------------------------------------------------------- SASL mode
password_of() { cat "$SECRETS/passwords/$1"; }

# SCRAM-SHA-512 when librdkafka can do it against this broker (>= 2.6.1), else PLAIN.
client_mechanism() {
  if [ -n "${CW_KAFKA_CLIENT_MECHANISM:-}" ]; then
    case "$CW_KAFKA_CLIENT_MECHANISM" in
      SCRAM-SHA-512|PLAIN) echo "$CW_KAFKA_CLIENT_MECHANISM"; return ;;
      *) die "CW_KAFKA_CLIENT_MECHANISM must be SCRAM-SHA-512 or PLAIN" ;;
    esac
  fi
  local v; v="$(pkg-config --modversion rdkafka 2>/dev/null || echo 0)"
  if [ "$(printf '%s\n2.6.1\n' "$v" | sort -V | head -n1)" = 2.6.1 ]; then
    echo SCRAM-SHA-512
  else
    echo PLAIN
  fi
}

# The broker's TLS material, a random password per user and the clients' properties files,
# once per data directory.
make_secrets() {
  [ -f "$SECRETS/.complete" ] && return 0
  need openssl
  local u
  for u in $SASL_USERS; do
    [[ "$u" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad user name '$u' in CW_KAFKA_USERS"
    [ "$u" != admin ] || die "CW_KAFKA_USERS must not name admin (the super user)"
  done
  rm -rf "$SECRETS"
  (umask 077; mkdir -p "$SECRETS/passwords" "$CLIENTS" "$SECRETS/tls")
  "$ROOT/scripts/make-test-ca.sh" "$SECRETS/tls" 2>/dev/null || die "make-test-ca.sh failed"
  # A PEM keystore: the private key (PKCS#8) and its certificate in one file.
  (umask 077; cat "$SECRETS/tls/server-key.pem" "$SECRETS/tls/server.pem" \
    >"$SECRETS/tls/server-keystore.pem")
  local pw mech; mech="$(client_mechanism)"
  for u in admin $SASL_USERS; do
    (umask 077
     head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRETS/passwords/$u"
     pw="$(password_of "$u")"
     cat >"$CLIENTS/$u.properties" <<PROPS
# librdkafka settings of Kafka user $u (written by scripts/kafka.sh; holds a secret).
security.protocol=SASL_SSL
sasl.mechanisms=$mech
sasl.username=$u
sasl.password=$pw
ssl.ca.location=$SECRETS/tls/ca.pem
PROPS
     cat >"$CLIENTS/$u.java.properties" <<PROPS
# Java client settings of Kafka user $u (written by scripts/kafka.sh; holds a secret).
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$u" password="$pw";
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/tls/ca.pem
PROPS
    )
  done
  chmod -R go-rwx "$SECRETS"
  touch "$SECRETS/.complete"
}

# Each service may use only its topics, its consumer groups and its transactional ids: the
# table of deploy/kafka/acls.txt (docs/security.md, "Kafka"), for this topic suffix.
service_acls() {
  sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' -e "s/{suffix}/$TOPIC_SUFFIX/g" \
    "$ROOT/deploy/kafka/acls.txt"
}

# The mode a data directory was formatted in (directories from before SASL mode: 0).
formatted_mode() { cat "$DATA_DIR/sasl-mode" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- process helpers
broker_pid() {  # prints the pid when our broker runs, else nothing (and drops a stale pid file)
  [ -f "$PID_FILE" ] || return 0
  local pid; pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && alive "$pid" \
     && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONFIG"; then
    echo "$pid"
  else
    rm -f "$PID_FILE"
  fi
}

# Alive = exists and is not a zombie (an orphaned broker waits as a zombie until PID 1 reaps it).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state; state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo X)"
  [ "$state" != Z ] && [ "$state" != X ]
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# A killed JVM's threads (and sockets) can outlive its main thread by a moment.
wait_ports_free() {  # SECONDS_MAX; returns 1 if a port is still taken after that
  local deadline=$((SECONDS + $1)) p
  for p in "$PORT" "$CONTROLLER_PORT"; do
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

write_config() {
  mkdir -p "$DATA_DIR" "$LOG_DIRS"
  local CLIENT_LISTENER=PLAINTEXT CONTROLLER_PROTOCOL=PLAINTEXT
  if [ "$SASL" = 1 ]; then CLIENT_LISTENER=SASL_SSL CONTROLLER_PROTOCOL=SASL_PLAINTEXT; fi
  (umask 077; : >"$CONFIG")   # holds the admin password in SASL mode
  cat >"$CONFIG" <<CONF
# Written by scripts/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=$CLIENT_LISTENER://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=$CLIENT_LISTENER://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=$CLIENT_LISTENER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:$CONTROLLER_PROTOCOL
log.dirs=$LOG_DIRS

# Single node: every internal topic with replication 1 / min ISR 1, or groups and
# transactions hang waiting for replicas that never come.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

group.initial.rebalance.delay.ms=0
# After a SIGKILL the old registration blocks the new one until its session expires
# (default 9 s): keep that short so \`kill9\` + \`start\` is quick.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
auto.create.topics.enable=false
delete.topic.enable=true

# Compaction on (registry, park metrics, alerts); a small dedupe buffer suits a 512 MB heap.
log.cleaner.enable=true
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
log.cleaner.backoff.ms=5000

num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
CONF
  [ "$SASL" = 1 ] || return 0
  local admin_pw u plain_users=""; admin_pw="$(password_of admin)"
  for u in admin $SASL_USERS; do plain_users+=" user_$u=\"$(password_of "$u")\""; done
  cat >>"$CONFIG" <<CONF

# SASL mode (CW_KAFKA_SASL=1): clients and the broker itself authenticate with SCRAM-SHA-512
# over TLS; PLAIN (over the same TLS, same users and passwords) is offered too for
# librdkafka < 2.6.1, whose SCRAM this broker refuses. The controller listener (loopback,
# same JVM) uses PLAIN as admin, because SCRAM credentials live in the metadata log the
# controller serves. Everyone else is denied unless an ACL allows it.
ssl.keystore.type=PEM
ssl.keystore.location=$SECRETS/tls/server-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/tls/ca.pem
ssl.client.auth=none
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$plain_users;
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw" user_admin="$admin_pw";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
CONF
}

format_storage() {
  if [ -f "$LOG_DIRS/meta.properties" ]; then
    return 0
  fi
  local id; id="$(random_cluster_id)"
  log "formatting storage in $LOG_DIRS (cluster id $id)"
  # The SCRAM users are made here, in the first metadata records. Their passwords go through
  # a java @argument file (mode 600, deleted at once), never onto a command line.
  local args="$DATA_DIR/format.args" u
  (umask 077
   printf '%s\n' kafka.tools.StorageTool format -t "$id" -c "$CONFIG" >"$args"
   if [ "$SASL" = 1 ]; then
     for u in admin $SASL_USERS; do
       printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "$u" "$(password_of "$u")"
     done >>"$args"
   fi)
  if ! CLASSPATH="$LIBS/*" java "${TOOL_JVM[@]}" "@$args" >"$DATA_DIR/format.log" 2>&1; then
    rm -f "$args"
    cat "$DATA_DIR/format.log" >&2
    die "storage format failed"
  fi
  rm -f "$args"
  echo "$SASL" >"$DATA_DIR/sasl-mode"
}

serving() {  # one readiness probe, no JVM when kcat is there
  if command -v kcat >/dev/null 2>&1; then
    local secure=()
    [ "$SASL" = 1 ] && secure=(-F "$CLIENTS/admin.properties")
    kcat "${secure[@]}" -b "$BOOTSTRAP" -L -m 2 2>/dev/null | grep -q "broker 1 at"
  else
    admin_tool --wait-ms 0 >/dev/null 2>&1
  fi
}

fail_start() {
  log "$1; last lines of $LOG_FILE:"
  tail -n 60 "$LOG_FILE" >&2 || true
  die "broker did not start"
}

# ---------------------------------------------------------------- commands
cmd_start() {
  local pid; pid="$(broker_pid)"
  if [ -n "$pid" ]; then
    if serving; then
      log "already running (pid $pid) at $BOOTSTRAP"
      echo "$BOOTSTRAP"
      return 0
    fi
    log "running (pid $pid) but not serving yet; waiting"
  else
    cmd_fetch
    need java
    wait_ports_free 5 || die "port $PORT or $CONTROLLER_PORT on $HOST is in use by another process (set CW_KAFKA_PORT / CW_KAFKA_CONTROLLER_PORT)"
    if [ -f "$LOG_DIRS/meta.properties" ] && [ "$(formatted_mode)" != "$SASL" ]; then
      die "$DATA_DIR was formatted with CW_KAFKA_SASL=$(formatted_mode), not $SASL; use that or '$me wipe' it"
    fi
    [ "$SASL" = 1 ] && make_secrets
    write_config
    format_storage
    echo "===== $(date -u +%FT%TZ) kafka.sh start (Kafka $KAFKA_VERSION) =====" >>"$LOG_FILE"
    # shellcheck disable=SC2086  # HEAP is a list of JVM flags
    nohup setsid java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
      -XX:+ExitOnOutOfMemoryError \
      "-Dlog4j2.configurationFile=$LOG4J_CONF" "-Dcw.log.level=${CW_KAFKA_LOG_LEVEL:-WARN}" \
      -cp "$LIBS/*" kafka.Kafka "$CONFIG" >>"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    log "started pid $pid (log: $LOG_FILE)"
  fi

  local deadline=$((SECONDS + START_TIMEOUT))
  until serving; do
    alive "$pid" || { rm -f "$PID_FILE"; fail_start "broker process $pid exited"; }
    [ "$SECONDS" -lt "$deadline" ] || fail_start "not serving at $BOOTSTRAP after ${START_TIMEOUT} s"
    sleep 0.3
  done
  log "serving at $BOOTSTRAP"
  [ "$SASL" = 1 ] && apply_acls >/dev/null
  echo "$BOOTSTRAP"
}

cmd_stop() {
  local pid; pid="$(broker_pid)"
  if [ -z "$pid" ]; then
    log "not running"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$pid"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "still running after ${STOP_TIMEOUT} s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  wait_ports_free 10 || log "warning: a port is still in use after the broker stopped"
  log "stopped"
}

cmd_kill9() {
  local pid; pid="$(broker_pid)"
  if [ -z "$pid" ]; then
    log "not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  while alive "$pid"; do sleep 0.05; done
  rm -f "$PID_FILE"
  wait_ports_free 10 || log "warning: a port is still in use after SIGKILL"
  log "killed pid $pid with SIGKILL"
}

cmd_status() {
  local pid; pid="$(broker_pid)"
  if [ -z "$pid" ]; then
    echo "stopped (data dir $DATA_DIR)"
    return 3
  fi
  if serving; then
    echo "running pid=$pid bootstrap=$BOOTSTRAP kafka=$KAFKA_VERSION data=$DATA_DIR"
  else
    echo "starting pid=$pid bootstrap=$BOOTSTRAP (not serving yet)"
  fi
}

cmd_wipe() {
  cmd_stop
  case "$DATA_DIR" in
    ""|"/"|"$HOME"|"$ROOT") die "refusing to delete '$DATA_DIR'" ;;
  esac
  rm -rf "$DATA_DIR"
  log "deleted $DATA_DIR"
}

cmd_topics() {
  [ -n "$(broker_pid)" ] || die "broker not running; run '$me start' first"
  # NAME:PARTITIONS[:key=value,...]. alerts: one partition, so a WatchAlerts resume point is a
  # single offset. alert-actions: what staff did about alerts (acknowledge, silence, comment),
  # kept for ever.
  admin_tool --wait-ms 30000 --list \
    "cw.reports.v1:$PARTITIONS:cleanup.policy=delete,retention.ms=-1" \
    "cw.registry.v1:1:cleanup.policy=compact" \
    "cw.rejected.v1:1:cleanup.policy=compact,retention.ms=-1" \
    "cw.park-metrics.v1:$PARTITIONS:cleanup.policy=compact" \
    "cw.contributions.v1:$PARTITIONS:cleanup.policy=compact" \
    "cw.alerts.v1:1:cleanup.policy=compact" \
    "cw.alert-actions.v1:1:cleanup.policy=delete,retention.ms=-1"
}

apply_acls() {
  local acl args=()
  while read -r acl; do args+=(--acl "$acl"); done < <(service_acls)
  admin_tool --wait-ms 30000 "${args[@]}" "$@"
}

cmd_acls() {
  [ -n "$(broker_pid)" ] || die "broker not running; run '$me start' first"
  [ "$SASL" = 1 ] || die "ACLs need the SASL mode (CW_KAFKA_SASL=1)"
  apply_acls --list-acls
}

cmd_list() {
  [ -n "$(broker_pid)" ] || die "broker not running; run '$me start' first"
  admin_tool --wait-ms 30000 --list
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; }

case "${1:-}" in
  fetch) cmd_fetch; log "jars: $LIBS" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop; cmd_start ;;
  kill9) cmd_kill9 ;;
  status) cmd_status ;;
  wipe) cmd_wipe ;;
  topics) cmd_topics ;;
  list) cmd_list ;;
  acls) cmd_acls ;;
  bootstrap) echo "$BOOTSTRAP" ;;
  -h|--help|help) usage ;;
  *) usage; exit 2 ;;
esac
