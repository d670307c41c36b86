"""MPs: the register of the 650 sitting MPs, which posts involve them, and the MP watch.

`register` (the register shipped in data/, read from the three public source files, loaded into the
database, and handle corrections people make), `detect` (which stored posts are by an MP, mention one,
or are an MP's reply to or quote of a campaign post: kept in step by the store path) and `watch` (the
optional search for MPs' posts about the campaign's subject without its hashtags). The figures are in
monitor.metrics.mps; what "engaged", "mentioned" and "not reached" mean is in monitor.metrics.definitions.
"""
