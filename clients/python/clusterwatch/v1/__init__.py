"""Generated from proto/clusterwatch/v1 by grpcio-tools at build time."""
