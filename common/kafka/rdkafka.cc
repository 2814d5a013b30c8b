#include "common/kafka/rdkafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/kafka/login_watch.h"
#include "common/kafka/poll_batch.h"
#include "common/obs/log.h"

namespace cw::kafka {
namespace {

absl::Status Configure(RdKafka::Conf* conf, const std::string& name,
                       const std::string& value) {
  std::string err;
  if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("kafka setting ", name, "=", value, ": ", err));
  }
  return absl::OkStatus();
}

absl::Status ConfigureAll(RdKafka::Conf* conf, const ClientOptions& o,
                          const std::map<std::string, std::string>& defaults) {
  std::map<std::string, std::string> all = defaults;
  all["bootstrap.servers"] = o.brokers;
  for (const auto& [k, v] : o.extra) all[k] = v;  // pass-through wins
  for (const auto& [k, v] : all) {
    if (auto s = Configure(conf, k, v); !s.ok()) return s;
  }
  return absl::OkStatus();
}

bool IsLoginRefusal(RdKafka::ErrorCode err) {
  return err == RdKafka::ERR__AUTHENTICATION || err == RdKafka::ERR_SASL_AUTHENTICATION_FAILED ||
         err == RdKafka::ERR__SSL;
}

// librdkafka's log lines and errors go to the program's log. A login the broker keeps
// refusing ends the process with kExitLoginRefused and a message saying what to check:
// librdkafka would retry it for ever, and the service would never serve. A thread looks
// once a second whether LoginWatch's period is over and then probes the broker.
class ClientEvents : public RdKafka::EventCb {
 public:
  explicit ClientEvents(absl::Duration give_up_after) : watch_(give_up_after) {}
  ~ClientEvents() override { Detach(); }

  // Starts watching `handle`; Detach before the handle is destroyed.
  void Attach(RdKafka::Handle* handle) {
    Detach();
    absl::MutexLock lock(&mu_);
    handle_ = handle;
    stop_ = false;
    thread_ = std::thread([this] { Watch(); });
  }
  void Detach() {
    {
      absl::MutexLock lock(&mu_);
      if (!thread_.joinable()) return;
      stop_ = true;
    }
    thread_.join();
    absl::MutexLock lock(&mu_);
    handle_ = nullptr;
  }

  void event_cb(RdKafka::Event& e) override {
    if (e.type() == RdKafka::Event::EVENT_LOG) {
      const int severity = e.severity();
      obs::Log(severity <= RdKafka::Event::EVENT_SEVERITY_ERROR     ? obs::Level::kError
               : severity == RdKafka::Event::EVENT_SEVERITY_WARNING ? obs::Level::kWarning
                                                                    : obs::Level::kInfo,
               "kafka", absl::StrCat(e.fac(), ": ", e.str()));
      return;
    }
    if (e.type() != RdKafka::Event::EVENT_ERROR) return;
    obs::Warn("kafka", RdKafka::err2str(e.err()), ": ", e.str());
    if (IsLoginRefusal(e.err())) {
      watch_.Refused(absl::Now());
      absl::MutexLock lock(&mu_);
      last_refusal_ = e.str();
    } else if (e.err() != RdKafka::ERR__ALL_BROKERS_DOWN) {  // follows a refusal too
      watch_.OtherError();
    }
  }

  LoginWatch& watch() { return watch_; }

 private:
  void Watch() {
    mu_.Lock();
    while (!mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Seconds(1))) {
      if (absl::Now() < watch_.Deadline()) continue;
      RdKafka::Handle* handle = handle_;  // valid until Detach has joined this thread
      mu_.Unlock();  // the probe takes up to 5 s; event_cb must not wait for it
      RdKafka::Metadata* md = nullptr;
      const bool ok = handle->metadata(false, nullptr, &md, 5000) == RdKafka::ERR_NO_ERROR;
      delete md;
      const bool give_up = watch_.Decide(absl::Now(), ok);
      mu_.Lock();
      if (!give_up) continue;
      obs::Error("kafka", "the broker has refused this client's login for ",
                 absl::ToInt64Seconds(watch_.RefusingFor(absl::Now())), " s (", last_refusal_,
                 "); check sasl.username and sasl.password, or the TLS settings, in "
                 "--kafka_config_file; exiting with status ", kExitLoginRefused);
      std::fflush(stderr);
      std::_Exit(kExitLoginRefused);  // like a crash: state and offsets are crash-safe
    }
    mu_.Unlock();
  }

  LoginWatch watch_;
  absl::Mutex mu_;
  RdKafka::Handle* handle_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_refusal_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

absl::Status SetEvents(RdKafka::Conf* conf, ClientEvents* events) {
  std::string err;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(events), err) !=
      RdKafka::Conf::CONF_OK) {
    return absl::InvalidArgumentError(absl::StrCat("kafka event_cb: ", err));
  }
  return absl::OkStatus();
}

// Tracks one ProduceAll call: how many records are outstanding and the first error.
struct PendingSet {
  absl::Mutex mu;
  int outstanding ABSL_GUARDED_BY(mu) = 0;
  absl::Status first_error ABSL_GUARDED_BY(mu);
};

// A record Kafka will never take (too large for the broker or the producer) is
// kResourceExhausted, which no retry fixes; anything else is kUnavailable.
absl::Status DeliveryError(RdKafka::ErrorCode err, const std::string& text) {
  if (err == RdKafka::ERR_MSG_SIZE_TOO_LARGE ||
      err == RdKafka::ERR_INVALID_MSG_SIZE || err == RdKafka::ERR_RECORD_LIST_TOO_LARGE) {
    return absl::ResourceExhaustedError(text);
  }
  return absl::UnavailableError(text);
}

class DeliveryCb : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    auto* set = static_cast<PendingSet*>(m.msg_opaque());
    if (m.err() != RdKafka::ERR_NO_ERROR) errors.fetch_add(1);
    if (set == nullptr) return;
    absl::MutexLock lock(&set->mu);
    if (m.err() != RdKafka::ERR_NO_ERROR && set->first_error.ok()) {
      set->first_error = DeliveryError(
          m.err(), absl::StrCat("kafka delivery to ", m.topic_name(), " failed: ", m.errstr()));
    }
    --set->outstanding;
  }
  std::atomic<int64_t> errors{0};
};

class RdProducer : public Producer {
 public:
  RdProducer(std::unique_ptr<ClientEvents> events, std::unique_ptr<RdKafka::Producer> p,
             std::unique_ptr<DeliveryCb> cb)
      : events_(std::move(events)), producer_(std::move(p)), cb_(std::move(cb)) {
    events_->Attach(producer_.get());
    poller_ = std::thread([this] {
      while (!stop_.load()) producer_->poll(50);
    });
  }
  ~RdProducer() override {
    events_->Detach();
    producer_->flush(10000);
    stop_.store(true);
    poller_.join();
  }

  absl::Status ProduceAll(const std::vector<OutRecord>& records,
                          absl::Duration timeout) override {
    return Produce(records, timeout);
  }

  absl::Status ProduceAllRefs(const std::vector<OutRecordRef>& records,
                              absl::Duration timeout) override {
    return Produce(records, timeout);
  }

  int64_t delivery_errors() const override { return cb_->errors.load(); }

 private:
  // R: OutRecord or OutRecordRef.
  template <typename R>
  absl::Status Produce(const std::vector<R>& records, absl::Duration timeout) {
    PendingSet set;
    {
      absl::MutexLock lock(&set.mu);
      set.outstanding = static_cast<int>(records.size());
    }
    absl::Time deadline = absl::Now() + timeout;
    RdKafka::Topic* topic = nullptr;
    std::string_view topic_name;
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& r = records[i];
      if (topic == nullptr || topic_name != r.topic) {
        topic_name = r.topic;
        topic = TopicHandle(topic_name);
      }
      for (;;) {
        // By topic handle: producing by topic name looks the topic up under librdkafka's
        // handle-wide write lock for every message, which concurrent pushes contend on.
        auto err = topic == nullptr
                       ? RdKafka::ERR__INVALID_ARG
                       : producer_->produce(topic, RdKafka::Topic::PARTITION_UA,
                                            RdKafka::Producer::RK_MSG_COPY,
                                            const_cast<char*>(r.value.data()), r.value.size(),
                                            r.key.data(), r.key.size(), &set);
        if (err == RdKafka::ERR_NO_ERROR) break;
        if (err == RdKafka::ERR__QUEUE_FULL && absl::Now() < deadline) {
          absl::SleepFor(absl::Milliseconds(5));
          continue;
        }
        // Not queued: account for this and every later record, then wait for the rest.
        absl::MutexLock lock(&set.mu);
        set.outstanding -= static_cast<int>(records.size() - i);
        if (set.first_error.ok()) {
          set.first_error = DeliveryError(
              err, absl::StrCat("kafka produce to ", std::string(r.topic), ": ",
                                RdKafka::err2str(err)));
        }
        cb_->errors.fetch_add(1);
        i = records.size();
        break;
      }
    }
    absl::MutexLock lock(&set.mu);
    auto done = [&set]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(set.mu) {
      return set.outstanding <= 0;
    };
    while (!done()) {
      if (set.mu.AwaitWithDeadline(absl::Condition(&done), deadline)) break;
      // Deadline passed: the records stay queued in librdkafka and still report into
      // `set`, so wait until message.timeout.ms expires them rather than leave a dangling
      // pointer. message.timeout.ms is bounded (see NewRdKafkaProducer).
      if (set.first_error.ok()) {
        set.first_error = absl::DeadlineExceededError("kafka acknowledgement timed out");
      }
      set.mu.Await(absl::Condition(&done));
    }
    if (set.first_error.ok() && !records.empty()) events_->watch().Succeeded();
    return set.first_error;
  }

  // The producer's handle of `name` (created on first use with the default topic
  // configuration, as producing by name does), or null when librdkafka refuses the name.
  RdKafka::Topic* TopicHandle(std::string_view name) {
    absl::MutexLock lock(&topics_mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) {
      std::string err;
      std::unique_ptr<RdKafka::Topic> t(
          RdKafka::Topic::create(producer_.get(), std::string(name), nullptr, err));
      it = topics_.emplace(std::string(name), std::move(t)).first;
    }
    return it->second.get();
  }

  std::unique_ptr<ClientEvents> events_;  // outlives producer_
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<DeliveryCb> cb_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
  absl::Mutex topics_mu_;
  // Declared after producer_, so destroyed before it.
  std::map<std::string, std::unique_ptr<RdKafka::Topic>, std::less<>> topics_
      ABSL_GUARDED_BY(topics_mu_);
};

class RebalanceCb;

class RdConsumer : public Consumer {
 public:
  explicit RdConsumer(ConsumerOptions o) : options_(std::move(o)) {}
  ~RdConsumer() override {
    if (events_) events_->Detach();
    if (consumer_) consumer_->close();
  }

  absl::Status Init();

  absl::StatusOr<std::vector<Message>> Poll(size_t max, absl::Duration timeout) override {
    // Rebalance callbacks run inside consume() below; a revocation drops what `polling_`
    // holds of the revoked partitions (see PollBatch).
    PollBatch batch;
    polling_ = &batch;
    absl::Cleanup done = [this] { polling_ = nullptr; };
    int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
    while (batch.size() < max) {
      std::unique_ptr<RdKafka::Message> m(consumer_->consume(batch.empty() ? wait_ms : 0));
      if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) {
        if (batch.empty() && m->err() == RdKafka::ERR__PARTITION_EOF) continue;
        break;
      }
      if (m->err() != RdKafka::ERR_NO_ERROR) {
        if (m->err() == RdKafka::ERR__FATAL) {
          return absl::InternalError(absl::StrCat("kafka consumer fatal: ", m->errstr()));
        }
        // Transient (broker down, rebalance in progress): librdkafka retries by itself.
        last_error_ = m->errstr();
        break;
      }
      Message msg;
      msg.topic = m->topic_name();
      msg.partition = m->partition();
      msg.offset = m->offset();
      if (m->key()) msg.key = *m->key();
      msg.value.assign(static_cast<const char*>(m->payload()), m->len());
      msg.timestamp_ms = m->timestamp().timestamp;
      batch.Add(std::move(msg));
    }
    if (!batch.empty()) events_->watch().Succeeded();
    return batch.Take();
  }

  absl::Status CommitToGroup(const std::map<TopicPartition, int64_t>& next) override {
    if (options_.group_id.empty() || next.empty()) return absl::OkStatus();
    std::vector<RdKafka::TopicPartition*> tps;
    for (const auto& [tp, off] : next) {
      tps.push_back(RdKafka::TopicPartition::create(tp.topic, tp.partition, off));
    }
    auto err = consumer_->commitAsync(tps);
    RdKafka::TopicPartition::destroy(tps);
    if (err != RdKafka::ERR_NO_ERROR) {
      return absl::UnavailableError(absl::StrCat("kafka commit: ", RdKafka::err2str(err)));
    }
    return absl::OkStatus();
  }

  int64_t Lag() override {
    std::vector<RdKafka::TopicPartition*> tps;
    if (consumer_->assignment(tps) != RdKafka::ERR_NO_ERROR) return 0;
    consumer_->position(tps);
    int64_t lag = 0;
    for (auto* tp : tps) {
      int64_t lo = 0, hi = 0;
      if (consumer_->get_watermark_offsets(tp->topic(), tp->partition(), &lo, &hi) ==
              RdKafka::ERR_NO_ERROR &&
          hi >= 0) {
        int64_t pos = tp->offset();
        if (pos < 0) {
          // Nothing consumed since the assignment: the position is where we started (the
          // state's offset; often the end, when the partition was done before a rebalance),
          // else the low watermark.
          auto start = started_at_.find({tp->topic(), tp->partition()});
          pos = start != started_at_.end() ? start->second : lo;
        }
        if (hi > pos) lag += hi - pos;
      }
    }
    RdKafka::TopicPartition::destroy(tps);
    return lag;
  }

  absl::StatusOr<bool> CaughtUp(absl::Duration timeout) override {
    std::vector<RdKafka::TopicPartition*> tps;
    if (consumer_->assignment(tps) != RdKafka::ERR_NO_ERROR || tps.empty()) return false;
    consumer_->position(tps);
    bool caught_up = true;
    for (auto* tp : tps) {
      TopicPartition key{tp->topic(), tp->partition()};
      auto it = targets_.find(key);
      if (it == targets_.end()) {
        int64_t lo = 0, hi = 0;
        auto err = consumer_->query_watermark_offsets(
            tp->topic(), tp->partition(), &lo, &hi,
            static_cast<int>(absl::ToInt64Milliseconds(timeout)));
        if (err != RdKafka::ERR_NO_ERROR) {
          RdKafka::TopicPartition::destroy(tps);
          return absl::UnavailableError(
              absl::StrCat("kafka watermarks of ", tp->topic(), ": ", RdKafka::err2str(err)));
        }
        it = targets_.emplace(key, hi).first;
      }
      if (!Reached(*tp, key, it->second)) caught_up = false;
    }
    RdKafka::TopicPartition::destroy(tps);
    return caught_up;
  }

  std::vector<TopicPartition> CaughtUpPartitions(absl::Duration timeout) override {
    std::vector<RdKafka::TopicPartition*> tps;
    std::vector<TopicPartition> out;
    if (consumer_->assignment(tps) != RdKafka::ERR_NO_ERROR) return out;
    consumer_->position(tps);
    const absl::Time now = absl::Now();
    for (auto* tp : tps) {
      TopicPartition key{tp->topic(), tp->partition()};
      if (caught_up_.count(key) > 0) {
        out.push_back(key);
        continue;
      }
      auto it = targets_.find(key);
      if (it == targets_.end()) {
        // A leaderless partition (a broker just died) cannot answer: ask again in a second
        // rather than stall every poll for the timeout.
        auto retry = retry_at_.find(key);
        if (retry != retry_at_.end() && now < retry->second) continue;
        int64_t lo = 0, hi = 0;
        auto err = consumer_->query_watermark_offsets(
            tp->topic(), tp->partition(), &lo, &hi,
            static_cast<int>(absl::ToInt64Milliseconds(timeout)));
        if (err != RdKafka::ERR_NO_ERROR) {
          retry_at_[key] = now + absl::Seconds(1);
          last_error_ = RdKafka::err2str(err);
          continue;
        }
        retry_at_.erase(key);
        it = targets_.emplace(key, hi).first;
      }
      if (Reached(*tp, key, it->second)) {
        caught_up_.insert(key);
        out.push_back(key);
      }
    }
    RdKafka::TopicPartition::destroy(tps);
    return out;
  }

  std::vector<TopicPartition> Assignment() override {
    std::vector<RdKafka::TopicPartition*> tps;
    std::vector<TopicPartition> out;
    if (consumer_->assignment(tps) == RdKafka::ERR_NO_ERROR) {
      for (auto* tp : tps) out.push_back({tp->topic(), tp->partition()});
    }
    RdKafka::TopicPartition::destroy(tps);
    return out;
  }

  absl::StatusOr<std::map<TopicPartition, int64_t>> Committed(
      const std::vector<TopicPartition>& partitions, absl::Duration timeout) override {
    std::map<TopicPartition, int64_t> out;
    if (partitions.empty()) return out;
    std::vector<RdKafka::TopicPartition*> tps;
    for (const auto& tp : partitions) {
      tps.push_back(RdKafka::TopicPartition::create(tp.topic, tp.partition));
    }
    auto err = consumer_->committed(tps, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    if (err == RdKafka::ERR_NO_ERROR) {
      for (auto* tp : tps) {
        if (tp->err() == RdKafka::ERR_NO_ERROR && tp->offset() >= 0) {
          out[{tp->topic(), tp->partition()}] = tp->offset();
        }
      }
    }
    RdKafka::TopicPartition::destroy(tps);
    if (err != RdKafka::ERR_NO_ERROR) {
      return absl::UnavailableError(
          absl::StrCat("kafka committed offsets: ", RdKafka::err2str(err)));
    }
    return out;
  }

  absl::Status Seek(const std::map<TopicPartition, int64_t>& next) override {
    const auto assigned = Assignment();
    for (const auto& [tp, off] : next) {
      if (std::find(assigned.begin(), assigned.end(), tp) == assigned.end()) continue;
      std::unique_ptr<RdKafka::TopicPartition> p(
          RdKafka::TopicPartition::create(tp.topic, tp.partition, off));
      auto err = consumer_->seek(*p, 10000);
      if (err != RdKafka::ERR_NO_ERROR) {
        return absl::UnavailableError(absl::StrCat("kafka seek ", tp.topic, "/", tp.partition,
                                                   " to ", off, ": ", RdKafka::err2str(err)));
      }
      started_at_[tp] = off;
    }
    return absl::OkStatus();
  }

  // The group metadata a transactional producer commits offsets with (owned by the caller).
  RdKafka::ConsumerGroupMetadata* GroupMetadata() { return consumer_->groupMetadata(); }

  // Called by the rebalance callback (from inside consume()).
  void OnRebalance(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                   std::vector<RdKafka::TopicPartition*>& parts) {
    bool cooperative = c->rebalance_protocol() == "COOPERATIVE";
    std::vector<TopicPartition> list;
    for (auto* tp : parts) list.push_back({tp->topic(), tp->partition()});
    for (const auto& tp : list) {
      // Caught up is per assignment: a partition back from another owner has a new target.
      targets_.erase(tp);
      caught_up_.erase(tp);
      retry_at_.erase(tp);
    }
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      SetStartOffsets(parts);
      if (cooperative) {
        if (auto* e = c->incremental_assign(parts)) delete e;
      } else {
        c->assign(parts);
      }
      if (options_.on_assigned) options_.on_assigned(list);
    } else {
      if (polling_ != nullptr) polling_->Revoked(list);
      if (cooperative) {
        if (auto* e = c->incremental_unassign(parts)) delete e;
      } else {
        c->unassign();
      }
      if (options_.on_revoked) options_.on_revoked(list);
    }
  }

  // Whether an assigned partition's position (or, before its first message, the offset it
  // was started at) has reached `target`.
  bool Reached(const RdKafka::TopicPartition& tp, const TopicPartition& key, int64_t target) {
    if (target <= 0) return true;
    int64_t pos = tp.offset();
    if (pos < 0) {
      auto start = started_at_.find(key);
      if (start != started_at_.end()) pos = start->second;
    }
    return pos >= target;
  }

  void SetStartOffsets(std::vector<RdKafka::TopicPartition*>& parts) {
    for (auto* tp : parts) {
      std::optional<int64_t> start;
      if (options_.start_offset) start = options_.start_offset({tp->topic(), tp->partition()});
      tp->set_offset(start ? *start : RdKafka::Topic::OFFSET_BEGINNING);
      if (start) {
        started_at_[{tp->topic(), tp->partition()}] = *start;
      } else {
        started_at_.erase({tp->topic(), tp->partition()});
      }
    }
  }

  ConsumerOptions options_;
  std::unique_ptr<ClientEvents> events_;  // outlives consumer_
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<RdKafka::RebalanceCb> rebalance_cb_;
  PollBatch* polling_ = nullptr;  // the batch of the Poll call in progress
  std::map<TopicPartition, int64_t> targets_;  // high watermark when first asked
  std::set<TopicPartition> caught_up_;          // reached its target since the assignment
  std::map<TopicPartition, absl::Time> retry_at_;
  std::map<TopicPartition, int64_t> started_at_;  // start offsets we assigned
  std::string last_error_;
};

class RebalanceCb : public RdKafka::RebalanceCb {
 public:
  explicit RebalanceCb(RdConsumer* owner) : owner_(owner) {}
  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    owner_->OnRebalance(c, err, parts);
  }

 private:
  RdConsumer* owner_;
};

absl::Status RdConsumer::Init() {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  bool group = !options_.group_id.empty();
  std::map<std::string, std::string> defaults = {
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "false"},
      {"fetch.wait.max.ms", "100"},
      {"socket.keepalive.enable", "true"},
  };
  defaults["group.id"] = group ? options_.group_id : "cw-unused-group";
  if (group) {
    defaults["partition.assignment.strategy"] = "cooperative-sticky";
    // A crashed member's partitions move after this long (the default 45 s is slow for
    // monthly statistics that are watched for freshness).
    defaults["session.timeout.ms"] = "10000";
    defaults["heartbeat.interval.ms"] = "1000";
    if (!options_.group_instance_id.empty()) {
      defaults["group.instance.id"] = options_.group_instance_id;
    }
  }
  if (auto s = ConfigureAll(conf.get(), options_.client, defaults); !s.ok()) return s;
  events_ = std::make_unique<ClientEvents>(options_.client.login_refused_exit_after);
  if (auto s = SetEvents(conf.get(), events_.get()); !s.ok()) return s;
  std::string err;
  if (group) {
    rebalance_cb_ = std::make_unique<RebalanceCb>(this);
    if (conf->set("rebalance_cb", rebalance_cb_.get(), err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(err);
    }
  }
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", err));
  events_->Attach(consumer_.get());
  if (group) {
    auto e = consumer_->subscribe(options_.topics);
    if (e != RdKafka::ERR_NO_ERROR) {
      return absl::UnavailableError(absl::StrCat("kafka subscribe: ", RdKafka::err2str(e)));
    }
    return absl::OkStatus();
  }
  // Global-table reader: every partition of every topic.
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto& topic : options_.topics) {
    std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer_.get(), topic, nullptr, err));
    RdKafka::Metadata* md = nullptr;
    RdKafka::ErrorCode e = RdKafka::ERR__TRANSPORT;
    for (int attempt = 0; attempt < 30; ++attempt) {
      e = consumer_->metadata(false, t.get(), &md, 2000);
      if (e == RdKafka::ERR_NO_ERROR && md->topics()->size() == 1 &&
          (*md->topics())[0]->err() == RdKafka::ERR_NO_ERROR &&
          !(*md->topics())[0]->partitions()->empty()) {
        break;
      }
      delete md;
      md = nullptr;
      absl::SleepFor(absl::Milliseconds(500));
    }
    if (md == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("kafka metadata for topic ", topic, ": ", RdKafka::err2str(e)));
    }
    for (const auto* p : *(*md->topics())[0]->partitions()) {
      parts.push_back(RdKafka::TopicPartition::create(topic, p->id()));
    }
    delete md;
  }
  SetStartOffsets(parts);
  auto e = consumer_->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  if (e != RdKafka::ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka assign: ", RdKafka::err2str(e)));
  }
  return absl::OkStatus();
}

// Serves the delivery reports of a transactional producer: the first failure of the open
// transaction (which then must abort).
class TxnDeliveryCb : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) return;
    absl::MutexLock lock(&mu);
    if (first_error.ok()) {
      first_error = absl::AbortedError(
          absl::StrCat("kafka delivery to ", m.topic_name(), " failed: ", m.errstr()));
    }
  }
  absl::Mutex mu;
  absl::Status first_error ABSL_GUARDED_BY(mu);
};

class RdTxnProducer : public TransactionalProducer {
 public:
  RdTxnProducer(ClientOptions options, std::string transactional_id)
      : options_(std::move(options)),
        transactional_id_(std::move(transactional_id)),
        events_(options_.login_refused_exit_after) {}
  ~RdTxnProducer() override {
    events_.Detach();
    if (producer_ && open_) {
      if (auto* e = producer_->abort_transaction(5000)) delete e;
    }
  }

  // Creates the librdkafka producer and registers the transactional id (fencing an earlier
  // incarnation of the same id and aborting its open transaction).
  absl::Status Init() {
    events_.Detach();
    producer_.reset();
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    auto defaults = ProducerDefaults();
    defaults["transactional.id"] = transactional_id_;
    // An instance that dies with a transaction open holds back read_committed readers of
    // the partitions it wrote until the coordinator aborts it: keep that short.
    defaults["transaction.timeout.ms"] = "10000";
    defaults["message.timeout.ms"] = "10000";
    if (auto s = ConfigureAll(conf.get(), options_, defaults); !s.ok()) return s;
    std::string err;
    if (conf->set("dr_cb", &cb_, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(err);
    }
    if (auto st = SetEvents(conf.get(), &events_); !st.ok()) return st;
    producer_.reset(RdKafka::Producer::create(conf.get(), err));
    if (!producer_) return absl::InvalidArgumentError(absl::StrCat("kafka producer: ", err));
    events_.Attach(producer_.get());
    // In steps of a second, serving the producer's events in between: a refused login is
    // reported there (ClientEvents), and init_transactions alone would only time out. A
    // step that ends on a retriable error (the coordinator moving or loading, the call's
    // time running out) is resumed by calling again, for 30 s in all.
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    for (;;) {
      RdKafka::Error* e = producer_->init_transactions(1000);
      if (e != nullptr && (e->is_retriable() || e->code() == RdKafka::ERR__TIMED_OUT) &&
          !e->is_fatal() && absl::Now() < deadline) {
        delete e;
        producer_->poll(0);
        continue;
      }
      if (auto st = Check(e, "init transactions"); !st.ok()) {
        producer_.reset();
        return st;
      }
      break;
    }
    fatal_ = false;
    return absl::OkStatus();
  }

  absl::Status Begin() override {
    if (!producer_ || fatal_) {
      if (auto s = Init(); !s.ok()) return s;
    }
    {
      absl::MutexLock lock(&cb_.mu);
      cb_.first_error = absl::OkStatus();
    }
    if (auto s = Check(producer_->begin_transaction(), "begin transaction"); !s.ok()) return s;
    open_ = true;
    return absl::OkStatus();
  }

  absl::Status Send(const std::vector<OutRecord>& records) override {
    for (const auto& r : records) {
      for (;;) {
        auto err = producer_->produce(
            r.topic, r.partition < 0 ? RdKafka::Topic::PARTITION_UA : r.partition,
            RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(r.value.data()), r.value.size(),
            r.key.data(), r.key.size(), 0, nullptr);
        if (err == RdKafka::ERR_NO_ERROR) break;
        if (err == RdKafka::ERR__QUEUE_FULL) {
          producer_->poll(10);
          continue;
        }
        return absl::AbortedError(
            absl::StrCat("kafka produce to ", r.topic, ": ", RdKafka::err2str(err)));
      }
    }
    producer_->poll(0);
    return absl::OkStatus();
  }

  absl::Status Commit(const std::map<TopicPartition, int64_t>& offsets,
                      Consumer& consumer) override {
    auto* rc = dynamic_cast<RdConsumer*>(&consumer);
    if (rc == nullptr) return absl::InvalidArgumentError("not a librdkafka consumer");
    if (!offsets.empty()) {
      std::vector<RdKafka::TopicPartition*> tps;
      for (const auto& [tp, off] : offsets) {
        tps.push_back(RdKafka::TopicPartition::create(tp.topic, tp.partition, off));
      }
      std::unique_ptr<RdKafka::ConsumerGroupMetadata> md(rc->GroupMetadata());
      RdKafka::Error* e = producer_->send_offsets_to_transaction(tps, md.get(), 30000);
      RdKafka::TopicPartition::destroy(tps);
      if (auto s = Check(e, "send offsets to transaction"); !s.ok()) return s;
    }
    // commit_transaction flushes first; a record that failed delivery makes it fail with an
    // abortable error.
    auto s = Check(producer_->commit_transaction(30000), "commit transaction");
    if (!s.ok()) return s;
    events_.watch().Succeeded();
    open_ = false;
    return absl::OkStatus();
  }

  absl::Status Abort() override {
    if (!open_ || !producer_) return absl::OkStatus();
    open_ = false;
    if (fatal_) return absl::OkStatus();  // the next Begin starts a new producer
    RdKafka::Error* e = producer_->abort_transaction(30000);
    if (e == nullptr) return absl::OkStatus();
    const bool fatal = e->is_fatal();
    std::string what = e->str();
    delete e;
    if (fatal) fatal_ = true;
    return absl::UnavailableError(absl::StrCat("kafka abort transaction: ", what));
  }

  absl::StatusOr<int> PartitionCount(const std::string& topic,
                                     absl::Duration timeout) override {
    if (!producer_) {
      if (auto s = Init(); !s.ok()) return s;
    }
    std::string err;
    std::unique_ptr<RdKafka::Topic> t(
        RdKafka::Topic::create(producer_.get(), topic, nullptr, err));
    if (!t) return absl::InvalidArgumentError(absl::StrCat("topic ", topic, ": ", err));
    const absl::Time deadline = absl::Now() + timeout;
    std::string last = "no answer";
    while (absl::Now() < deadline) {
      RdKafka::Metadata* md = nullptr;
      auto e = producer_->metadata(false, t.get(), &md, 5000);
      std::unique_ptr<RdKafka::Metadata> owned(md);
      if (e == RdKafka::ERR_NO_ERROR && md->topics()->size() == 1) {
        const auto* tm = (*md->topics())[0];
        if (tm->err() == RdKafka::ERR_NO_ERROR && !tm->partitions()->empty()) {
          return static_cast<int>(tm->partitions()->size());
        }
        last = RdKafka::err2str(tm->err());
      } else {
        last = RdKafka::err2str(e);
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    return absl::UnavailableError(absl::StrCat("kafka metadata for topic ", topic, ": ", last));
  }

 private:
  // OK for no error; otherwise aborts when the error requires it and maps it: kAborted for
  // an aborted transaction (fenced or abortable), kUnavailable for a retriable one.
  absl::Status Check(RdKafka::Error* e, std::string_view what) {
    if (e == nullptr) return absl::OkStatus();
    std::unique_ptr<RdKafka::Error> owned(e);
    const std::string text = absl::StrCat("kafka ", std::string(what), ": ", e->str());
    if (e->is_fatal()) {
      // Fenced by a newer incarnation of this transactional id, or an unrecoverable
      // producer state: nothing of the open transaction becomes visible; the next Begin
      // starts a new producer.
      fatal_ = true;
      open_ = false;
      return absl::AbortedError(absl::StrCat(text, " (fatal; the producer is recreated)"));
    }
    if (e->txn_requires_abort()) {
      if (auto* a = producer_->abort_transaction(30000)) {
        if (a->is_fatal()) fatal_ = true;
        delete a;
      }
      open_ = false;
      return absl::AbortedError(absl::StrCat(text, " (transaction aborted)"));
    }
    return absl::UnavailableError(text);
  }

  ClientOptions options_;
  std::string transactional_id_;
  ClientEvents events_;  // outlives producer_
  TxnDeliveryCb cb_;
  std::unique_ptr<RdKafka::Producer> producer_;
  bool open_ = false;
  bool fatal_ = false;
};

class RdMockCluster : public MockCluster {
 public:
  RdMockCluster(rd_kafka_t* rk, rd_kafka_mock_cluster_t* mc) : rk_(rk), mc_(mc) {}
  ~RdMockCluster() override {
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(rk_);
  }
  std::string bootstrap() const override { return rd_kafka_mock_cluster_bootstraps(mc_); }
  absl::Status CreateTopic(const std::string& topic, int partitions) override {
    auto err = rd_kafka_mock_topic_create(mc_, topic.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(absl::StrCat("mock topic ", topic, ": ", rd_kafka_err2str(err)));
    }
    return absl::OkStatus();
  }

 private:
  rd_kafka_t* rk_;
  rd_kafka_mock_cluster_t* mc_;
};

}  // namespace

std::map<std::string, std::string> ProducerDefaults() {
  return {{"enable.idempotence", "true"},  {"acks", "all"},
          {"linger.ms", "5"},              {"compression.type", "lz4"},
          {"message.timeout.ms", "30000"}, {"socket.keepalive.enable", "true"}};
}

absl::StatusOr<std::unique_ptr<Producer>> NewRdKafkaProducer(const ClientOptions& options) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto s = ConfigureAll(conf.get(), options, ProducerDefaults());
  if (!s.ok()) return s;
  auto cb = std::make_unique<DeliveryCb>();
  std::string err;
  if (conf->set("dr_cb", cb.get(), err) != RdKafka::Conf::CONF_OK) {
    return absl::InvalidArgumentError(err);
  }
  auto events = std::make_unique<ClientEvents>(options.login_refused_exit_after);
  if (auto st = SetEvents(conf.get(), events.get()); !st.ok()) return st;
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  if (!p) return absl::InvalidArgumentError(absl::StrCat("kafka producer: ", err));
  return std::unique_ptr<Producer>(new RdProducer(std::move(events), std::move(p),
                                                  std::move(cb)));
}

absl::StatusOr<std::unique_ptr<TransactionalProducer>> NewRdKafkaTransactionalProducer(
    const ClientOptions& options, const std::string& transactional_id) {
  auto p = std::make_unique<RdTxnProducer>(options, transactional_id);
  if (auto s = p->Init(); !s.ok()) return s;
  return std::unique_ptr<TransactionalProducer>(std::move(p));
}

int32_t PartitionFor(std::string_view key, int partitions) {
  uint32_t h = 2166136261u;
  for (unsigned char c : key) {
    h ^= c;
    h *= 16777619u;
  }
  return static_cast<int32_t>(h % static_cast<uint32_t>(partitions));
}

absl::StatusOr<std::unique_ptr<Consumer>> NewRdKafkaConsumer(const ConsumerOptions& options) {
  auto c = std::make_unique<RdConsumer>(options);
  if (auto s = c->Init(); !s.ok()) return s;
  return std::unique_ptr<Consumer>(std::move(c));
}

absl::StatusOr<std::unique_ptr<MockCluster>> StartMockCluster(int brokers) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) return absl::InternalError(absl::StrCat("mock cluster: ", errstr));
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (mc == nullptr) {
    rd_kafka_destroy(rk);
    return absl::InternalError("mock cluster could not start");
  }
  return std::unique_ptr<MockCluster>(new RdMockCluster(rk, mc));
}

}  // namespace cw::kafka
