// The records that flow between the Flink peer's operators: Flink POJOs (public fields, a
// public no-argument constructor), so its PojoSerializer, not Kryo, ships them across the
// keyBy exchanges. Payloads stay serialized protobuf (byte[]); each operator parses what it
// needs.
package clusterwatch.bench.flink;

public final class Records {
  private Records() {}

  /** One message of the reports topic, as the Kafka source read it. */
  public static final class Report {
    public String key;       // the Kafka key: ingest keys every report by the enterprise's USCC
    public byte[] value;     // a clusterwatch.v1.ReportEnvelope, or poison
    public int partition;
    public long offset;
    public long timestamp;

    public Report() {}
  }

  /**
   * A contribution upsert from the enterprise stage to the park stage (cw.contributions.v1's
   * record in cw-aggregator): keyed by its park-period (ParkPeriod: routed by park) for the
   * exchange; value a clusterwatch.v1.ContributionUpdate.
   */
  public static final class ContributionRecord {
    public ParkPeriod key;
    public byte[] value;

    public ContributionRecord() {}

    public ContributionRecord(ParkPeriod key, byte[] value) {
      this.key = key;
      this.value = value;
    }
  }

  /** A record for a Kafka sink: key and value as the topic takes them. */
  public static final class Keyed {
    public String key;
    public byte[] value;

    public Keyed() {}

    public Keyed(String key, byte[] value) {
      this.key = key;
      this.value = value;
    }
  }
}
