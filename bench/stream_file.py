"""Writes a large output-report CSV for the streamed-push benchmark (bench/ingest_stream.sh):
the output rows of a `clusterctl gen-sample` directory, repeated with rising revisions
(1, 2, ...) until ROWS rows, so that every row is a distinct report ingest accepts.

Usage: python3 bench/stream_file.py SAMPLE_DIR OUT_CSV ROWS
Prints the number of rows and bytes written."""
import glob
import os
import sys

HEADER = "uscc,industry,period,gross_output,sales_output,export_delivery,employees"


def main(argv):
    sample, out, rows = argv[1], argv[2], int(argv[3])
    header, base = HEADER, []
    for path in sorted(glob.glob(os.path.join(sample, "reports", "*-output.csv"))):
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", errors="replace").splitlines()
        if lines[0] == HEADER:  # the files of this shape (others add columns)
            base += [line for line in lines[1:] if line]
    if not base:
        sys.exit(f"{sample}/reports has no output rows")
    with open(out, "w", encoding="utf-8") as f:
        f.write(header + ",revision\n")
        for i in range(rows):
            f.write(f"{base[i % len(base)]},{1 + i // len(base)}\n")
    print(rows, os.path.getsize(out))


if __name__ == "__main__":
    main(sys.argv)
