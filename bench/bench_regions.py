"""Attribution throughput: profile locations per second, cold and cached, over 100,000 strings.

cold:   every string unique and the locate() cache cleared, so each one is parsed and resolved
        (the gazetteer tables are already in memory: loading them is timed separately);
cached: 100,000 lookups drawn from a few hundred realistic strings, as real bios repeat.
Prints the median of several runs.  Usage: .venv/bin/python bench/bench_regions.py [--runs 5]
"""
import argparse
import csv
import random
import statistics
import time
from pathlib import Path

from monitor.regions import gazetteer, locate

N = 100_000
LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "locations_labelled.csv"
DECORATIONS = ["{}", "{}, UK", "Sunny {}", "{} 🏫", "near {}", "{} / somewhere", "Head in {} #{}",
               "{}, England", "📍{}", "Teacher | {}"]


def base_strings() -> list[str]:
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        return [row["location"] for row in csv.DictReader(fh)]


def unique_strings(bases: list[str], count: int, seed: int) -> list[str]:
    """Realistic shapes made unique with a number, so no cache can help."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        base = rng.choice(bases)
        shape = rng.choice(DECORATIONS)
        out.append(shape.format(base, index) + f" {index}")
    return out


def timed(strings: list[str]) -> float:
    start = time.perf_counter()
    for text in strings:
        locate(text)
    return len(strings) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=N)
    args = parser.parse_args()

    gazetteer.clear_memory()
    start = time.perf_counter()
    gazetteer.get_tables()
    load_seconds = time.perf_counter() - start

    bases = base_strings()
    cold, cached = [], []
    for run in range(args.runs):
        locate.cache_clear()
        cold.append(timed(unique_strings(bases, args.count, seed=run)))
        rng = random.Random(run)
        repeated = [rng.choice(bases) for _ in range(args.count)]
        locate.cache_clear()
        cached.append(timed(repeated))

    print(f"gazetteer tables in memory after {load_seconds:.2f} s (pickle cache or build)")
    print(f"cold   (unique strings, cache cleared): {statistics.median(cold):>10,.0f} locations/s "
          f"(median of {args.runs} runs of {args.count:,})")
    print(f"cached (repeated strings):              {statistics.median(cached):>10,.0f} locations/s "
          f"(median of {args.runs} runs of {args.count:,})")


if __name__ == "__main__":
    main()
