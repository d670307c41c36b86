"""A real OpenID Connect provider on loopback for the sign-in tests: discovery, an authorization endpoint
with a sign-in form (a person types the address they sign in as), the authorization-code grant with
client authentication and PKCE (S256), RS256 ID tokens signed with a key published at jwks_uri, and
userinfo. Streamlit's st.login (Authlib) talks to it unmodified over HTTP, as to Google or Entra.

Tokens and the key come from joserfc (what Authlib itself uses); codes are one-time and expire."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CODE_SECONDS = 60


class _Handler(BaseHTTPRequestHandler):
    server: "OIDCProvider"

    def log_message(self, *args) -> None:  # quiet: the test reads its own records
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict) -> None:
        self._send(status, json.dumps(data).encode(), "application/json", {"Cache-Control": "no-store"})

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._json(200, self.server.metadata())
        elif url.path == "/jwks":
            self._json(200, {"keys": [self.server.key.as_dict(private=False)]})
        elif url.path == "/authorize":
            problem = self.server.check_authorization(query)
            if problem:
                self._send(400, problem.encode(), "text/plain")
                return
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in query.items())
            page = (f"<html><body><h1>Test provider sign-in</h1><form method='post' action='/authorize'>{hidden}"
                    "<label>E-mail <input name='login_email' type='email'></label>"
                    "<button type='submit'>Continue</button></form></body></html>")
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif url.path == "/userinfo":
            claims = self.server.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
            self._json(200, claims) if claims else self._json(401, {"error": "invalid_token"})
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        url = urlparse(self.path)
        form = self._form()
        if url.path == "/authorize":
            problem = self.server.check_authorization(form)
            if problem:
                self._send(400, problem.encode(), "text/plain")
                return
            code = self.server.issue_code(form)
            location = f"{form['redirect_uri']}?{urlencode({'code': code, 'state': form.get('state', '')})}"
            self._send(302, b"", "text/plain", {"Location": location})
        elif url.path == "/token":
            status, data = self.server.exchange(form, self.headers.get("Authorization"))
            self._json(status, data)
        else:
            self._send(404, b"not found", "text/plain")


class OIDCProvider(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str, verified: bool = True):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.verified = verified
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.signed_in: list[str] = []   # every address an ID token was issued for
        self._lock = threading.Lock()

    def metadata(self) -> dict:
        b = self.base_url
        return {"issuer": b, "authorization_endpoint": f"{b}/authorize", "token_endpoint": f"{b}/token",
                "jwks_uri": f"{b}/jwks", "userinfo_endpoint": f"{b}/userinfo", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "grant_types_supported": ["authorization_code"], "claims_supported": ["email", "email_verified"]}

    def check_authorization(self, params: dict) -> str | None:
        if params.get("client_id") != self.client_id:
            return "unknown client_id"
        if params.get("redirect_uri") != self.redirect_uri:
            return f"redirect_uri not registered: {params.get('redirect_uri')}"
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return "expected response_type=code and the openid scope"
        return None

    def issue_code(self, form: dict) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = dict(form, issued=time.time())
        return code

    def _client_ok(self, form: dict, authorization: str | None) -> bool:
        if authorization and authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        return client_id == self.client_id and secret == self.client_secret

    def exchange(self, form: dict, authorization: str | None) -> tuple[int, dict]:
        if not self._client_ok(form, authorization):
            return 401, {"error": "invalid_client"}
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)  # one use only
        if (grant is None or time.time() - grant["issued"] > CODE_SECONDS
                or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != grant["redirect_uri"]):
            return 400, {"error": "invalid_grant"}
        if grant.get("code_challenge"):
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        email = grant["login_email"]
        now = int(time.time())
        claims = {"iss": self.base_url, "sub": hashlib.sha256(email.encode()).hexdigest()[:20], "aud": self.client_id,
                  "iat": now, "exp": now + 600, "email": email, "email_verified": self.verified,
                  "name": email.split("@")[0].title()}
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, self.key)
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[access_token] = claims
            self.signed_in.append(email)
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 600, "id_token": id_token,
                     "scope": grant.get("scope", "openid")}

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
