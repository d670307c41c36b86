"""Alerts that reach people: rules over what is stored, each occurrence once, by e-mail and webhook.

`settings` (the rules' settings and defaults; plain data, read by monitor.config), `rules` (the rule
registry: one function a rule), `channels` (e-mail and Slack / Teams / JSON webhooks), `engine` (evaluate
the rules, record each occurrence once, deliver with quiet hours, an hourly limit and retries), `digest`
(the daily e-mail). Nothing here is imported by this file, so monitor.config can read `settings` alone.
"""
