"""`python -m monitor.cli`: the same commands as `campaign-monitor`."""
from monitor.cli import main

main()
