#!/usr/bin/env python3
"""Parse every file in DIR with feedparser (what rss2email uses) RUNS times; print one JSON
object per run: {"items": N, "bytes": B, "seconds": S}. The same bytes govwatch parses."""
import json
import os
import sys
import time

import feedparser


def main() -> None:
    directory, runs = sys.argv[1], int(sys.argv[2])
    docs = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            docs.append(f.read())
    size = sum(len(d) for d in docs)
    for _ in range(runs):
        start = time.perf_counter()
        items = 0
        for doc in docs:
            items += len(feedparser.parse(doc).entries)
        print(json.dumps({"items": items, "bytes": size, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
