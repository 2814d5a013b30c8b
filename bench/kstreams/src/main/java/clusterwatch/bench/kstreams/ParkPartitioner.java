// Partitions the contributions topic by park: key "<park>|<period>|<uscc>|<o|t>", partition
// FNV-1a(park) mod N, as cw-aggregator's enterprise stage (kafka::PartitionFor), so every
// contribution to one park-period reaches the same park task.
package clusterwatch.bench.kstreams;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.processor.StreamPartitioner;

final class ParkPartitioner implements StreamPartitioner<String, byte[]> {
  static int partitionFor(String park, int partitions) {
    int h = 0x811c9dc5;
    for (byte b : park.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 16777619;
    }
    return (int) (Integer.toUnsignedLong(h) % partitions);
  }

  @Override
  public Optional<Set<Integer>> partitions(String topic, String key, byte[] value, int numPartitions) {
    final int bar = key.indexOf('|');
    return Optional.of(Set.of(partitionFor(bar < 0 ? key : key.substring(0, bar), numPartitions)));
  }
}
