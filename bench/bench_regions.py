"""Attribution throughput: profile locations per second, cold and cached, over 100,000 strings.

cold:   every string unique and locate()'s caches cleared, so each one is parsed and resolved
        (the gazetteer tables are already in memory: loading them is timed separately);
cached: 100,000 lookups drawn from the same realistic strings, as real bios repeat, once each of
        them has been seen (the steady state of a running collector: every lookup a cache hit);
first:  the first sight of each of those strings, cache cleared (what a new collector does).
The strings are those of tests/data/locations_feed.csv (shaped like a real feed: three quarters
abroad or naming no place) and tests/data/locations_labelled.csv (mostly UK).
Rates are per CPU second of this process. Prints the median of several runs.
Usage: .venv/bin/python bench/bench_regions.py [--runs 5]

To measure older code on the same strings, put its checkout first on the path:
    PYTHONPATH=/path/to/old/checkout .venv/bin/python bench/bench_regions.py
"""
import argparse
import csv
import random
import statistics
import time
from pathlib import Path

import monitor.regions as regions
import monitor.regions.text as text_module
from monitor.regions import gazetteer, locate

N = 100_000
DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SOURCES = [DATA / "locations_feed.csv", DATA / "locations_labelled.csv"]
DECORATIONS = ["{}", "{}, UK", "Sunny {}", "{} 🏫", "near {}", "{} / somewhere", "Head in {} #{}",
               "{}, England", "📍{}", "Teacher | {}"]


def base_strings() -> list[str]:
    strings = []
    for path in SOURCES:
        with path.open(encoding="utf-8", newline="") as fh:
            strings += [row["location"] for row in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return strings


def unique_strings(bases: list[str], count: int, seed: int) -> list[str]:
    """Realistic shapes made unique with a number, so no cache can help."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        base = rng.choice(bases)
        shape = rng.choice(DECORATIONS)
        out.append(shape.format(base, index) + f" {index}")
    return out


def forget_everything() -> None:
    if hasattr(regions, "clear_caches"):
        regions.clear_caches()
    else:  # code from before clear_caches() existed
        locate.cache_clear()
        gazetteer.clear_memory()


def forget_answers() -> None:
    """Clear locate()'s cache, and the word normaliser's where it has one (not before issue 12)."""
    locate.cache_clear()
    if hasattr(text_module.norm, "cache_clear"):
        text_module.norm.cache_clear()


def timed(strings: list[str]) -> float:
    """Locations per CPU second of this process: other work on a shared machine counts less than
    in wall-clock time (it still costs caches and turbo)."""
    start = time.process_time()
    for text in strings:
        locate(text)
    return len(strings) / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=N)
    args = parser.parse_args()

    forget_everything()
    start = time.perf_counter()
    gazetteer.get_tables()
    load_seconds = time.perf_counter() - start

    bases = base_strings()
    cold, first, cached = [], [], []
    for run in range(args.runs):
        forget_answers()
        cold.append(timed(unique_strings(bases, args.count, seed=run)))
        forget_answers()
        first.append(timed(bases))
        rng = random.Random(run)
        cached.append(timed([rng.choice(bases) for _ in range(args.count)]))

    print(f"code: {Path(regions.__file__).resolve().parent}; {len(bases):,} base strings")
    print(f"gazetteer tables in memory after {load_seconds:.2f} s (pickle cache or build)")
    print(f"cold   (unique strings, cache cleared): {statistics.median(cold):>10,.0f} locations/s "
          f"(median of {args.runs} runs of {args.count:,})")
    print(f"first  (each base string once, cleared): {statistics.median(first):>9,.0f} locations/s "
          f"(median of {args.runs} runs of {len(bases):,})")
    print(f"cached (repeated strings, all seen):    {statistics.median(cached):>10,.0f} locations/s "
          f"(median of {args.runs} runs of {args.count:,})")


if __name__ == "__main__":
    main()
