"""A stand-in training script for the mtr demo: runs on the server, in the synced project."""
import argparse
import os
import socket
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args()

print(f"running on {socket.gethostname()} in {os.getcwd()}")
for epoch in range(1, args.epochs + 1):
    time.sleep(0.2)
    print(f"epoch {epoch}/{args.epochs}: loss={1.0 / epoch:.3f}")
print("warnings go to stderr", file=sys.stderr)
sys.exit(0)
