"""A label worker's process: batches of texts in on stdin, their labels out on stdout.

Each frame is a 4-byte little-endian length, then that many bytes: in, on stdin, the batch's
texts in UTF-8, joined by `text_keys.SEPARATOR`; out, on a pipe of its own whose descriptor is
the worker's one argument, one label byte per text, in order. The worker stops at the end of its
input (the service closed it). Its stdout is the service's: nothing printed there can be taken
for an answer.
"""

from __future__ import annotations

import os
import signal
import struct
import sys
from typing import BinaryIO

from backend.app.analytics.pain_points.text_keys import label_joined

FRAME = struct.Struct("<I")


def read_frame(stream: BinaryIO) -> bytes | None:
    """Return the next frame's bytes, or None at the end of the input."""
    header = stream.read(FRAME.size)
    if len(header) < FRAME.size:
        return None
    (size,) = FRAME.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return body


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    """Label every batch read from `source` and write its labels to `sink`, until the end."""
    while (batch := read_frame(source)) is not None:
        labels = label_joined(batch.decode())
        sink.write(FRAME.pack(len(labels)) + labels)
        sink.flush()


def main() -> None:
    """Serve on stdin and the answers' pipe named by the first argument."""
    # Ctrl-C in `make run` reaches the whole process group: the service closes this worker's
    # input as it stops, and a worker left without its service sees its input end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with os.fdopen(int(sys.argv[1]), "wb") as sink:
        serve(sys.stdin.buffer, sink)


if __name__ == "__main__":
    main()
