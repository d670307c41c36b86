"""The simulated X's answers that are not a plain page: the problem bodies of its errors, the answer for each
injected fault that replaces the endpoint's, and the damage the others do to a good page.
"""
from __future__ import annotations

from datetime import datetime
from http import HTTPStatus

from .api import ApiResult
from .faults import MALFORMED_BODY, Fault
from .http import Reply, json_reply
from .params import PROBLEMS, invalid_request


def problem(status: int, title: str | None = None, detail: str | None = None, kind: str = "about:blank") -> dict:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return {"title": title or phrase, "detail": detail or phrase, "type": kind, "status": status}


def fault_reply(fault: Fault, rate_headers: dict, now: datetime) -> Reply:
    """The answer for a fault that replaces the endpoint's answer."""
    if fault.kind == "drop":
        return Reply(0, b"", drop=True)
    if fault.kind == "rate_limit":
        headers = {**rate_headers, "x-rate-limit-remaining": "0"}
        headers.pop("x-rate-limit-reset")
        if fault.reset_in is not None:
            headers["x-rate-limit-reset"] = str(int(now.timestamp() + fault.reset_in))
        return json_reply(429, problem(429, "Too Many Requests", "Too Many Requests"), headers)
    if fault.kind == "usage_cap":
        body = {"account_id": 1740000000, "product_name": "standard-basic", "title": "UsageCapExceeded",
                "period": "Monthly", "scope": "Product", "detail": "Usage cap exceeded: Monthly product cap",
                "type": PROBLEMS + "usage-capped"}
        return json_reply(429, body, rate_headers)   # remaining stays as it is: waiting will not help
    if fault.kind == "credits":
        body = {"title": "Credits Depleted", "detail": "Your account does not have any credits left to "
                "fulfill this request.", "type": PROBLEMS + "credits-depleted"}
        return json_reply(402, body, rate_headers)
    if fault.kind == "unauthorized":
        return json_reply(401, problem(401, "Unauthorized", "Unauthorized"), rate_headers)
    if fault.kind == "forbidden":
        body = {"title": "Client Forbidden", "detail": "This request must be made using an approved "
                "developer account that is enrolled in the requested endpoint.", "reason": "client-not-enrolled",
                "registration_url": "https://developer.x.com/en/portal/product", "required_enrollment":
                "Appropriate Level of API Access", "type": PROBLEMS + "client-forbidden"}
        return json_reply(403, body, rate_headers)
    status = fault.status or 500
    if status == 400:
        error = invalid_request("query", [], "There were errors processing your request (injected fault)")
        return json_reply(400, error.body, rate_headers)
    return json_reply(status, problem(status), rate_headers)


def alter_body(fault: Fault | None, body: dict) -> None:
    """Faults that damage a good page in place."""
    if fault is None:
        return
    if fault.kind == "no_includes":
        body.pop("includes", None)
    elif fault.kind == "missing_author" and body.get("data"):
        users = body.get("includes", {}).get("users", [])
        missing = body["data"][0].get("author_id")
        body.get("includes", {})["users"] = [user for user in users if user["id"] != missing]
    elif fault.kind == "duplicate" and body.get("data") and "meta" not in body:
        body["data"].append(body["data"][0])   # lookups have no pages: repeat within the answer
    elif fault.kind == "out_of_order" and body.get("data"):
        body["data"].reverse()   # ids ascending instead of newest first; meta still tells the truth


def encode_result(result: ApiResult, fault: Fault | None, rate_headers: dict) -> tuple[Reply, ApiResult | None]:
    """The reply for an endpoint's result, and the result it carries readably (None when a fault made the
    body unreadable)."""
    reply = json_reply(result.status, result.body, rate_headers)
    if fault is not None and fault.kind == "malformed":
        return Reply(200, MALFORMED_BODY, rate_headers), None
    if fault is not None and fault.kind == "truncated":
        return Reply(200, reply.body[: len(reply.body) // 2], rate_headers), None
    return reply, result
