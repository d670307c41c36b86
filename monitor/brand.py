"""NAHT's colours, defined once: the dashboard's theme (monitor.serve passes them to Streamlit), its
charts and tables (monitor.dashboard.markup) and the PDF report (monitor.reports.pdf) all read them here.

Every text colour below passes WCAG 2.2 AA (4.5:1) on the background it is used on; the browser tests
run axe-core on every page to hold that.
"""
NAVY = "#1F3864"          # NAHT navy: headings, table headers, bars, the theme's primary colour
NAVY_LIGHT = "#E8ECF4"    # alternate table rows, the lightest map tile
GREY = "#595959"          # secondary text (7.0:1 on white)
GREY_MUTED = "#9AA3B5"    # the Unknown bar in the PDF's region chart (a bar, not text)
UP = "#1B7F3B"            # a rise (5.3:1 on white)
DOWN = "#B3261E"          # a fall (6.5:1 on white)
GAP_RED = "#B3261E"       # collection gaps on the timeline
REACH = "#C25E00"         # the potential reach line on the timeline (4.6:1 on white)
TEXT = "#1A1C23"          # body text (16:1 on white)
ACTION = "#D99A00"        # a campaign action's mark on the timeline (a line and flag, not text)
