// Example client of the clusterwatch query service, on the stubs generated from
// proto/clusterwatch/v1 (QueryServiceGrpc): lists the parks of a region (ListParks) and prints
// each park's report for a period (GetParkSnapshot), money as exact integer fen and as 万元.
//
//   java -jar target/clusterwatch-client.jar --query=HOST:PORT --region=PREFIX --period=P
//        [--park=ID] [--tls_ca=ca.pem] [--token=T]
//
// The flags are clusterctl's: --tls_ca turns on TLS verified against that CA; --token (default
// $CW_TOKEN) is sent as "authorization: Bearer T" and needs TLS. Exit status: 0 answered,
// 1 a call failed (the gRPC status on stderr), 2 usage error. The same output, line for line,
// as clients/go's example (tests/system/test_java_go_clients.py compares both with ground
// truth).
package clusterwatch.example;

import clusterwatch.v1.GetParkSnapshotRequest;
import clusterwatch.v1.GetParkSnapshotResponse;
import clusterwatch.v1.IndustryTotals;
import clusterwatch.v1.ListParksRequest;
import clusterwatch.v1.Money;
import clusterwatch.v1.Park;
import clusterwatch.v1.ParkSnapshot;
import clusterwatch.v1.Period;
import clusterwatch.v1.QueryServiceGrpc;
import clusterwatch.v1.Totals;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ParkReport {
  private static final String USAGE =
      "usage: ParkReport --query=HOST:PORT --region=PREFIX --period=YYYY-MM|YYYY-01/02 "
          + "[--park=ID] [--tls_ca=FILE] [--token=T] [--timeout_seconds=N]";

  private ParkReport() {}

  /** A usage error: exit status 2. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  public static void main(String[] args) {
    try {
      System.exit(run(args));
    } catch (UsageException e) {
      System.err.println("ParkReport: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
    }
  }

  static Map<String, String> parseFlags(String[] args) throws UsageException {
    List<String> known = List.of("query", "region", "period", "park", "tls_ca", "token",
        "timeout_seconds");
    Map<String, String> flags = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0 || !known.contains(a.substring(2, eq))) {
        throw new UsageException("unknown argument '" + a + "'");
      }
      flags.put(a.substring(2, eq), a.substring(eq + 1));
    }
    for (String required : List.of("query", "period")) {
      if (flags.getOrDefault(required, "").isEmpty()) {
        throw new UsageException("--" + required + " is required");
      }
    }
    return flags;
  }

  private static final Pattern MONTH = Pattern.compile("(\\d{4})-(\\d{2})");
  private static final Pattern JAN_FEB = Pattern.compile("(\\d{4})-01/02");

  /** "2024-03" or "2024-01/02" (January and February together), as clusterctl writes them. */
  static Period parsePeriod(String text) throws UsageException {
    Matcher m = JAN_FEB.matcher(text);
    if (m.matches()) {
      return Period.newBuilder().setYear(Integer.parseInt(m.group(1))).setMonth(2)
          .setJanFeb(true).build();
    }
    m = MONTH.matcher(text);
    if (m.matches()) {
      int month = Integer.parseInt(m.group(2));
      if (month >= 1 && month <= 12) {
        return Period.newBuilder().setYear(Integer.parseInt(m.group(1))).setMonth(month)
            .build();
      }
    }
    throw new UsageException("--period='" + text + "': expected YYYY-MM or YYYY-01/02");
  }

  static String periodKey(Period p) {
    return p.getJanFeb() ? String.format("%04d-01/02", p.getYear())
                         : String.format("%04d-%02d", p.getYear(), p.getMonth());
  }

  /** Fen as exact 万元 (1 万元 = 1,000,000 fen): the decimal point moved six places. */
  static String wan(Money m) {
    return BigDecimal.valueOf(m.getFen(), 6).toPlainString();
  }

  /** The bearer token on every call. */
  static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor,
                                       MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + token);
        applier.apply(headers);
      }
    };
  }

  static int run(String[] args) throws UsageException {
    Map<String, String> flags = parseFlags(args);
    Period period = parsePeriod(flags.get("period"));
    String region = flags.getOrDefault("region", "");
    String onlyPark = flags.getOrDefault("park", "");
    String token = flags.containsKey("token") ? flags.get("token")
                                               : System.getenv().getOrDefault("CW_TOKEN", "");
    long timeout;
    try {
      timeout = Long.parseLong(flags.getOrDefault("timeout_seconds", "30"));
    } catch (NumberFormatException e) {
      throw new UsageException("--timeout_seconds: not a number");
    }

    ChannelCredentials creds;
    String ca = flags.getOrDefault("tls_ca", "");
    if (ca.isEmpty()) {
      if (!token.isEmpty()) {
        throw new UsageException("a token needs TLS: give --tls_ca (the servers' CA)");
      }
      creds = InsecureChannelCredentials.create();
    } else {
      try {
        creds = TlsChannelCredentials.newBuilder().trustManager(new File(ca)).build();
      } catch (IOException e) {
        throw new UsageException("--tls_ca=" + ca + ": cannot read the file (" + e.getMessage()
            + ")");
      }
    }
    ManagedChannel channel = Grpc.newChannelBuilder(flags.get("query"), creds).build();
    try {
      QueryServiceGrpc.QueryServiceBlockingStub stub = QueryServiceGrpc.newBlockingStub(channel);
      if (!token.isEmpty()) {
        stub = stub.withCallCredentials(bearer(token));
      }

      List<Park> parks = stub.withDeadlineAfter(timeout, TimeUnit.SECONDS)
          .listParks(ListParksRequest.newBuilder().setRegionPrefix(region).build()).getParksList();
      System.out.printf("parks in region '%s': %d%n", region, parks.size());
      for (Park p : parks) {
        System.out.printf("park %s %s %d %s%n", p.getId(), p.getCountyCode(), p.getAreaMu(),
            p.getName());
      }
      for (Park p : parks) {
        if (!onlyPark.isEmpty() && !onlyPark.equals(p.getId())) {
          continue;
        }
        GetParkSnapshotResponse r;
        try {
          r = stub.withDeadlineAfter(timeout, TimeUnit.SECONDS).getParkSnapshot(GetParkSnapshotRequest.newBuilder()
              .setParkId(p.getId()).setPeriod(period).build());
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
            System.out.printf("no report %s %s%n", p.getId(), periodKey(period));
            continue;
          }
          throw e;
        }
        printReport(r.getSnapshot());
      }
      return 0;
    } catch (StatusRuntimeException e) {
      System.err.printf("ParkReport: %s: %s%n", e.getStatus().getCode(),
          e.getStatus().getDescription());
      return 1;
    } finally {
      channel.shutdownNow();
    }
  }

  static void printReport(ParkSnapshot s) {
    Totals m = s.getMonth();
    Totals y = s.getYearToDate();
    System.out.printf("report %s %s%n", s.getParkId(), periodKey(s.getPeriod()));
    if (s.getConfidential()) {
      System.out.printf("  confidential %s%n", s.getConfidentialReason());
    }
    money("gross_output", m.getGrossOutput(), y.getGrossOutput());
    money("sales_output", m.getSalesOutput(), y.getSalesOutput());
    money("export_delivery", m.getExportDelivery(), y.getExportDelivery());
    money("total_tax", m.getTotalTax(), y.getTotalTax());
    money("vat", m.getVat(), y.getVat());
    money("corporate_income_tax", m.getCorporateIncomeTax(), y.getCorporateIncomeTax());
    money("purchases", m.getPurchases(), y.getPurchases());
    money("purchases_in_park", m.getPurchasesInPark(), y.getPurchasesInPark());
    money("purchases_in_region", m.getPurchasesInRegion(), y.getPurchasesInRegion());
    System.out.printf("  employees month=%d ytd=%d%n", m.getEmployees(), y.getEmployees());
    System.out.printf("  output_reporters month=%d ytd=%d%n", m.getOutputReporters(),
        y.getOutputReporters());
    System.out.printf("  tax_reporters month=%d ytd=%d%n", m.getTaxReporters(),
        y.getTaxReporters());
    for (IndustryTotals i : s.getIndustriesList()) {
      System.out.printf("  industry %s month=%d ytd=%d fen%s%n", i.getIndustry(),
          i.getMonth().getGrossOutput().getFen(), i.getYearToDate().getGrossOutput().getFen(),
          i.getConfidential() ? " confidential " + i.getConfidentialReason() : "");
    }
  }

  static void money(String name, Money month, Money ytd) {
    System.out.printf("  %s month=%d ytd=%d fen (%s 万元)%n", name, month.getFen(), ytd.getFen(),
        wan(ytd));
  }
}
