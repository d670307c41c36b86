"""`python -m monitor.regions explain "Notts"` (the same as `campaign-monitor regions explain`)."""
import sys

from . import explain


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] != "explain":
        print('usage: python -m monitor.regions explain "LOCATION" ["LOCATION" ...]', file=sys.stderr)
        return 2
    for index, text in enumerate(args[1:]):
        if index:
            print()
        print(explain(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
