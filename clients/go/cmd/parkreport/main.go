// Command parkreport is an example client of the clusterwatch query service, on the stubs
// generated from proto/clusterwatch/v1 (package clusterwatchv1): it lists the parks of a
// region (ListParks) and prints each park's report for a period (GetParkSnapshot), money as
// exact integer fen and as 万元.
//
//	parkreport --query=HOST:PORT --region=PREFIX --period=P [--park=ID] [--tls_ca=ca.pem] [--token=T]
//
// The flags are clusterctl's: --tls_ca turns on TLS verified against that CA; --token (default
// $CW_TOKEN) is sent as "authorization: Bearer T" and needs TLS. Exit status: 0 answered,
// 1 a call failed (the gRPC status on stderr), 2 usage error. The same output, line for line,
// as clients/java's example (tests/system/test_java_go_clients.py compares both with ground
// truth).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	cw "clusterwatch/clients/go/gen/clusterwatch/v1"
)

// usageError ends the program with exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// bearer sends the token on every call; RequireTransportSecurity keeps it off plaintext.
type bearer string

func (t bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(t)}, nil
}

func (bearer) RequireTransportSecurity() bool { return true }

var (
	monthRe  = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	janFebRe = regexp.MustCompile(`^(\d{4})-01/02$`)
)

// parsePeriod reads "2024-03" or "2024-01/02" (January and February together), as clusterctl
// writes them.
func parsePeriod(text string) (*cw.Period, error) {
	if m := janFebRe.FindStringSubmatch(text); m != nil {
		year, _ := strconv.Atoi(m[1])
		return &cw.Period{Year: int32(year), Month: 2, JanFeb: true}, nil
	}
	if m := monthRe.FindStringSubmatch(text); m != nil {
		year, _ := strconv.Atoi(m[1])
		month, _ := strconv.Atoi(m[2])
		if month >= 1 && month <= 12 {
			return &cw.Period{Year: int32(year), Month: int32(month)}, nil
		}
	}
	return nil, usageError{fmt.Sprintf("--period='%s': expected YYYY-MM or YYYY-01/02", text)}
}

func periodKey(p *cw.Period) string {
	if p.GetJanFeb() {
		return fmt.Sprintf("%04d-01/02", p.GetYear())
	}
	return fmt.Sprintf("%04d-%02d", p.GetYear(), p.GetMonth())
}

// wan writes fen as exact 万元 (1 万元 = 1,000,000 fen): the decimal point moved six places.
func wan(m *cw.Money) string {
	fen := m.GetFen()
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen)
	}
	return fmt.Sprintf("%s%d.%06d", sign, u/1_000_000, u%1_000_000)
}

func main() {
	err := run(os.Args[1:], os.Stdout)
	var usage usageError
	switch {
	case err == nil:
	case errors.As(err, &usage):
		fmt.Fprintf(os.Stderr, "parkreport: %v\n", err)
		fmt.Fprintln(os.Stderr, "usage: parkreport --query=HOST:PORT --region=PREFIX "+
			"--period=YYYY-MM|YYYY-01/02 [--park=ID] [--tls_ca=FILE] [--token=T] [--timeout_seconds=N]")
		os.Exit(2)
	default:
		if s, ok := status.FromError(err); ok {
			fmt.Fprintf(os.Stderr, "parkreport: %s: %s\n", codeName(s.Code()), s.Message())
		} else {
			fmt.Fprintf(os.Stderr, "parkreport: %v\n", err)
		}
		os.Exit(1)
	}
}

// codeName is the status code as gRPC's specification spells it (NOT_FOUND), as Java prints it.
func codeName(c codes.Code) string {
	names := map[codes.Code]string{
		codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN", codes.InvalidArgument: "INVALID_ARGUMENT",
		codes.DeadlineExceeded: "DEADLINE_EXCEEDED", codes.NotFound: "NOT_FOUND",
		codes.AlreadyExists: "ALREADY_EXISTS", codes.PermissionDenied: "PERMISSION_DENIED",
		codes.ResourceExhausted: "RESOURCE_EXHAUSTED", codes.FailedPrecondition: "FAILED_PRECONDITION",
		codes.Aborted: "ABORTED", codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
		codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
		codes.Unauthenticated: "UNAUTHENTICATED",
	}
	if n, ok := names[c]; ok {
		return n
	}
	return c.String()
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("parkreport", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	query := fs.String("query", "", "query service address HOST:PORT")
	region := fs.String("region", "", "GB/T 2260 region prefix of the parks listed; empty for all")
	periodText := fs.String("period", "", "report period, YYYY-MM or YYYY-01/02")
	onlyPark := fs.String("park", "", "report only this park (of those listed)")
	ca := fs.String("tls_ca", "", "CA certificate (PEM) of the servers; enables TLS")
	token := fs.String("token", os.Getenv("CW_TOKEN"), "bearer token (default: $CW_TOKEN); needs TLS")
	timeout := fs.Int("timeout_seconds", 30, "deadline of each call")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unknown argument '%s'", fs.Arg(0))}
	}
	if *query == "" {
		return usageError{"--query is required"}
	}
	if *periodText == "" {
		return usageError{"--period is required"}
	}
	period, err := parsePeriod(*periodText)
	if err != nil {
		return err
	}

	opts := []grpc.DialOption{}
	if *ca == "" {
		if *token != "" {
			return usageError{"a token needs TLS: give --tls_ca (the servers' CA)"}
		}
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		pem, err := os.ReadFile(*ca)
		if err != nil {
			return usageError{fmt.Sprintf("--tls_ca=%s: cannot read the file (%v)", *ca, err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return usageError{fmt.Sprintf("--tls_ca=%s: no PEM certificate in the file", *ca)}
		}
		opts = append(opts, grpc.WithTransportCredentials(
			credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})))
		if *token != "" {
			opts = append(opts, grpc.WithPerRPCCredentials(bearer(*token)))
		}
	}
	conn, err := grpc.NewClient(*query, opts...)
	if err != nil {
		return usageError{fmt.Sprintf("--query=%s: %v", *query, err)}
	}
	defer conn.Close()
	client := cw.NewQueryServiceClient(conn)
	call := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), time.Duration(*timeout)*time.Second)
	}

	ctx, cancel := call()
	list, err := client.ListParks(ctx, &cw.ListParksRequest{RegionPrefix: *region})
	cancel()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "parks in region '%s': %d\n", *region, len(list.GetParks()))
	for _, p := range list.GetParks() {
		fmt.Fprintf(out, "park %s %s %d %s\n", p.GetId(), p.GetCountyCode(), p.GetAreaMu(), p.GetName())
	}
	for _, p := range list.GetParks() {
		if *onlyPark != "" && *onlyPark != p.GetId() {
			continue
		}
		ctx, cancel := call()
		r, err := client.GetParkSnapshot(ctx, &cw.GetParkSnapshotRequest{ParkId: p.GetId(), Period: period})
		cancel()
		if status.Code(err) == codes.NotFound {
			fmt.Fprintf(out, "no report %s %s\n", p.GetId(), periodKey(period))
			continue
		}
		if err != nil {
			return err
		}
		printReport(out, r.GetSnapshot())
	}
	return nil
}

func printReport(out io.Writer, s *cw.ParkSnapshot) {
	m, y := s.GetMonth(), s.GetYearToDate()
	fmt.Fprintf(out, "report %s %s\n", s.GetParkId(), periodKey(s.GetPeriod()))
	if s.GetConfidential() {
		fmt.Fprintf(out, "  confidential %s\n", s.GetConfidentialReason())
	}
	money := func(name string, month, ytd *cw.Money) {
		fmt.Fprintf(out, "  %s month=%d ytd=%d fen (%s 万元)\n", name, month.GetFen(), ytd.GetFen(), wan(ytd))
	}
	money("gross_output", m.GetGrossOutput(), y.GetGrossOutput())
	money("sales_output", m.GetSalesOutput(), y.GetSalesOutput())
	money("export_delivery", m.GetExportDelivery(), y.GetExportDelivery())
	money("total_tax", m.GetTotalTax(), y.GetTotalTax())
	money("vat", m.GetVat(), y.GetVat())
	money("corporate_income_tax", m.GetCorporateIncomeTax(), y.GetCorporateIncomeTax())
	money("purchases", m.GetPurchases(), y.GetPurchases())
	money("purchases_in_park", m.GetPurchasesInPark(), y.GetPurchasesInPark())
	money("purchases_in_region", m.GetPurchasesInRegion(), y.GetPurchasesInRegion())
	fmt.Fprintf(out, "  employees month=%d ytd=%d\n", m.GetEmployees(), y.GetEmployees())
	fmt.Fprintf(out, "  output_reporters month=%d ytd=%d\n", m.GetOutputReporters(), y.GetOutputReporters())
	fmt.Fprintf(out, "  tax_reporters month=%d ytd=%d\n", m.GetTaxReporters(), y.GetTaxReporters())
	for _, i := range s.GetIndustries() {
		conf := ""
		if i.GetConfidential() {
			conf = " confidential " + i.GetConfidentialReason()
		}
		fmt.Fprintf(out, "  industry %s month=%d ytd=%d fen%s\n", i.GetIndustry(),
			i.GetMonth().GetGrossOutput().GetFen(), i.GetYearToDate().GetGrossOutput().GetFen(), conf)
	}
}
