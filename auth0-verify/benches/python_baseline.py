"""Times auth0-python's TokenVerifier on the tokens written by `cargo bench --bench verify`.

Reads target/auth0-verify-bench/{rs256.jwt,hs256.jwt,jwks.json,meta.json}, serves the JWKS
on 127.0.0.1 (no other network access) and prints verifications per second, single thread.
"""

import http.server
import json
import pathlib
import sys
import threading
import time
from importlib.metadata import version

from auth0.authentication.token_verifier import (
    AsymmetricSignatureVerifier,
    SymmetricSignatureVerifier,
    TokenVerifier,
)

DIR = pathlib.Path(sys.argv[1])
JWKS = (DIR / "jwks.json").read_bytes()
META = json.loads((DIR / "meta.json").read_text())


class Jwks(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(JWKS)))
        self.end_headers()
        self.wfile.write(JWKS)

    def log_message(self, *args):
        pass


def rate(verify, token, seconds=1.0):
    verify(token)  # warm the key cache
    rounds = []
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(50):
                verify(token)
            n += 50
        rounds.append(n / (time.perf_counter() - start))
    return sorted(rounds)[2]


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"

    rs = TokenVerifier(AsymmetricSignatureVerifier(url), META["issuer"], META["audience"], leeway=60)
    hs = TokenVerifier(SymmetricSignatureVerifier(META["secret"]), META["issuer"], META["audience"], leeway=60)
    rs_token = (DIR / "rs256.jwt").read_text()
    hs_token = (DIR / "hs256.jwt").read_text()

    print(f"auth0-python {version('auth0-python')} (PyJWT {version('PyJWT')}, cryptography {version('cryptography')}), "
          f"Python {sys.version.split()[0]}")
    from cryptography.hazmat.backends.openssl import backend

    print(f"cryptography is linked with {backend.openssl_version_text()}")
    print(f"RS256 warm cache: auth0-python {rate(rs.verify, rs_token):.0f}/s (median of 5 rounds)")
    print(f"HS256: auth0-python {rate(hs.verify, hs_token):.0f}/s (median of 5 rounds)")
    server.shutdown()


if __name__ == "__main__":
    main()
