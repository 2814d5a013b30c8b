// The key of the Flink peer's park stage: a park-period, routed by its park.
//
// cw-aggregator partitions cw.contributions.v1 by park (FNV-1a(park) mod N) and keeps its park
// stage's state under park-period keys (a|park|period, f|park|period|uscc, ...). Flink assigns
// a key to a key group (and so to a subtask) by the key's hashCode(); hashCode() here is the
// park's alone, so every period of a park goes to the same subtask (the keying by park) while
// the keyed state, timers included, is per park-period: a snapshot reads exactly its own
// park-period's firms, as cw-aggregator's and the Streams peer's prefix scans do (Flink's
// MapState has no prefix scan within a key). equals() is over both fields, as it must be.
package clusterwatch.bench.flink;

import java.util.Objects;

public final class ParkPeriod {
  public String park;
  public String period;  // period key, e.g. "2024-05", "2024-01/02"

  public ParkPeriod() {}

  public ParkPeriod(String park, String period) {
    this.park = park;
    this.period = period;
  }

  @Override
  public int hashCode() {
    return park.hashCode();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ParkPeriod)) return false;
    final ParkPeriod k = (ParkPeriod) o;
    return Objects.equals(park, k.park) && Objects.equals(period, k.period);
  }

  @Override
  public String toString() {
    return park + "|" + period;
  }
}
