"""Builds the clusterwatch client package: the stubs of proto/clusterwatch/v1/*.proto are
generated with grpcio-tools into clusterwatch/v1/ of the build, next to the hand-written
façade (clusterwatch/*.py). The protos are read from $CW_PROTO_DIR, else from the repository
this folder sits in (../../proto): install from a checkout, `pip install ./clients/python`."""
import glob
import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def proto_root():
    for candidate in (os.environ.get("CW_PROTO_DIR"), os.path.join(HERE, "..", "..", "proto")):
        if candidate and os.path.isdir(os.path.join(candidate, "clusterwatch", "v1")):
            return os.path.abspath(candidate)
    raise SystemExit("clusterwatch: cannot find proto/clusterwatch/v1 (set CW_PROTO_DIR to the "
                     "repository's proto/ directory)")


class BuildPyWithStubs(build_py):
    """build_py, then protoc (grpc_tools) on every clusterwatch/v1 proto into the build."""

    def run(self):
        super().run()
        import grpc_tools
        from grpc_tools import protoc

        root = proto_root()
        protos = sorted(glob.glob(os.path.join(root, "clusterwatch", "v1", "*.proto")))
        well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
        out = self.build_lib
        os.makedirs(os.path.join(out, "clusterwatch", "v1"), exist_ok=True)
        args = ["grpc_tools.protoc", f"-I{root}", f"-I{well_known}", f"--python_out={out}",
                f"--pyi_out={out}", f"--grpc_python_out={out}", *protos]
        if protoc.main(args) != 0:
            raise SystemExit("clusterwatch: protoc failed on " + " ".join(protos))
        with open(os.path.join(out, "clusterwatch", "v1", "__init__.py"), "w") as f:
            f.write('"""Generated from proto/clusterwatch/v1 by grpcio-tools at build time."""\n')


setup(cmdclass={"build_py": BuildPyWithStubs})
