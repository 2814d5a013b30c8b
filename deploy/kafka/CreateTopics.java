// CreateTopics — idempotent topic creation, ACLs (and a readiness probe) for the local Kafka
// broker.
//
// Run by scripts/kafka.sh against the jars that `kafka.sh fetch` resolves; one JVM does the
// whole job, which matters because each JVM launch costs about a second.
//
// Usage:
//   java -cp "<classes>:<libs>/*" CreateTopics --bootstrap HOST:PORT [--wait-ms N] [--list]
//        [--command-config FILE] [--acl USER/TYPE/NAME/OPS]... [--list-acls]
//        [NAME:PARTITIONS[:key=value,key=value...]]...
//
//   --wait-ms N   retry until the broker answers (and topics can be created) for up to N ms
//   --list        print the topics (name, partitions, and non-default configs of our topics)
//   --command-config FILE  Java client properties (security.protocol, sasl.jaas.config, ...)
//                 for a secured broker; secrets stay in the file, off the command line
//   --acl USER/TYPE/NAME/OPS  allow principal User:USER the operations OPS ('+'-separated:
//                 read, write, describe, create, ...) on the resource TYPE (topic, group,
//                 transactional-id, cluster) NAME, from any host; a NAME ending in '*' is a
//                 prefix. Creating an ACL that exists is a no-op.
//   --list-acls   print every ACL binding, sorted
//   NAME:...      create the topic when missing (replication factor 1 unless
//                 CW_REPLICATION_FACTOR says otherwise); an existing topic is left alone,
//                 with a warning when its partition count differs.
// Exit code: 0 on success, 1 on any failure (the reason goes to stderr).
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.errors.TopicExistsException;

public final class CreateTopics {
    private record Spec(String name, int partitions, Map<String, String> configs) {}

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (Exception e) {
            System.err.println("CreateTopics: " + describe(e));
            System.exit(1);
        }
    }

    private static int run(String[] args) throws Exception {
        String bootstrap = null;
        long waitMs = 0;
        boolean list = false;
        boolean listAcls = false;
        String commandConfig = null;
        List<Spec> specs = new ArrayList<>();
        List<AclBinding> acls = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--wait-ms" -> waitMs = Long.parseLong(args[++i]);
                case "--list" -> list = true;
                case "--command-config" -> commandConfig = args[++i];
                case "--acl" -> acls.addAll(parseAcl(args[++i]));
                case "--list-acls" -> listAcls = true;
                default -> specs.add(parseSpec(args[i]));
            }
        }
        if (bootstrap == null) {
            System.err.println("CreateTopics: --bootstrap HOST:PORT is required");
            return 2;
        }
        short rf = Short.parseShort(System.getenv().getOrDefault("CW_REPLICATION_FACTOR", "1"));

        Properties props = new Properties();
        if (commandConfig != null) {
            try (var in = new java.io.FileInputStream(commandConfig)) {
                props.load(in);
            }
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "clusterwatch-create-topics");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");

        long deadline = System.currentTimeMillis() + waitMs;
        try (Admin admin = Admin.create(props)) {
            // Ready = the cluster answers with at least one (unfenced) broker.
            while (true) {
                try {
                    int brokers = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (brokers > 0) break;
                    throw new IllegalStateException("no broker registered yet");
                } catch (Exception e) {
                    if (System.currentTimeMillis() >= deadline) throw e;
                    Thread.sleep(250);
                }
            }

            if (!specs.isEmpty()) createMissing(admin, specs, rf, deadline);
            if (!acls.isEmpty()) admin.createAcls(acls).all().get();
            if (list) printTopics(admin, specs);
            if (listAcls) printAcls(admin);
        }
        return 0;
    }

    private static void createMissing(Admin admin, List<Spec> specs, short rf, long deadline)
            throws Exception {
        while (true) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> toCreate = new ArrayList<>();
            for (Spec s : specs) {
                if (!existing.contains(s.name())) {
                    toCreate.add(new NewTopic(s.name(), s.partitions(), rf).configs(s.configs()));
                }
            }
            if (toCreate.isEmpty()) break;
            CreateTopicsResult result = admin.createTopics(toCreate);
            Exception retriable = null;
            for (NewTopic t : toCreate) {
                try {
                    result.values().get(t.name()).get();
                    System.out.println("created " + t.name() + " partitions=" + t.numPartitions()
                            + " " + t.configs());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) continue;  // a racing creator
                    if (e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) {
                        retriable = e;
                        continue;
                    }
                    throw new IllegalStateException("creating " + t.name() + ": " + describe(e), e);
                }
            }
            if (retriable == null) break;
            if (System.currentTimeMillis() >= deadline) throw retriable;
            Thread.sleep(250);
        }

        // Report drift instead of silently accepting a topic made differently elsewhere.
        Map<String, TopicDescription> desc = admin.describeTopics(
                specs.stream().map(Spec::name).toList()).allTopicNames().get();
        for (Spec s : specs) {
            int have = desc.get(s.name()).partitions().size();
            if (have != s.partitions()) {
                System.err.println("CreateTopics: warning: " + s.name() + " has " + have
                        + " partitions, wanted " + s.partitions() + " (left as is)");
            }
        }
    }

    private static void printTopics(Admin admin, List<Spec> specs) throws Exception {
        Set<String> names = new TreeSet<>(admin.listTopics().names().get());
        Map<String, TopicDescription> desc = admin.describeTopics(names).allTopicNames().get();
        Collection<ConfigResource> resources = names.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        for (String n : names) {
            StringBuilder line = new StringBuilder(n).append(" partitions=")
                    .append(desc.get(n).partitions().size());
            Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, n));
            for (ConfigEntry e : c.entries()) {
                if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                    line.append(' ').append(e.name()).append('=').append(e.value());
                }
            }
            System.out.println(line);
        }
    }

    private static void printAcls(Admin admin) throws Exception {
        Set<String> lines = new TreeSet<>();
        for (AclBinding b : admin.describeAcls(AclBindingFilter.ANY).values().get()) {
            ResourcePattern r = b.pattern();
            AccessControlEntry e = b.entry();
            lines.add(e.principal() + " " + e.permissionType() + " " + e.operation() + " "
                    + r.resourceType() + " " + r.name()
                    + (r.patternType() == PatternType.PREFIXED ? "*" : "") + " host=" + e.host());
        }
        lines.forEach(System.out::println);
    }

    // USER/TYPE/NAME/OPS, e.g. cw-query/topic/cw.alerts.v1/read or
    // cw-aggregator/transactional-id/cw-aggregator*/write+describe.
    private static List<AclBinding> parseAcl(String arg) {
        String[] parts = arg.split("/", -1);
        if (parts.length != 4 || parts[0].isEmpty() || parts[2].isEmpty() || parts[3].isEmpty()) {
            throw new IllegalArgumentException("bad ACL '" + arg + "', want USER/TYPE/NAME/OPS");
        }
        ResourceType type = switch (parts[1]) {
            case "topic" -> ResourceType.TOPIC;
            case "group" -> ResourceType.GROUP;
            case "transactional-id" -> ResourceType.TRANSACTIONAL_ID;
            case "cluster" -> ResourceType.CLUSTER;
            default -> throw new IllegalArgumentException("bad resource type in ACL '" + arg + "'");
        };
        String name = parts[2];
        PatternType pattern = PatternType.LITERAL;
        if (name.endsWith("*") && name.length() > 1) {
            name = name.substring(0, name.length() - 1);
            pattern = PatternType.PREFIXED;
        }
        List<AclBinding> out = new ArrayList<>();
        for (String op : parts[3].split("\\+")) {
            AclOperation operation = AclOperation.fromString(op.replace('-', '_'));
            if (operation == AclOperation.UNKNOWN || operation == AclOperation.ANY) {
                throw new IllegalArgumentException("bad operation '" + op + "' in ACL '" + arg + "'");
            }
            out.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + parts[0], "*", operation,
                            AclPermissionType.ALLOW)));
        }
        return out;
    }

    private static Spec parseSpec(String arg) {
        String[] parts = arg.split(":", 3);
        if (parts.length < 2 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("bad topic spec '" + arg
                    + "', want NAME:PARTITIONS[:key=value,...]");
        }
        Map<String, String> configs = new LinkedHashMap<>();
        if (parts.length == 3 && !parts[2].isEmpty()) {
            for (String kv : parts[2].split(",")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("bad config '" + kv + "' in " + arg);
                configs.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return new Spec(parts[0], Integer.parseInt(parts[1]), configs);
    }

    private static String describe(Throwable e) {
        Throwable t = (e instanceof ExecutionException && e.getCause() != null) ? e.getCause() : e;
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
